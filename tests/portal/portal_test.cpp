// The portal service (docs/portal.md) on both engines: invitations (C27, C53), accepting
// and signing in afterwards (C26), ending access (C23), shares (C21, C22), isolation
// (C20, C31), "what this client sees now", signed-in questionnaires, audit with ids only
// (C40). Real accounts (identity) around practice, measures and the portal, a fake clock.
#include "portal/portal.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "audit/log.hpp"
#include "audit/query.hpp"
#include "cli/database.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/tokens.hpp"
#include "identity/identity.hpp"
#include "mail/queue.hpp"
#include "measures/instruments.hpp"
#include "measures/service.hpp"
#include "practice/practice.hpp"
#include "practice/shareable.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::portal {
namespace {

using crypto::PhiString;
using crypto::SecretString;
using identity::Caller;
using identity::ClientScope;
using identity::TherapistScope;
using testing::TestEngine;

const Caller kCaller{.ip = "192.0.2.80", .user_agent = "PortalTest/1.0"};
constexpr Micros kDay = 24LL * 3600 * kMicrosPerSecond;

std::string TokenIn(const mail::Message& m) {
  const auto at = m.link().find("#token=");
  return at == std::string::npos ? std::string() : m.link().substr(at + 7);
}

// ---- C22 as a type: only a reviewed summary, a result or a trend can be shared ----------

template <typename T>
concept ShareableFrom = requires(const T& t) {
  Shareable::Of(t);
};

TEST(ShareableC22, NotesDraftsConceptualizationsAndBareSummariesDoNotCompile) {
  static_assert(ShareableFrom<practice::ShareableItem>);
  static_assert(ShareableFrom<measures::MeasureResult>);
  static_assert(!ShareableFrom<practice::Note>, "a raw note must not become a share");
  static_assert(!ShareableFrom<practice::NoteInfo>);
  static_assert(!ShareableFrom<practice::Draft>, "a draft must not become a share");
  static_assert(!ShareableFrom<practice::Conceptualization>);
  static_assert(!ShareableFrom<practice::Summary>, "a summary is shared only once reviewed");
  static_assert(!std::is_constructible_v<Shareable, practice::Note>);
  static_assert(!std::is_default_constructible_v<Shareable>);
  // The kinds the API accepts are these three and nothing else.
  EXPECT_EQ(ShareKindFromName("summary"), ShareKind::kSummary);
  EXPECT_EQ(ShareKindFromName("result"), ShareKind::kResult);
  EXPECT_EQ(ShareKindFromName("trend"), ShareKind::kTrend);
  for (const char* name : {"note", "draft", "conceptualization", "recording", ""}) {
    EXPECT_FALSE(ShareKindFromName(name)) << name;
  }
}

class PortalTest : public testing::EngineTest {
 protected:
  static constexpr Micros kNow = 1'796'212'800LL * kMicrosPerSecond;  // 2 Dec 2026, noon

  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto db = testing::OpenTestDb(GetParam(), cli::AllMigrations(), pg_urls());
    ASSERT_TRUE(db) << db.error().internal;
    db_ = std::move(*db);
    const auto key_file = keys_dir_.path() / "master.key";
    ASSERT_TRUE(crypto::CreateMasterKeyFile(key_file));
    auto ring = crypto::KeyRing::OpenWithKeyFile(*db_.db, key_file, clock_);
    ASSERT_TRUE(ring) << ring.error().internal;
    ring_ = std::move(*ring);
    log_ = std::make_unique<audit::Log>(db_.db->engine());
    auto hasher = crypto::PasswordHasher::Create();
    ASSERT_TRUE(hasher);
    hasher_ = std::move(*hasher);
    queue_ = std::make_unique<mail::Queue>(mailer_);
    identity_ = std::make_unique<identity::Identity>(
        *db_.db, *ring_, *hasher_, *log_, *queue_, clock_,
        identity::IdentityOptions{.public_origin = "https://alcove.example.org"});
    practice_ = std::make_unique<practice::Practice>(*db_.db, *ring_, *log_, clock_);
    m_ = std::make_unique<measures::Measures>(*db_.db, *practice_, *identity_, *log_, clock_);
    portal_ = std::make_unique<Portal>(*db_.db, *identity_, *practice_, *m_, *log_, *queue_, clock_,
                                       "https://alcove.example.org");
    // As cli's modules wire them.
    practice_->AddExtension(
        practice::ClientExtension{.delete_rows = &measures::Measures::DeleteClientRows,
                                  .archive_rows = {},
                                  .next_appointments = {},
                                  .time_words = {},
                                  .local_day = {},
                                  .session_of = {}});
    practice_->AddExtension(practice::ClientExtension{
        .delete_rows =
            [this](store::Transaction& tx, store::TenantId tenant, std::string_view client) {
              return portal_->DeleteClientRows(tx, tenant, client);
            },
        .archive_rows = {},
        .next_appointments = {},
        .time_words = {},
        .local_day = {},
        .session_of = {}});
    alice_ = Therapist("alice@example.org", "Dr Alice Quorn");
    bob_ = Therapist("bob@example.org", "Dr Bob Test");
  }

