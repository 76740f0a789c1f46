// The client portal (docs/performance.md § The client portal): a client's home with 100
// shared items (Portal::Home: the access row, the live shares, the pending questionnaires,
// the therapist's name, one audited read), one item opened (GetItem: the sealed summary
// opened, the opened mark and its event in one write), and share/revoke round trips of a
// reviewed summary (Share: the audited summary read, the seal, the write with its event;
// Revoke: the write with its event). SQLite with the production settings, the real
// services; the mail is dropped.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <mutex>
#include <string>
#include <vector>

#include "crypto/password_hasher.hpp"
#include "hours_bench_db.hpp"
#include "identity/identity.hpp"
#include "mail/mailer.hpp"
#include "mail/queue.hpp"
#include "measures/service.hpp"
#include "portal/portal.hpp"
#include "practice/practice.hpp"

namespace {

using namespace alcove;

const identity::Caller kCaller{.ip = "192.0.2.90", .user_agent = "PortalBench/1.0"};

// Keeps the last link mailed (the invitation's), sends nothing.
class LastLinkMailer final : public mail::Mailer {
 public:
  Status Send(const mail::Message& message) override {
    const std::lock_guard lock(mu_);
    last_ = message.link();
    return {};
  }
  std::string last() {
    const std::lock_guard lock(mu_);
    return last_;
  }

 private:
  std::mutex mu_;
  std::string last_;
};

template <typename T>
T OrDie(Result<T> r, const char* what) {
  if (!r) {
    bench::DieOfBench("portal_bench", std::string(what) + ": " + r.error().internal);
  }
  return std::move(*r);
}

// One therapist (tenant 1), one client with portal access and `shared` reviewed summaries
// shared with them, and `summaries` more reviewed summaries not shared.
struct PortalBench {
  bench::HoursBenchDb base;
  LastLinkMailer mailer;
  std::unique_ptr<mail::Queue> queue;
  std::unique_ptr<crypto::PasswordHasher> hasher;
  std::unique_ptr<identity::Identity> identity;
  std::unique_ptr<practice::Practice> practice;
  std::unique_ptr<measures::Measures> measures;
  std::unique_ptr<portal::Portal> portal;
  std::string client;
  std::optional<identity::ClientScope> who;
  std::vector<std::string> shares;
  std::vector<std::string> unshared;

  PortalBench(int shared, int summaries)
      : base(bench::OpenHoursBenchDb("portal_bench", *hours::ParseDay("2024-06-01"), kCaller)) {
    const Clock& clock = SystemClock::Instance();
    queue = std::make_unique<mail::Queue>(mailer);
    hasher = OrDie(crypto::PasswordHasher::Create(), "hasher");
    identity = std::make_unique<identity::Identity>(
        *base.db, *base.ring, *hasher, *base.log, *queue, clock,
        identity::IdentityOptions{.public_origin = "https://alcove.example.org"});
    practice = std::make_unique<practice::Practice>(*base.db, *base.ring, *base.log, clock);
    measures =
        std::make_unique<measures::Measures>(*base.db, *practice, *identity, *base.log, clock);
    portal = std::make_unique<portal::Portal>(*base.db, *identity, *practice, *measures, *base.log,
                                              *queue, clock, "https://alcove.example.org");
    practice::ProfileFields p;
    p.email = crypto::PhiString(std::string("client@example.org"));
    client = OrDie(practice->CreateClient(base.who, crypto::PhiString(std::string("Ann Other")),
                                          std::move(p), kCaller),
                   "client")
                 .id;
    if (auto st = portal->Invite(base.who, client, kCaller); !st) {
      bench::DieOfBench("portal_bench", st.error().internal);
    }
    queue->WaitIdle();
    const std::string link = mailer.last();
    auto session =
        OrDie(portal->Accept(crypto::SecretString(link.substr(link.find("#token=") + 7)), kCaller),
              "accept");
    who = *identity::ClientScope::From(session.principal);
    for (int i = 0; i < shared + summaries; ++i) {
      auto s = OrDie(practice->CreateSummary(
                         base.who, client,
                         crypto::PhiString(fmt::format("Summary {}: what we worked on, and what "
                                                       "comes next, in a few plain sentences.",
                                                       i)),
                         std::nullopt, kCaller),
                     "summary");
      OrDie(practice->ReviewSummary(base.who, s.id, kCaller), "review");
      if (i < shared) {
        shares.push_back(OrDie(
            portal->Share(base.who, client, portal::ShareKind::kSummary, s.id, kCaller), "share"));
      } else {
        unshared.push_back(s.id);
      }
    }
  }
};

PortalBench& Fixture() {
  static PortalBench b(100, 1);
  return b;
}

void BM_PortalHome100Items(benchmark::State& state) {
  PortalBench& b = Fixture();
  for (auto _ : state) {
    auto view = b.portal->Home(*b.who, kCaller);
    if (!view || view->items.size() != b.shares.size()) {
      state.SkipWithError("home failed");
      return;
    }
    benchmark::DoNotOptimize(view);
  }
}
BENCHMARK(BM_PortalHome100Items)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PortalViewFor100Items(benchmark::State& state) {
  PortalBench& b = Fixture();
  for (auto _ : state) {
    auto view = b.portal->PortalViewFor(b.base.who, b.client, kCaller);
    if (!view) {
      state.SkipWithError("view failed");
      return;
    }
    benchmark::DoNotOptimize(view);
  }
}
BENCHMARK(BM_PortalViewFor100Items)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PortalOpenItem(benchmark::State& state) {
  PortalBench& b = Fixture();
  for (auto _ : state) {
    auto item = b.portal->GetItem(*b.who, b.shares.front(), kCaller);
    if (!item) {
      state.SkipWithError("item failed");
      return;
    }
    benchmark::DoNotOptimize(item);
  }
}
BENCHMARK(BM_PortalOpenItem)->Unit(benchmark::kMillisecond)->UseRealTime();

// One share of a reviewed summary and its revocation (two audited writes and the audited
// read of the summary).
void BM_PortalShareRevokeRoundTrip(benchmark::State& state) {
  PortalBench& b = Fixture();
  for (auto _ : state) {
    auto id = b.portal->Share(b.base.who, b.client, portal::ShareKind::kSummary, b.unshared.front(),
                              kCaller);
    if (!id || !b.portal->Revoke(b.base.who, *id, kCaller)) {
      state.SkipWithError("share or revoke failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PortalShareRevokeRoundTrip)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
