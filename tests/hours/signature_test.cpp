// Signatures of weekly logs (issue #15, C42; docs/signing.md) on both engines: the
// record (supervisor, IP, time, content hash) and its signature.made event written with
// the signing, the receipt of that event checking offline, and "matches" after an
// amendment.
#include <gtest/gtest.h>

#include "audit/checkpoint.hpp"
#include "audit/checkpoint_signer.hpp"
#include "audit/log.hpp"
#include "audit/receipt.hpp"
#include "crypto/signing_key.hpp"
#include "hours/hours.hpp"
#include "hours_fixture.hpp"

namespace alcove::hours {
namespace {

constexpr std::string_view kSupervisor = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
const identity::Caller kSupervisorCaller{.ip = "198.51.100.7", .user_agent = "Supervisor/1.0"};

class HoursSignatureTest : public HoursFixture {
 protected:
  // A submitted week of a_ in a new setting, one session.
  WeeklyLog Submitted() {
    const std::string valley = Associate(a_);
    const SessionLog s = Log(a_, Session(Ymd(2026, 11, 24), 50, Category::kIndividual, valley));
    session_id_ = s.id;
    WeeklyLog w = WeekOf(a_, valley, s.date);
    auto submitted = hours_->SubmitWeek(a_, w.id, std::nullopt, kHoursCaller);
    EXPECT_TRUE(submitted) << (submitted ? "" : submitted.error().internal);
    return submitted ? *submitted : w;
  }

  // A signed checkpoint over the whole log now, as the server's Checkpointer writes it.
  audit::SignedCheckpoint CheckpointNow() {
    if (!signing_key_) {
      EXPECT_TRUE(crypto::CreateSigningKeyFile(keys_dir_.path() / "signing.key"));
      auto key = crypto::SigningKey::Load(keys_dir_.path() / "signing.key");
      EXPECT_TRUE(key);
      signing_key_ = std::move(*key);
    }
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    auto head = audit::ReadHead(**tx);
    EXPECT_TRUE(head);
    const audit::Checkpoint cp{audit::LogOrigin(signing_key_->public_key()), head->size(),
                               head->root()};
    return *audit::ParseSignedCheckpoint(audit::SignCheckpoint(*signing_key_, cp));
  }