  void TearDown() override {
    portal_.reset();
    m_.reset();
    identity_.reset();
    queue_.reset();
  }

  std::vector<mail::Message> Sent() {
    identity_->WaitIdle();
    queue_->WaitIdle();
    return mailer_.sent();
  }

  TherapistScope Therapist(const std::string& email, const std::string& name) {
    const SecretString cookie = identity::NewLoginCookie();
    EXPECT_TRUE(identity_->SignUp(email, name, std::nullopt, cookie, kCaller));
    const auto sent = Sent();
    EXPECT_FALSE(sent.empty());
    auto s = identity_->ConsumeMagicLink(SecretString(TokenIn(sent.back())),
                                         SecretString(std::string(cookie.reveal())), kCaller);
    EXPECT_TRUE(s) << (s ? "" : s.error().internal);
    return *TherapistScope::From(s->principal);
  }

  std::string NewClient(const TherapistScope& who, const char* name, const char* email) {
    practice::ProfileFields p;
    if (email != nullptr) {
      p.email = PhiString(std::string(email));
    }
    auto c = practice_->CreateClient(who, PhiString(std::string(name)), std::move(p), kCaller);
    EXPECT_TRUE(c) << (c ? "" : c.error().internal);
    return c ? c->id : "";
  }

  // Invites the client and returns the invitation's token from its mail.
  std::string Invite(const TherapistScope& who, const std::string& client) {
    const std::size_t before = Sent().size();
    auto st = portal_->Invite(who, client, kCaller);
    EXPECT_TRUE(st) << (st ? "" : st.error().internal);
    const auto sent = Sent();
    EXPECT_EQ(sent.size(), before + 1);
    return sent.empty() ? "" : TokenIn(sent.back());
  }

  // Invites and accepts: the client's session.
  identity::NewSession Join(const TherapistScope& who, const std::string& client) {
    auto s = portal_->Accept(SecretString(Invite(who, client)), kCaller);
    EXPECT_TRUE(s) << (s ? "" : s.error().internal);
    return s ? std::move(*s) : identity::NewSession{};
  }

  static ClientScope ScopeOf(const identity::NewSession& s) {
    return *ClientScope::From(s.principal);
  }

  Result<identity::Principal> Authenticate(const identity::NewSession& s) {
    return identity_->Authenticate(SecretString(std::string(s.session_token.reveal())),
                                   SecretString(std::string(s.device_token.reveal())), kCaller);
  }

  std::string ReviewedSummary(const TherapistScope& who, const std::string& client,
                              const char* text) {
    auto s =
        practice_->CreateSummary(who, client, PhiString(std::string(text)), std::nullopt, kCaller);
    EXPECT_TRUE(s);
    EXPECT_TRUE(practice_->ReviewSummary(who, s->id, kCaller));
    return s->id;
  }

