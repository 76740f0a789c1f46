#include "crypto/secret.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <ostream>
#include <string>
#include <vector>

namespace alcove::crypto {
namespace {

// Not formattable, not streamable: these are compile-time facts, checked at compile time.
template <typename T>
concept Streamable = requires(std::ostream& os, const T& v) {
  os << v;
};

static_assert(!fmt::is_formattable<Secret<std::string>>::value);
static_assert(!fmt::is_formattable<Phi<std::string>>::value);
static_assert(!fmt::is_formattable<Secret<std::vector<std::uint8_t>>>::value);
static_assert(!fmt::is_formattable<Phi<std::array<std::uint8_t, 32>>>::value);
static_assert(!Streamable<Secret<std::string>>);
static_assert(!Streamable<Phi<std::string>>);
static_assert(!Streamable<SecretBytes>);
// The checks above can fail: the plain types are formattable and streamable.
static_assert(fmt::is_formattable<std::string>::value);
static_assert(Streamable<std::string>);

// No implicit way out: not convertible to the value, not copyable.
static_assert(!std::is_convertible_v<Secret<std::string>, std::string>);
static_assert(!std::is_convertible_v<const Secret<std::string>&, std::string_view>);
static_assert(!std::is_copy_constructible_v<Secret<std::string>>);
static_assert(std::is_move_constructible_v<Secret<std::string>>);

// Only byte storage can be wrapped (it is what we know how to wipe).
static_assert(WipeableBytes<std::string> && WipeableBytes<std::vector<std::uint8_t>> &&
              WipeableBytes<std::array<std::uint8_t, 32>>);
static_assert(!WipeableBytes<std::vector<int>> && !WipeableBytes<int>);

// Secret and Phi are distinct types, and Phi can be recognised at compile time.
static_assert(!std::is_same_v<Secret<std::string>, Phi<std::string>>);
static_assert(!std::is_convertible_v<Phi<std::string>, Secret<std::string>>);
static_assert(IsPhi<Phi<std::string>>);
static_assert(IsPhi<PhiString>);
static_assert(!IsPhi<Secret<std::string>>);
static_assert(!IsPhi<std::string>);
static_assert(IsSensitive<Secret<std::string>> && IsSensitive<Phi<std::string>>);

// Records every wipe the wrappers report, with whether the bytes were all zero at that
// moment (the storage is still alive while the observer runs).
struct WipeLog {
  int wipes = 0;
  int nonzero = 0;
  std::size_t bytes = 0;
};
WipeLog g_log;

void Observe(const void* data, std::size_t size) {
  ++g_log.wipes;
  g_log.bytes += size;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    if (p[i] != 0) {
      ++g_log.nonzero;
      return;
    }
  }
}

class SecretWipe : public ::testing::Test {
 protected:
  void SetUp() override {
    g_log = {};
    test_hooks::SetWipeObserver(&Observe);
  }
  void TearDown() override { test_hooks::SetWipeObserver(nullptr); }
};

TEST_F(SecretWipe, DestructionZeroesTheBytes) {
  {
    Secret<std::string> s(std::string(100, 'p'));    // on the heap
    Secret<std::string> small(std::string("pin1"));  // in the small-string buffer
    Phi<std::vector<std::uint8_t>> note(std::vector<std::uint8_t>(64, 0x5a));
    Secret<std::array<std::uint8_t, 32>> key(std::array<std::uint8_t, 32>{1, 2, 3});
  }
  EXPECT_EQ(g_log.wipes, 4);
  EXPECT_EQ(g_log.bytes, 100u + 4u + 64u + 32u);
  EXPECT_EQ(g_log.nonzero, 0);
}

TEST_F(SecretWipe, MovingWipesTheSource) {
  Secret<std::string> a(std::string("short"));
  Secret<std::string> b(std::move(a));
  EXPECT_EQ(g_log.wipes, 1);  // the moved-from buffer
  EXPECT_EQ(g_log.nonzero, 0);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_EQ(b.reveal(), "short");
  Secret<std::string> c(std::string("other value"));
  c = std::move(b);  // wipes c's old value and b
  EXPECT_EQ(g_log.wipes, 3);
  EXPECT_EQ(g_log.nonzero, 0);
  EXPECT_EQ(c.reveal(), "short");
}

TEST(Secret, ConstantTimeEqualityIsCorrect) {
  EXPECT_TRUE(Secret<std::string>(std::string("hunter2")) ==
              Secret<std::string>(std::string("hunter2")));
  EXPECT_FALSE(Secret<std::string>(std::string("hunter2")) ==
               Secret<std::string>(std::string("hunter3")));
  EXPECT_FALSE(Secret<std::string>(std::string("hunter2")) ==
               Secret<std::string>(std::string("hunter")));
  EXPECT_FALSE(Secret<std::string>(std::string("Hunter2")) ==
               Secret<std::string>(std::string("hunter2")));
  EXPECT_TRUE(Secret<std::string>() == Secret<std::string>(std::string()));
  EXPECT_TRUE(Phi<std::vector<std::uint8_t>>(std::vector<std::uint8_t>{0, 1, 2}) ==
              Phi<std::vector<std::uint8_t>>(std::vector<std::uint8_t>{0, 1, 2}));

  const std::vector<std::uint8_t> x = {1, 2, 3, 4};
  std::vector<std::uint8_t> y = x;
  EXPECT_TRUE(ConstantTimeEquals(x, y));
  y[3] = 5;
  EXPECT_FALSE(ConstantTimeEquals(x, y));
  y.pop_back();
  EXPECT_FALSE(ConstantTimeEquals(x, y));
  EXPECT_TRUE(ConstantTimeEquals({}, {}));
}

TEST(Secret, RevealAndCloneGiveTheValue) {
  const Secret<std::string> s(std::string("token-value"));
  EXPECT_EQ(s.reveal(), "token-value");
  EXPECT_EQ(s.size(), 11u);
  const auto copy = s.Clone();
  EXPECT_TRUE(copy == s);
  EXPECT_EQ(s.reveal(), "token-value");
}

}  // namespace
}  // namespace alcove::crypto
