#include "crypto/password_hasher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <future>
#include <map>
#include <string>
#include <thread>

namespace alcove::crypto {
namespace {

Secret<std::string> Pw(std::string s) { return Secret<std::string>(std::move(s)); }

// "$argon2id$v=19$m=19456,t=3,p=1$salt$hash" -> {"m": 19456, "t": 3, "p": 1}
std::map<std::string, std::uint64_t> Params(const std::string& stored) {
  std::map<std::string, std::uint64_t> out;
  const auto start = stored.find("$m=");
  const auto end = stored.find('$', start + 1);
  std::string_view list(stored.data() + start + 1, end - start - 1);
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = list.substr(0, comma);
    const auto eq = item.find('=');
    std::uint64_t v = 0;
    std::from_chars(item.data() + eq + 1, item.data() + item.size(), v);
    out[std::string(item.substr(0, eq))] = v;
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return out;
}

// The stored string says argon2id with at least OWASP's m = 19 MiB, t = 2, p = 1.
// claim: C25
TEST(PasswordHasher, StoredHashCarriesArgon2idAtOrAboveOwaspParameters) {
  auto hasher = PasswordHasher::Create();
  ASSERT_TRUE(hasher);
  auto stored = (*hasher)->Hash(Pw("correct horse battery staple"));
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->starts_with("$argon2id$v=19$")) << "algorithm prefix";
  const auto p = Params(*stored);
  EXPECT_GE(p.at("m"), 19u * 1024u);  // KiB
  EXPECT_GE(p.at("t"), 2u);
  EXPECT_EQ(p.at("p"), 1u);
  EXPECT_EQ(stored->find("correct horse"), std::string::npos);
}

// claim: C25
TEST(PasswordHasher, RefusesParametersBelowTheOwaspFloor) {
  EXPECT_FALSE(PasswordHasher::Create({.opslimit = 1}));
  EXPECT_FALSE(PasswordHasher::Create({.memlimit = std::size_t{18} << 20}));
  EXPECT_FALSE(PasswordHasher::Create({.max_concurrent = 0}));
  EXPECT_TRUE(PasswordHasher::Create({.opslimit = 2, .memlimit = std::size_t{19} << 20}));
}

TEST(PasswordHasher, VerifiesTheRightPasswordAndRejectsWrongOnes) {
  auto hasher = PasswordHasher::Create();
  ASSERT_TRUE(hasher);
  auto stored = (*hasher)->Hash(Pw("s3cret PIN 1234"));
  ASSERT_TRUE(stored);
  auto again = (*hasher)->Hash(Pw("s3cret PIN 1234"));
  ASSERT_TRUE(again);
  EXPECT_NE(*stored, *again);  // a fresh salt each time
  EXPECT_EQ((*hasher)->Verify(Pw("s3cret PIN 1234"), *stored), true);
  EXPECT_EQ((*hasher)->Verify(Pw("s3cret PIN 1234"), *again), true);
  EXPECT_EQ((*hasher)->Verify(Pw("s3cret PIN 1235"), *stored), false);
  EXPECT_EQ((*hasher)->Verify(Pw(""), *stored), false);
  EXPECT_EQ((*hasher)->Verify(Pw("s3cret PIN 1234"), "not a hash"), false);
  EXPECT_EQ((*hasher)->Verify(Pw("s3cret PIN 1234"), ""), false);
  std::string tampered = *stored;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ((*hasher)->Verify(Pw("s3cret PIN 1234"), tampered), false);
  auto too_long = (*hasher)->Hash(Pw(std::string(kMaxPasswordBytes + 1, 'x')));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
}

// Hashes made with weaker parameters are flagged for rehash by a hasher whose
// parameters rose; hashes made with the current ones are not.
// claim: C25
TEST(PasswordHasher, NeedsRehashWhenParametersRise) {
  auto old_hasher = PasswordHasher::Create({.opslimit = 2, .memlimit = std::size_t{19} << 20});
  auto new_hasher = PasswordHasher::Create({.opslimit = 3, .memlimit = std::size_t{24} << 20});
  ASSERT_TRUE(old_hasher && new_hasher);
  auto old_hash = (*old_hasher)->Hash(Pw("pw"));
  auto new_hash = (*new_hasher)->Hash(Pw("pw"));
  ASSERT_TRUE(old_hash && new_hash);
  EXPECT_FALSE((*old_hasher)->NeedsRehash(*old_hash));
  EXPECT_TRUE((*new_hasher)->NeedsRehash(*old_hash));
  EXPECT_FALSE((*new_hasher)->NeedsRehash(*new_hash));
  // The old hash still verifies under the new hasher (parameters come from the string).
  EXPECT_EQ((*new_hasher)->Verify(Pw("pw"), *old_hash), true);
  EXPECT_TRUE((*new_hasher)->NeedsRehash("$2y$10$notargon"));
  EXPECT_TRUE((*new_hasher)->NeedsRehash(""));
}

// A full pool answers kResourceExhausted instead of running more hashes at once.
// claim: C25
TEST(PasswordHasher, SaturatedPoolReturnsBusyInsteadOfRunningMoreHashes) {
  std::promise<void> holding;
  std::promise<void> release;
  std::shared_future<void> release_f = release.get_future().share();
  std::atomic<int> entered{0};
  auto hasher = PasswordHasher::Create(
      {.max_concurrent = 1, .max_wait = std::chrono::milliseconds(0), .on_slot_acquired = [&] {
         if (entered.fetch_add(1) == 0) {
           holding.set_value();
           release_f.wait();
         }
       }});
  ASSERT_TRUE(hasher);
  std::thread holder([&] { EXPECT_TRUE((*hasher)->Hash(Pw("first"))); });
  holding.get_future().wait();
  EXPECT_EQ((*hasher)->in_flight(), 1u);

  auto busy = (*hasher)->Hash(Pw("second"));
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kResourceExhausted);
  auto busy_verify = (*hasher)->Verify(Pw("second"), "$argon2id$v=19$m=19456,t=2,p=1$x$y");
  ASSERT_FALSE(busy_verify);
  EXPECT_EQ(busy_verify.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(entered.load(), 1);  // the refused calls never reached the hash

  release.set_value();
  holder.join();
  EXPECT_EQ((*hasher)->in_flight(), 0u);
  EXPECT_TRUE((*hasher)->Hash(Pw("third")));  // the slot is free again
}

TEST(PasswordHasher, WaitingCallerGetsTheSlotWhenItFrees) {
  std::promise<void> holding;
  std::promise<void> release;
  std::shared_future<void> release_f = release.get_future().share();
  std::atomic<int> entered{0};
  auto hasher = PasswordHasher::Create(
      {.max_concurrent = 1, .max_wait = std::chrono::minutes(5), .on_slot_acquired = [&] {
         if (entered.fetch_add(1) == 0) {
           holding.set_value();
           release_f.wait();
         }
       }});
  ASSERT_TRUE(hasher);
  PasswordHasher& h = **hasher;
  std::thread holder([&] { EXPECT_TRUE(h.Hash(Pw("first"))); });
  holding.get_future().wait();
  std::thread waiter([&] { EXPECT_TRUE(h.Hash(Pw("second"))); });
  release.set_value();
  holder.join();
  waiter.join();
  EXPECT_EQ(entered.load(), 2);
}

// Many callers at once on a pool of 2: never more than 2 hashes in flight.
TEST(PasswordHasher, NeverRunsMoreThanThePoolSize) {
  std::atomic<int> current{0};
  std::atomic<int> peak{0};
  PasswordHasher* self = nullptr;
  auto hasher = PasswordHasher::Create(
      {.max_concurrent = 2, .max_wait = std::chrono::minutes(5), .on_slot_acquired = [&] {
         const auto n = static_cast<int>(self->in_flight());
         int p = peak.load();
         while (n > p && !peak.compare_exchange_weak(p, n)) {
         }
         current.fetch_add(1);
       }});
  ASSERT_TRUE(hasher);
  self = hasher->get();
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] { EXPECT_TRUE(self->Hash(Pw("x"))); });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(current.load(), 6);
  EXPECT_LE(peak.load(), 2);
  EXPECT_EQ(self->in_flight(), 0u);
}