  // A PHQ-9 result of `client` with every item answered `value`.
  std::string Phq9Result(const TherapistScope& who, const std::string& client, int value) {
    auto a = m_->Assign(who, client, "phq-9", std::nullopt, kCaller);
    EXPECT_TRUE(a);
    std::vector<std::uint8_t> answers(9, static_cast<std::uint8_t>(value));
    answers.push_back(measures::kNoAnswer);
    auto id = m_->Submit(SecretString(a->link.reveal().substr(3)),
                         measures::Answers(std::move(answers)), kCaller);
    EXPECT_TRUE(id) << (id ? "" : id.error().internal);
    return id ? *id : "";
  }

  std::vector<audit::Event> Events(store::TenantId tenant) {
    auto tx = db_.db->Begin();
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

  std::int64_t Count(store::TenantId tenant, const std::string& sql) {
    auto tx = db_.db->BeginTenant(tenant);
    EXPECT_TRUE(tx);
    auto rows = (*tx)->Query(sql, {});
    EXPECT_TRUE(rows) << sql;
    return rows ? rows->front().Int(0) : -1;
  }

  testing::TestDb db_;
  testing::TempDir keys_dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<crypto::PasswordHasher> hasher_;
  testing::RecordingMailer mailer_;
  std::unique_ptr<mail::Queue> queue_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<practice::Practice> practice_;
  std::unique_ptr<measures::Measures> m_;
  std::unique_ptr<Portal> portal_;
  std::optional<TherapistScope> alice_, bob_;
};

TEST_P(PortalTest, C27C53InvitationIsSingleUseHashedAndTheMailHoldsTheLinkOnly) {
  const std::string client = NewClient(*alice_, "Zenobia Quillfeather", "zq@example.org");
  const std::string token = Invite(*alice_, client);
  ASSERT_EQ(token.size(), crypto::kTokenLength);  // 256 bits
  const auto mail = Sent().back();
  EXPECT_EQ(mail.kind(), mail::MailKind::kPortalInvitation);
  EXPECT_EQ(mail.to(), "zq@example.org");
  EXPECT_EQ(mail.link(), "https://alcove.example.org/portal/accept#token=" + token);
  // C53: nothing of the client in the mail but the address it goes to.
  const std::string whole = std::string(mail.subject()) + mail.Body();
  for (const char* content : {"Zenobia", "Quillfeather", "Z.Q.", "Alice", client.c_str()}) {
    EXPECT_EQ(whole.find(content), std::string::npos) << content;
  }
  // Only the hash is kept: the access row's and the tokens table's.
  const auto hash = crypto::TokenHash(kInvitationPurpose, SecretString(token));
  {
    auto tx = db_.db->BeginTenant(alice_->tenant());
    ASSERT_TRUE(tx);
    auto rows = (*tx)->Query("SELECT invite_hash FROM portal_access", {});
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1U);
    EXPECT_EQ(rows->front().Blob(0), store::Bytes(hash.begin(), hash.end()));
  }
  if (GetParam() == TestEngine::kSqlite) {
    EXPECT_FALSE(testing::ReadDatabaseFiles(db_.sqlite_path).Contains(token));
  }
  auto first = portal_->Accept(SecretString(token), kCaller);
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(first->principal.role, identity::Role::kClient);
  EXPECT_EQ(first->principal.tenant, alice_->tenant());
  auto again = portal_->Accept(SecretString(token), kCaller);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthenticated);
  auto access = portal_->GetAccess(*alice_, client);
  ASSERT_TRUE(access);
  EXPECT_EQ(access->status, AccessStatus::kActive);
  // Active already: no second invitation.
  auto twice = portal_->Invite(*alice_, client, kCaller);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(PortalTest, C27InvitationExpiresAfterSevenDaysAndAReinviteSupersedesIt) {
  const std::string client = NewClient(*alice_, "Ann Other", "ann@example.org");
  const std::string first = Invite(*alice_, client);
  const std::string second = Invite(*alice_, client);
  ASSERT_NE(first, second);
  auto old = portal_->Accept(SecretString(first), kCaller);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, ErrorCode::kUnauthenticated);
  clock_.Advance(kInvitationLifetime);
  auto late = portal_->Accept(SecretString(second), kCaller);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(late.error().public_message, old.error().public_message);  // one refusal
  // A new one, accepted just before its 7 days are up.
  const std::string third = Invite(*alice_, client);
  clock_.Advance(kInvitationLifetime - kMicrosPerSecond);
  EXPECT_TRUE(portal_->Accept(SecretString(third), kCaller));
}

