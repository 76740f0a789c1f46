// Reviews of results (service.hpp § Reviews; docs/measures.md § The safety flag) on both
// engines: new results until reviewed, only those decrypted for the Today page, the
// review audited with ids only (C40), another tenant's result not found (C20), the review
// rows gone with the client.
#include <gtest/gtest.h>

#include "audit/log.hpp"
#include "measures/service.hpp"
#include "measures_test_util.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::measures {
namespace {

using identity::Caller;
using identity::TherapistScope;
using test::A;
using testing::AppHarness;
using testing::TestEngine;

const Caller kCaller{.ip = "192.0.2.80", .user_agent = "ReviewsTest/1.0"};

class MeasureReviewsTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    m_ = std::make_unique<Measures>(h_->db(), h_->practice(), h_->identity(), h_->log(),
                                    SystemClock::Instance());
    alice_ = Scope(h_->SignUpTherapist("reviews-alice@alcove.test", "192.0.2.81"));
    bob_ = Scope(h_->SignUpTherapist("reviews-bob@alcove.test", "192.0.2.82"));
  }

  std::optional<TherapistScope> Scope(const testing::AppBrowser& b) {
    auto s = TherapistScope::From(h_->PrincipalOf(b));
    EXPECT_TRUE(s);
    return s ? std::optional<TherapistScope>(*s) : std::nullopt;
  }

  std::string NewClient(const TherapistScope& who, const char* name) {
    auto c = h_->practice().CreateClient(who, crypto::PhiString(std::string(name)), {}, kCaller);
    EXPECT_TRUE(c) << (c ? "" : c.error().internal);
    return c ? c->id : "";
  }

  std::string Result(const TherapistScope& who, const std::string& client,
                     const std::vector<int>& values) {
    auto a = m_->Assign(who, client, "phq-9", std::nullopt, kCaller);
    EXPECT_TRUE(a);
    if (!a) {
      return "";
    }
    auto id = m_->Submit(crypto::SecretString(std::string(a->link.reveal()).substr(3)),
                         A(values), kCaller);
    EXPECT_TRUE(id) << (id ? "" : id.error().internal);
    return id ? *id : "";
  }

  std::vector<audit::Event> Events(store::TenantId tenant) {
    auto tx = h_->db().Begin();
    EXPECT_TRUE(tx);
    auto events = audit::ListEvents(**tx, tenant, std::nullopt, 500);
    EXPECT_TRUE(events);
    std::vector<audit::Event> out;
    if (events) {
      for (auto& e : *events) {
        out.push_back(std::move(e.logged.event));
      }
    }
    return out;
  }

  // The rows of `table` in Alice's tenant (row-level security hides them elsewhere).
  std::int64_t Rows(const char* table) {
    auto tx = h_->db().BeginTenant(alice_->tenant());
    auto rows = (*tx)->Query(std::string("SELECT COUNT(*) FROM ") + table, {});
    EXPECT_TRUE(rows);
    return rows ? rows->front().Int(0) : -1;
  }

  std::unique_ptr<AppHarness> h_;
  std::unique_ptr<Measures> m_;
  std::optional<TherapistScope> alice_, bob_;
};

TEST_P(MeasureReviewsTest, NewResultsAreListedWithTheirFlagsUntilReviewed) {
  const std::string c = NewClient(*alice_, "Odile Brackwater");
  const std::string flagged = Result(*alice_, c, {0, 0, 0, 0, 0, 0, 0, 0, 1, 0});
  const std::string plain = Result(*alice_, c, {1, 1, 1, 0, 0, 0, 0, 0, 0, 0});
  auto fresh = m_->ListUnreviewed(*alice_, kCaller);
  ASSERT_TRUE(fresh) << fresh.error().internal;
  ASSERT_EQ(fresh->size(), 2u);
  EXPECT_EQ((*fresh)[0].id, flagged);
  EXPECT_EQ((*fresh)[0].alias, "O.B.");
  ASSERT_EQ((*fresh)[0].score.flags.size(), 1u);
  EXPECT_EQ((*fresh)[0].score.flags[0].item, 9);
  EXPECT_EQ((*fresh)[0].score.scales[0].value, 1);
  EXPECT_TRUE((*fresh)[1].score.flags.empty());
  EXPECT_EQ((*fresh)[1].score.scales[0].value, 3);
  auto ids = m_->UnreviewedIds(*alice_, c);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{flagged, plain}));

  ASSERT_TRUE(m_->MarkReviewed(*alice_, flagged, kCaller));
  fresh = m_->ListUnreviewed(*alice_, kCaller);
  ASSERT_TRUE(fresh);
  ASSERT_EQ(fresh->size(), 1u);
  EXPECT_EQ((*fresh)[0].id, plain);
  auto again = m_->MarkReviewed(*alice_, flagged, kCaller);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(*m_->CountResults(*alice_, c), 2);
  // Reviewed results are still results.
  auto all = m_->ListResults(*alice_, c, kCaller);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
}