// claim: C25
TEST(PasswordHasher, RefusesAPlantedHashThatAsksForExcessiveMemoryWithoutComputingIt) {
  auto hasher = PasswordHasher::Create();
  ASSERT_TRUE(hasher);
  const Secret<std::string> pw(std::string("correct horse battery staple"));
  auto good = (*hasher)->Hash(pw);
  ASSERT_TRUE(good);
  // The same string with m raised to 4 GiB: must be refused, not run.
  std::string planted = *good;
  const auto m = planted.find("m=");
  const auto comma = planted.find(',', m);
  planted.replace(m, comma - m, "m=4194304");
  auto r = (*hasher)->Verify(pw, planted);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ((*hasher)->in_flight(), 0u);
  // Parallelism other than 1 and absurd pass counts are refused the same way.
  std::string parallel = *good;
  parallel.replace(parallel.find("p=1"), 3, "p=8");
  EXPECT_FALSE((*hasher)->Verify(pw, parallel));
  std::string passes = *good;
  const auto t = passes.find("t=");
  passes.replace(t, passes.find(',', t) - t, "t=1000");
  EXPECT_FALSE((*hasher)->Verify(pw, passes));
  // The genuine string still verifies.
  auto ok = (*hasher)->Verify(pw, *good);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(*ok);
}

}  // namespace
}  // namespace alcove::crypto