TEST_P(PortalTest, C27InvitingAgainAfterTheAddressChangedGoesToTheNewAddressOnly) {
  const std::string client = NewClient(*alice_, "Ann Other", "old@example.org");
  const std::string first = Invite(*alice_, client);
  practice::ProfileFields change;
  change.email = PhiString(std::string("new@example.org"));
  ASSERT_TRUE(
      practice_->UpdateClient(*alice_, client, nullptr, std::move(change), std::nullopt, kCaller));
  const std::string second = Invite(*alice_, client);
  EXPECT_EQ(Sent().back().to(), "new@example.org");
  EXPECT_FALSE(portal_->Accept(SecretString(first), kCaller));
  auto s = portal_->Accept(SecretString(second), kCaller);
  ASSERT_TRUE(s) << s.error().internal;
  // The account is the new address's: a magic link goes there, none to the old one.
  const std::size_t before = Sent().size();
  ASSERT_TRUE(identity_->RequestMagicLink("old@example.org", identity::NewLoginCookie(), kCaller));
  EXPECT_EQ(Sent().size(), before);
  ASSERT_TRUE(identity_->RequestMagicLink("new@example.org", identity::NewLoginCookie(), kCaller));
  ASSERT_EQ(Sent().size(), before + 1);
  EXPECT_EQ(Sent().back().to(), "new@example.org");
  EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM accounts WHERE role = 'client'"), 1);
}

TEST_P(PortalTest, C26AfterAcceptingTheClientSignsInByMagicLinkInTheTherapistsTenant) {
  const std::string client = NewClient(*alice_, "Ann Other", "ann@example.org");
  const auto joined = Join(*alice_, client);
  const SecretString cookie = identity::NewLoginCookie();
  ASSERT_TRUE(identity_->RequestMagicLink("ann@example.org", cookie, kCaller));
  const auto sent = Sent();
  ASSERT_EQ(sent.back().kind(), mail::MailKind::kSignInLink);
  auto s = identity_->ConsumeMagicLink(SecretString(TokenIn(sent.back())),
                                       SecretString(std::string(cookie.reveal())), kCaller);
  ASSERT_TRUE(s) << s.error().internal;
  EXPECT_EQ(s->principal.account_id, joined.principal.account_id);
  EXPECT_EQ(s->principal.role, identity::Role::kClient);
  EXPECT_EQ(s->principal.tenant, alice_->tenant());
  EXPECT_TRUE(portal_->Home(ScopeOf(*s), kCaller));
}