  std::string session_id_;
  std::unique_ptr<crypto::SigningKey> signing_key_;
};

TEST_P(HoursSignatureTest, C42SigningRecordsSupervisorIpTimeAndHashWithItsAuditEvent) {
  const WeeklyLog w = Submitted();
  auto sig = hours_->RecordSignature(a_.tenant(), w.id, kSupervisor, w.content_sha256,
                                     kSupervisorCaller);
  ASSERT_TRUE(sig) << sig.error().internal;
  auto shown = hours_->GetSignature(a_, w.id);
  ASSERT_TRUE(shown) << shown.error().internal;
  EXPECT_EQ(shown->supervisor_id, kSupervisor);
  EXPECT_EQ(shown->ip, "198.51.100.7");
  EXPECT_EQ(shown->signed_at, clock_.Now());
  EXPECT_EQ(shown->content_sha256, w.content_sha256);
  EXPECT_EQ(shown->event_id, sig->event_id);
  EXPECT_TRUE(shown->matches);
  const WeeklyLog signed_week = *hours_->GetWeek(a_, w.id);
  EXPECT_EQ(signed_week.status, WeekStatus::kSigned);
  EXPECT_EQ(signed_week.signed_sha256, w.content_sha256);

  const auto stored = StoredEvents(a_.tenant());
  ASSERT_FALSE(stored.empty());
  const audit::Event& e = stored.front().logged.event;
  EXPECT_EQ(stored.front().logged.id, sig->event_id);
  EXPECT_EQ(e.action, audit::Action::kSignatureMade);
  EXPECT_EQ(e.object_type, "weekly_log");
  EXPECT_EQ(e.object_id, w.id);
  const auto& d = e.details.entries();
  EXPECT_EQ(d.size(), 3u);  // ids and the digest only
  EXPECT_EQ(d.at("week"), w.id);
  EXPECT_EQ(d.at("supervisor"), kSupervisor);
  EXPECT_EQ(d.at("content_sha256"), w.content_sha256);
}

TEST_P(HoursSignatureTest, C42ARefusedSigningLeavesNeitherSignatureNorEvent) {
  const WeeklyLog w = Submitted();
  const auto events = StoredEvents(a_.tenant()).size();
  auto stale = hours_->RecordSignature(a_.tenant(), w.id, kSupervisor, std::string(64, '0'),
                                       kSupervisorCaller);
  EXPECT_EQ(RefusalIn(stale), "week_changed");
  EXPECT_EQ(StoredEvents(a_.tenant()).size(), events);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM weekly_log_signatures WHERE tenant_id = $1", a_.tenant()),
            0);
  EXPECT_EQ(hours_->GetSignature(a_, w.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->status, WeekStatus::kSubmitted);
}

TEST_P(HoursSignatureTest, C42TheReceiptOfTheSignatureChecksAndFailsWhenOneByteChanges) {
  const WeeklyLog w = Submitted();
  auto sig = hours_->RecordSignature(a_.tenant(), w.id, kSupervisor, w.content_sha256,
                                     kSupervisorCaller);
  ASSERT_TRUE(sig) << sig.error().internal;
  const auto cp = CheckpointNow();
  const std::string vkey =
      audit::VerifierKey(audit::kCheckpointKeyName, signing_key_->public_key());
  Result<audit::Receipt> receipt = Fail(ErrorCode::kInternal, "not read");
  {
    auto tx = db_.db->BeginTenant(a_.tenant());
    ASSERT_TRUE(tx);
    receipt = audit::ProofFor(**tx, a_.tenant(), sig->event_id, cp, vkey);
  }
  ASSERT_TRUE(receipt) << receipt.error().internal;
  auto parsed = audit::ParseReceipt(audit::FormatReceipt(*receipt));
  ASSERT_TRUE(parsed);
  auto check = audit::CheckReceipt(*parsed, vkey);
  ASSERT_TRUE(check) << check.error().internal;
  EXPECT_EQ(check->event_id, sig->event_id);
  EXPECT_EQ(check->action, "signature.made");
  for (std::size_t i : {std::size_t{0}, receipt->event.size() / 2, receipt->event.size() - 1}) {
    auto tampered = *parsed;
    tampered.event[i] ^= 1;
    EXPECT_FALSE(audit::CheckReceipt(tampered, vkey)) << "byte " << i;
  }
  // Another tenant cannot have it proven.
  auto tx_b = db_.db->BeginTenant(b_.tenant());
  ASSERT_TRUE(tx_b);
  EXPECT_EQ(audit::ProofFor(**tx_b, b_.tenant(), sig->event_id, cp, vkey).error().code,
            ErrorCode::kNotFound);
}

TEST_P(HoursSignatureTest, C42AnAmendmentFlipsMatchesToFalse) {
  const WeeklyLog w = Submitted();
  ASSERT_TRUE(hours_->RecordSignature(a_.tenant(), w.id, kSupervisor, w.content_sha256,
                                      kSupervisorCaller));
  ASSERT_TRUE(hours_->GetSignature(a_, w.id)->matches);
  SessionChange c;
  c.minutes = 45;
  c.amend = true;
  ASSERT_TRUE(hours_->UpdateSession(a_, session_id_, c, kHoursCaller));
  auto after = hours_->GetSignature(a_, w.id);
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->matches);
  EXPECT_EQ(after->content_sha256, w.content_sha256);  // the evidence stays as signed
}

TEST_P(HoursSignatureTest, C20AnotherTenantsWeekSignatureIsNotFound) {
  const WeeklyLog w = Submitted();
  ASSERT_TRUE(hours_->RecordSignature(a_.tenant(), w.id, kSupervisor, w.content_sha256,
                                      kSupervisorCaller));
  EXPECT_EQ(hours_->GetSignature(b_, w.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(hours_->RecordSignature(b_.tenant(), w.id, kSupervisor, w.content_sha256,
                                    kSupervisorCaller)
                .error()
                .code,
            ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Engines, HoursSignatureTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::hours