TEST_P(MeasureReviewsTest, C40TheReviewAndTheTodayReadCarryIdsAndCountsOnly) {
  const std::string c = NewClient(*alice_, "Odile Brackwater");
  const std::string d = NewClient(*alice_, "Percival Thimblerig");
  const std::string r1 = Result(*alice_, c, {0, 0, 0, 0, 0, 0, 0, 0, 2, 0});
  const std::string r2 = Result(*alice_, d, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  ASSERT_TRUE(m_->MarkReviewed(*alice_, r2, kCaller));
  const auto before = Events(alice_->tenant()).size();
  ASSERT_TRUE(m_->ListUnreviewed(*alice_, kCaller));
  const auto events = Events(alice_->tenant());
  // One read event, of the one client whose result was opened (d's was reviewed: not
  // decrypted, not read).
  ASSERT_EQ(events.size(), before + 1);
  int reads = 0;
  int reviews = 0;
  for (const auto& e : events) {
    if (e.action == audit::Action::kRecordAccessed && e.object_type == "measure_results") {
      if (e.object_id == c && e.details.entries().at("count") == "1") {
        ++reads;
      }
      EXPECT_NE(e.object_id, d) << "a reviewed result was decrypted for Today";
    }
    if (e.action == audit::Action::kRecordUpdated && e.object_type == "measure_result") {
      ++reviews;
      EXPECT_EQ(e.object_id, r2);
      EXPECT_EQ(e.actor.text(), "account:" + alice_->account_id());
      const std::map<std::string, std::string, std::less<>> want = {{"change", "reviewed"},
                                                                    {"client", d}};
      EXPECT_EQ(e.details.entries(), want);
    }
  }
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(reviews, 1);
  EXPECT_FALSE(r1.empty());
}

TEST_P(MeasureReviewsTest, C20AnotherTenantsResultIsNotFoundAndNotListed) {
  const std::string c = NewClient(*alice_, "Odile Brackwater");
  const std::string r = Result(*alice_, c, {0, 0, 0, 0, 0, 0, 0, 0, 1, 0});
  auto theirs = m_->ListUnreviewed(*bob_, kCaller);
  ASSERT_TRUE(theirs);
  EXPECT_TRUE(theirs->empty());
  auto done = m_->MarkReviewed(*bob_, r, kCaller);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(m_->MarkReviewed(*bob_, "not-an-id", kCaller).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(m_->UnreviewedIds(*bob_, c).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(m_->CountResults(*bob_, c).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Rows("measure_reviews"), 0);
  // Still new for its own therapist.
  auto mine = m_->ListUnreviewed(*alice_, kCaller);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->size(), 1u);
}

TEST_P(MeasureReviewsTest, AClientsDeletionTakesItsReviewsAlong) {
  const std::string c = NewClient(*alice_, "Odile Brackwater");
  const std::string r = Result(*alice_, c, {0, 0, 0, 0, 0, 0, 0, 0, 1, 0});
  ASSERT_TRUE(m_->MarkReviewed(*alice_, r, kCaller));
  EXPECT_EQ(Rows("measure_reviews"), 1);
  ASSERT_TRUE(h_->practice().DeleteClient(*alice_, c, kCaller));
  EXPECT_EQ(Rows("measure_reviews"), 0);
  EXPECT_EQ(Rows("measure_results"), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, MeasureReviewsTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::measures