TEST_P(PortalTest, C23EndingAccessKillsTheClientsSessionsAtOnce) {
  const std::string client = NewClient(*alice_, "Ann Other", "ann@example.org");
  const auto one = Join(*alice_, client);
  ASSERT_TRUE(Authenticate(one));
  ASSERT_TRUE(portal_->EndAccess(*alice_, client, kCaller));
  auto dead = Authenticate(one);
  ASSERT_FALSE(dead);
  EXPECT_EQ(dead.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM accounts WHERE role = 'client'"), 0);
  // No magic link can be had for the address any more.
  const std::size_t before = Sent().size();
  ASSERT_TRUE(identity_->RequestMagicLink("ann@example.org", identity::NewLoginCookie(), kCaller));
  EXPECT_EQ(Sent().size(), before);
  auto access = portal_->GetAccess(*alice_, client);
  ASSERT_TRUE(access);
  EXPECT_EQ(access->status, AccessStatus::kEnded);
  // Ended twice is not found; an invitation ended before it is used is dead.
  EXPECT_EQ(portal_->EndAccess(*alice_, client, kCaller).error().code, ErrorCode::kNotFound);
  const std::string token = Invite(*alice_, client);
  ASSERT_TRUE(portal_->EndAccess(*alice_, client, kCaller));
  EXPECT_FALSE(portal_->Accept(SecretString(token), kCaller));
  // Invited again later: a new account, and it works.
  const auto back = Join(*alice_, client);
  EXPECT_NE(back.principal.account_id, one.principal.account_id);
  EXPECT_TRUE(Authenticate(back));
  // Audited, ids only.
  bool ended = false;
  for (const auto& e : Events(alice_->tenant())) {
    if (e.action == audit::Action::kSharingRevoked && e.object_type == "portal_access") {
      ended = true;
    }
  }
  EXPECT_TRUE(ended);
}

TEST_P(PortalTest, C21ShareIsVisibleOnTheNextReadAndGoneAfterRevokingWithHistoryKept) {
  const std::string client = NewClient(*alice_, "Ann Other", "ann@example.org");
  const auto who = ScopeOf(Join(*alice_, client));
  auto home = portal_->Home(who, kCaller);
  ASSERT_TRUE(home);
  EXPECT_TRUE(home->items.empty());
  const std::string summary = ReviewedSummary(*alice_, client, "marker-shared-summary");
  auto share = portal_->Share(*alice_, client, ShareKind::kSummary, summary, kCaller);
  ASSERT_TRUE(share) << share.error().internal;
  home = portal_->Home(who, kCaller);
  ASSERT_TRUE(home);
  ASSERT_EQ(home->items.size(), 1U);
  EXPECT_EQ(home->items[0].id, *share);
  EXPECT_FALSE(home->items[0].opened());
  EXPECT_FALSE(home->items[0].text);  // the list carries no content
  auto item = portal_->GetItem(who, *share, kCaller);
  ASSERT_TRUE(item) << item.error().internal;
  ASSERT_TRUE(item->text);
  EXPECT_EQ(item->text->reveal(), "marker-shared-summary");
  EXPECT_TRUE(item->opened());
  home = portal_->Home(who, kCaller);
  ASSERT_TRUE(home);
  EXPECT_TRUE(home->items[0].opened());
  // Shared twice: refused while live.
  EXPECT_EQ(portal_->Share(*alice_, client, ShareKind::kSummary, summary, kCaller).error().code,
            ErrorCode::kAlreadyExists);

  ASSERT_TRUE(portal_->Revoke(*alice_, *share, kCaller));
  auto gone = portal_->GetItem(who, *share, kCaller);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  home = portal_->Home(who, kCaller);
  ASSERT_TRUE(home);
  EXPECT_TRUE(home->items.empty());
  EXPECT_EQ(portal_->Revoke(*alice_, *share, kCaller).error().code, ErrorCode::kNotFound);
  // The sealed copy went with the revocation; the history stays.
  EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM portal_shares WHERE content IS NOT NULL"),
            0);
  auto history = portal_->ShareHistory(*alice_, client);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1U);
  EXPECT_EQ((*history)[0].shared_at, kNow);
  EXPECT_TRUE((*history)[0].revoked_at);
  EXPECT_TRUE((*history)[0].first_opened_at);
  // Shared again after revoking: a new share, both in the history.
  ASSERT_TRUE(portal_->Share(*alice_, client, ShareKind::kSummary, summary, kCaller));
  EXPECT_EQ(portal_->ShareHistory(*alice_, client)->size(), 2U);
  // C40: granted and revoked, with ids only.
  int granted = 0;
  int revoked = 0;
  for (const auto& e : Events(alice_->tenant())) {
    if (e.object_type == "portal_share") {
      granted += e.action == audit::Action::kSharingGranted ? 1 : 0;
      revoked += e.action == audit::Action::kSharingRevoked ? 1 : 0;
    }
  }
  EXPECT_EQ(granted, 2);
  EXPECT_EQ(revoked, 1);
}

TEST_P(PortalTest, C22OnlyReviewedSummariesResultsAndTrendsCanBeShared) {
  const std::string client = NewClient(*alice_, "Ann Other", "ann@example.org");
  auto draft = practice_->CreateSummary(*alice_, client, PhiString(std::string("draft text")),
                                        std::nullopt, kCaller);
  ASSERT_TRUE(draft);
  auto refused = portal_->Share(*alice_, client, ShareKind::kSummary, draft->id, kCaller);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  practice::Sections raw;
  raw.emplace_back("text", PhiString(std::string("raw note")));
  auto note = practice_->CreateNote(*alice_, client, "2026-11-21", practice::NoteFormat::kFree,
                                    std::move(raw), kCaller);
  ASSERT_TRUE(note);
  practice::Sections five;
  for (const auto name : practice::kConceptualizationFields) {
    five.emplace_back(std::string(name), PhiString(std::string("x")));
  }
  auto concept_ = practice_->CreateConceptualization(*alice_, client, std::move(five), kCaller);
  ASSERT_TRUE(concept_);
  for (const std::string& id : {note->id, concept_->id}) {
    for (const ShareKind k : {ShareKind::kSummary, ShareKind::kResult, ShareKind::kTrend}) {
      auto r = portal_->Share(*alice_, client, k, id, kCaller);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << ShareKindName(k);
    }
  }
  // A trend needs results; then a result and a trend are shared and read.
  EXPECT_EQ(portal_->Share(*alice_, client, ShareKind::kTrend, "phq-9", kCaller).error().code,
            ErrorCode::kFailedPrecondition);
  const std::string r1 = Phq9Result(*alice_, client, 2);
  clock_.Advance(kDay);
  Phq9Result(*alice_, client, 1);
  const auto who = ScopeOf(Join(*alice_, client));
  auto result = portal_->Share(*alice_, client, ShareKind::kResult, r1, kCaller);
  ASSERT_TRUE(result) << result.error().internal;
  auto trend = portal_->Share(*alice_, client, ShareKind::kTrend, "phq-9", kCaller);
  ASSERT_TRUE(trend) << trend.error().internal;
  auto r = portal_->GetItem(who, *result, kCaller);
  ASSERT_TRUE(r) << r.error().internal;
  EXPECT_EQ(r->title, "PHQ-9 result");
  ASSERT_FALSE(r->scales.empty());
  EXPECT_EQ(r->scales[0].value, 18);
  auto t = portal_->GetItem(who, *trend, kCaller);
  ASSERT_TRUE(t) << t.error().internal;
  EXPECT_EQ(t->title, "PHQ-9 over time");
  ASSERT_FALSE(t->trend.empty());
  ASSERT_EQ(t->trend[0].points.size(), 2U);
  EXPECT_EQ(t->trend[0].points[0].value, 18);
  EXPECT_EQ(t->trend[0].points[1].value, 9);
}

TEST_P(PortalTest, C20C31AClientSeesNothingOfAnotherClientOrAnotherTenant) {
  const std::string ann = NewClient(*alice_, "Ann Other", "ann@example.org");
  const std::string ben = NewClient(*alice_, "Ben Other", "ben@example.org");
  const std::string cat = NewClient(*bob_, "Cat Other", "cat@example.org");
  const auto ann_scope = ScopeOf(Join(*alice_, ann));
  const auto ben_share = portal_->Share(*alice_, ben, ShareKind::kSummary,
                                        ReviewedSummary(*alice_, ben, "ben's"), kCaller);
  const auto cat_share = portal_->Share(*bob_, cat, ShareKind::kSummary,
                                        ReviewedSummary(*bob_, cat, "cat's"), kCaller);
  ASSERT_TRUE(ben_share && cat_share);
  for (const std::string& id : {*ben_share, *cat_share, std::string("x")}) {
    auto r = portal_->GetItem(ann_scope, id, kCaller);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  }
  EXPECT_TRUE(portal_->Home(ann_scope, kCaller)->items.empty());
  // A therapist: another tenant's client, share or item is not found.
  EXPECT_EQ(portal_->Revoke(*bob_, *ben_share, kCaller).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(portal_->Invite(*bob_, ann, kCaller).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(portal_->PortalViewFor(*bob_, ann, kCaller).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(portal_->ItemFor(*alice_, ann, *ben_share, kCaller).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(portal_->Share(*bob_, cat, ShareKind::kSummary, *ben_share, kCaller).error().code,
            ErrorCode::kNotFound);
  // The second wall: on PostgreSQL, a transaction of B's tenant sees none of A's rows even
  // without a tenant filter in the SQL (row-level security on both tables).
  if (GetParam() == TestEngine::kPostgres) {
    EXPECT_EQ(Count(bob_->tenant(), "SELECT COUNT(*) FROM portal_shares"), 1);
    EXPECT_EQ(Count(bob_->tenant(), "SELECT COUNT(*) FROM portal_access"), 0);
    EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM portal_access"), 1);
  }
  // Another client's assignment cannot be filled in.
  auto a = m_->Assign(*alice_, ben, "phq-9", std::nullopt, kCaller);
  ASSERT_TRUE(a);
  EXPECT_EQ(portal_->OpenQuestionnaire(ann_scope, a->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(portal_
                ->SubmitQuestionnaire(ann_scope, a->id,
                                      measures::Answers(std::vector<std::uint8_t>(10, 0)), kCaller)
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_P(PortalTest, WhatThisClientSeesNowIsTheClientsOwnView) {
  const std::string client = NewClient(*alice_, "Ann Other", "ann@example.org");
  const auto who = ScopeOf(Join(*alice_, client));
  ASSERT_TRUE(portal_->Share(*alice_, client, ShareKind::kSummary,
                             ReviewedSummary(*alice_, client, "first"), kCaller));
  clock_.Advance(kMicrosPerSecond);
  auto second = portal_->Share(*alice_, client, ShareKind::kSummary,
                               ReviewedSummary(*alice_, client, "second"), kCaller);
  ASSERT_TRUE(second);
  ASSERT_TRUE(m_->Assign(*alice_, client, "gad-7", std::nullopt, kCaller));
  ASSERT_TRUE(portal_->GetItem(who, *second, kCaller));
  auto mine = portal_->Home(who, kCaller);
  auto seen = portal_->PortalViewFor(*alice_, client, kCaller);
  ASSERT_TRUE(mine && seen);
  EXPECT_FALSE(mine->read_only);
  EXPECT_TRUE(seen->read_only);
  EXPECT_EQ(seen->practice_name, "Dr Alice Quorn");
  EXPECT_EQ(seen->practice_name, mine->practice_name);
  ASSERT_EQ(seen->items.size(), 2U);
  ASSERT_EQ(mine->items.size(), 2U);
  EXPECT_EQ(mine->items[0].id, *second);  // newest first
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(seen->items[i].id, mine->items[i].id);
    EXPECT_EQ(seen->items[i].title, mine->items[i].title);
    EXPECT_EQ(seen->items[i].opened(), mine->items[i].opened());
  }
  ASSERT_EQ(seen->questionnaires.size(), 1U);
  EXPECT_EQ(seen->questionnaires[0].title, "GAD-7");
  EXPECT_EQ(mine->questionnaires[0].assignment_id, seen->questionnaires[0].assignment_id);
  // The therapist's look opens nothing.
  auto look = portal_->ItemFor(*alice_, client, mine->items[1].id, kCaller);
  ASSERT_TRUE(look);
  EXPECT_FALSE(look->opened());
}

TEST_P(PortalTest, ASignedInClientFillsInAQuestionnaireAndItsLinkIsUsedUp) {
  const std::string client = NewClient(*alice_, "Ann Other", "ann@example.org");
  const auto who = ScopeOf(Join(*alice_, client));
  auto a = m_->Assign(*alice_, client, "phq-9", std::nullopt, kCaller);
  ASSERT_TRUE(a);
  auto pending = portal_->PendingQuestionnaires(who);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ((*pending)[0].assignment_id, a->id);
  auto in = portal_->OpenQuestionnaire(who, a->id);
  ASSERT_TRUE(in);
  EXPECT_EQ((*in)->id, "phq-9");
  std::vector<std::uint8_t> missing(10, 1);
  missing[3] = measures::kNoAnswer;
  auto bad =
      portal_->SubmitQuestionnaire(who, a->id, measures::Answers(std::move(missing)), kCaller);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  std::vector<std::uint8_t> answers(9, 1);
  answers.push_back(measures::kNoAnswer);
  auto id =
      portal_->SubmitQuestionnaire(who, a->id, measures::Answers(std::move(answers)), kCaller);
  ASSERT_TRUE(id) << id.error().internal;
  EXPECT_TRUE(portal_->PendingQuestionnaires(who)->empty());
  EXPECT_FALSE(m_->OpenLink(SecretString(a->link.reveal().substr(3))));
  auto results = m_->ListResults(*alice_, client, kCaller);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 1U);
  EXPECT_EQ(results->front().score.scales[0].value, 9);
  bool by_client = false;
  for (const auto& e : Events(alice_->tenant())) {
    if (e.action == audit::Action::kRecordCreated && e.object_type == "measure_result") {
      by_client = e.actor.text() == "account:" + who.account_id();
    }
  }
  EXPECT_TRUE(by_client);
  // Used: a second submission is not found.
  EXPECT_EQ(portal_
                ->SubmitQuestionnaire(who, a->id,
                                      measures::Answers(std::vector<std::uint8_t>(10, 0)), kCaller)
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_P(PortalTest, DeletingTheClientDeletesTheirPortalAndAccount) {
  const std::string client = NewClient(*alice_, "Ann Other", "ann@example.org");
  const auto s = Join(*alice_, client);
  ASSERT_TRUE(portal_->Share(*alice_, client, ShareKind::kSummary,
                             ReviewedSummary(*alice_, client, "x"), kCaller));
  ASSERT_TRUE(practice_->DeleteClient(*alice_, client, kCaller));
  EXPECT_FALSE(Authenticate(s));
  EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM portal_shares"), 0);
  EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM portal_access"), 0);
  EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM accounts WHERE role = 'client'"), 0);
  // The account's key goes with identity's sweep, once past the sweep's margin: only it.
  const auto keys_before =
      Count(alice_->tenant(), "SELECT COUNT(*) FROM data_keys WHERE purpose = 'account'");
  auto swept = identity_->SweepOrphanAccountKeys(clock_.Now() + 1);
  ASSERT_TRUE(swept) << swept.error().internal;
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM data_keys WHERE purpose = 'account'"),
            keys_before - 1);
  EXPECT_EQ(*identity_->SweepOrphanAccountKeys(clock_.Now() + 1), 0);
}

TEST_P(PortalTest, InvitingNeedsAnAddressAFreeOneAndACurrentClient) {
  const std::string none = NewClient(*alice_, "No Mail", nullptr);
  EXPECT_EQ(portal_->Invite(*alice_, none, kCaller).error().code, ErrorCode::kFailedPrecondition);
  const std::string taken = NewClient(*alice_, "Taken Mail", "bob@example.org");
  EXPECT_EQ(portal_->Invite(*alice_, taken, kCaller).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Count(alice_->tenant(), "SELECT COUNT(*) FROM portal_access"), 0);
  EXPECT_EQ(portal_->Invite(*alice_, "0123456789abcdef0123456789abcdef", kCaller).error().code,
            ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Engines, PortalTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::portal
