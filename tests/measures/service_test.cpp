// The measures service (docs/measures.md § Assignments and links) on both engines:
// links (C27), answers and scores sealed with the client's key (C01), audit events with
// ids only (C40), another tenant's ids (C20), results with their change and the PHQ-9
// item-9 flag. Real therapist accounts (identity) around practice and the service.
#include "measures/service.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/log.hpp"
#include "cli/database.hpp"
#include "crypto/field_ciphertext.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/tokens.hpp"
#include "identity/identity.hpp"
#include "mail/queue.hpp"
#include "measures_test_util.hpp"
#include "practice/practice.hpp"
#include "store/postgres/postgres_db.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::measures {
namespace {

using crypto::PhiString;
using crypto::SecretString;
using identity::Caller;
using identity::TherapistScope;
using test::A;
using testing::TestEngine;

const Caller kCaller{.ip = "192.0.2.70", .user_agent = "MeasuresTest/1.0"};
constexpr Micros kHour = 3600LL * kMicrosPerSecond;
constexpr Micros kDay = 24 * kHour;

std::string TokenIn(const mail::Message& m) {
  const auto at = m.link().find("#token=");
  return at == std::string::npos ? std::string() : m.link().substr(at + 7);
}

// The token of a link "/q/TOKEN".
SecretString TokenOf(const NewAssignment& a) { return SecretString(a.link.reveal().substr(3)); }

class MeasuresTest : public testing::EngineTest {
 protected:
  // Wednesday 2 December 2026, noon UTC.
  static constexpr Micros kNow = 1'796'212'800LL * kMicrosPerSecond;

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
    // As cli's MeasuresModule wires it.
    practice_->AddExtension(practice::ClientExtension{.delete_rows = &Measures::DeleteClientRows,
                                                      .archive_rows = {},
                                                      .next_appointments = {},
                                                      .time_words = {},
                                                      .local_day = {},
                                                      .session_of = {}});
    m_ = std::make_unique<Measures>(*db_.db, *practice_, *identity_, *log_, clock_);
    alice_ = Therapist("alice@example.org", "Dr Alice Quorn");
    bob_ = Therapist("bob@example.org", "Dr Bob Test");
  }

  void TearDown() override {
    m_.reset();
    identity_.reset();
    queue_.reset();
  }

  TherapistScope Therapist(const std::string& email, const std::string& name) {
    const SecretString cookie = identity::NewLoginCookie();
    EXPECT_TRUE(identity_->SignUp(email, name, std::nullopt, cookie, kCaller));
    identity_->WaitIdle();
    queue_->WaitIdle();
    const auto sent = mailer_.sent();
    EXPECT_FALSE(sent.empty());
    auto s = identity_->ConsumeMagicLink(SecretString(TokenIn(sent.back())),
                                         SecretString(std::string(cookie.reveal())), kCaller);
    EXPECT_TRUE(s) << (s ? "" : s.error().internal);
    return *TherapistScope::From(s->principal);
  }

  std::string NewClient(const TherapistScope& who, const char* name) {
    auto c = practice_->CreateClient(who, PhiString(std::string(name)), {}, kCaller);
    EXPECT_TRUE(c) << (c ? "" : c.error().internal);
    return c ? c->id : "";
  }

  NewAssignment Assign(const TherapistScope& who, const std::string& client, const char* inst,
                       std::optional<Micros> lifetime = std::nullopt) {
    auto a = m_->Assign(who, client, inst, lifetime, kCaller);
    EXPECT_TRUE(a) << (a ? "" : a.error().internal);
    return a ? std::move(*a) : NewAssignment{};
  }

  std::string Submit(const NewAssignment& a, const Answers& answers) {
    auto id = m_->Submit(TokenOf(a), answers, kCaller);
    EXPECT_TRUE(id) << (id ? "" : id.error().internal);
    return id ? *id : "";
  }

  // Every byte the database keeps: SQLite's files, or a pg_dump of the test schema.
  std::string DatabaseBytes() {
    std::string all;
    if (GetParam() == TestEngine::kSqlite) {
      for (const auto& c : testing::ReadDatabaseFiles(db_.sqlite_path).contents) {
        all.append(c.begin(), c.end());
      }
      return all;
    }
    {
      store::PostgresOptions owner;
      owner.url = db_.schema->OwnerUrl();
      auto odb = store::OpenPostgres(owner);
      EXPECT_TRUE(odb) << odb.error().internal;
      auto tx = (*odb)->Begin();
      EXPECT_TRUE(tx);
      EXPECT_GE(testing::LiftForcedRowSecurity(**tx), 2);
      EXPECT_TRUE((*tx)->Commit());
    }
    const std::string cmd =
        "/usr/lib/postgresql/15/bin/pg_dump --no-owner --schema=" + db_.schema->name() + " '" +
        pg_urls()->owner + "' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr);
    char buf[65536];
    std::size_t n = 0;
    while (p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0) {
      all.append(buf, n);
    }
    if (p != nullptr) {
      EXPECT_EQ(pclose(p), 0) << all.substr(0, 500);
    }
    EXPECT_NE(all.find("CREATE TABLE"), std::string::npos) << "pg_dump produced no schema";
    return all;
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

  static void ExpectUnusable(const Error& e, const char* why) {
    EXPECT_EQ(e.code, ErrorCode::kUnauthenticated) << why;
    EXPECT_EQ(e.public_message, "This link is invalid or has expired.") << why;
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
  std::unique_ptr<Measures> m_;
  std::optional<TherapistScope> alice_, bob_;
};

// claim: C27 — a questionnaire link has 256 bits, is kept only as its hash, works once.
TEST_P(MeasuresTest, C27LinkIsSingleUseAndStoredOnlyAsItsHash) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const NewAssignment a = Assign(*alice_, c, "phq-9");
  ASSERT_TRUE(a.link.reveal().starts_with("/q/"));
  const SecretString token = TokenOf(a);
  ASSERT_EQ(token.reveal().size(), crypto::kTokenLength);  // 256 bits, base64url
  EXPECT_EQ(a.expires_at, kNow + kDefaultLinkLifetime) << "7 days by default";

  // The public form sees the instrument and the practice's name only.
  auto view = m_->OpenLink(token);
  ASSERT_TRUE(view) << view.error().internal;
  EXPECT_EQ(view->instrument->id, "phq-9");
  EXPECT_EQ(view->practice_name, "Dr Alice Quorn");

  // Only the hash is stored: the token is in no file of the database; its hash is a row.
  {
    const std::string bytes = DatabaseBytes();
    EXPECT_EQ(bytes.find(token.reveal()), std::string::npos) << "the token is stored";
    EXPECT_NE(bytes.find(a.id), std::string::npos) << "the scan sees the assignment (self-check)";
    const crypto::Sha256Digest h = crypto::TokenHash(kLinkPurpose, token);
    auto tx = db_.db->Begin();
    ASSERT_TRUE(tx);
    const store::Value p[] = {store::Bytes(h.begin(), h.end()), a.id};
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM tokens WHERE hash = $1 AND subject = $2", p);
    ASSERT_TRUE(rows) << rows.error().internal;
    EXPECT_EQ(rows->front().Int(0), 1);
  }

  // Invalid answers leave the link usable; the first full submission uses it up.
  auto missing = m_->Submit(token, A({0, 0, 0, -1, 0, 0, 0, 0, 0, -1}), kCaller);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(missing.error().public_message, "Item 4 needs an answer.");
  ASSERT_TRUE(m_->OpenLink(token));
  ASSERT_FALSE(Submit(a, A({1, 1, 1, 1, 1, 1, 1, 1, 0, -1})).empty());
  auto again = m_->Submit(token, A({0, 0, 0, 0, 0, 0, 0, 0, 0, -1}), kCaller);
  ASSERT_FALSE(again);
  ExpectUnusable(again.error(), "second submission");
  auto open = m_->OpenLink(token);
  ASSERT_FALSE(open);
  ExpectUnusable(open.error(), "opening a used link");
  auto results = m_->ListResults(*alice_, c, kCaller);
  ASSERT_TRUE(results);
  EXPECT_EQ(results->size(), 1u) << "one result for one link";
  auto list = m_->ListAssignments(*alice_, c);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].status, AssignmentStatus::kUsed);
}

// claim: C27 — of concurrent submissions with one link exactly one is stored.
TEST_P(MeasuresTest, C27ConcurrentSubmissionsStoreExactlyOneResult) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const NewAssignment a = Assign(*alice_, c, "phq-2");
  std::atomic<int> stored{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = m_->Submit(TokenOf(a), A({1, 1}), kCaller);
      if (r) {
        ++stored;
      } else if (r.error().code == ErrorCode::kUnauthenticated) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(refused.load() + other.load(), 7);
  auto results = m_->ListResults(*alice_, c, kCaller);
  ASSERT_TRUE(results);
  EXPECT_EQ(results->size(), 1u);
}

// claim: C27 — expiry 1 hour to 30 days; an expired link refuses (fake clock).
TEST_P(MeasuresTest, C27LinkExpiresAndItsLifetimeIsBounded) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  for (const Micros bad : {kHour - 1, kMaxLinkLifetime + 1, Micros{0}}) {
    auto a = m_->Assign(*alice_, c, "gad-7", bad, kCaller);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(a.error().public_message, "A link may last from 1 hour to 30 days.");
  }
  const NewAssignment shortest = Assign(*alice_, c, "gad-7", kHour);
  const NewAssignment longest = Assign(*alice_, c, "gad-2", kMaxLinkLifetime);
  EXPECT_EQ(longest.expires_at, kNow + 30 * kDay);
  clock_.Advance(kHour - 1);
  EXPECT_TRUE(m_->OpenLink(TokenOf(shortest)));
  clock_.Advance(1);
  auto expired = m_->OpenLink(TokenOf(shortest));
  ASSERT_FALSE(expired);
  ExpectUnusable(expired.error(), "expired");
  auto submit = m_->Submit(TokenOf(shortest), A({0, 0, 0, 0, 0, 0, 0, -1}), kCaller);
  ASSERT_FALSE(submit);
  ExpectUnusable(submit.error(), "submitting an expired link");
  clock_.Advance(30 * kDay - kHour - 1);
  EXPECT_TRUE(m_->OpenLink(TokenOf(longest))) << "30 days less a microsecond";
  clock_.Advance(1);
  EXPECT_FALSE(m_->OpenLink(TokenOf(longest)));
  auto list = m_->ListAssignments(*alice_, c);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  for (const auto& a : *list) {
    EXPECT_EQ(a.status, AssignmentStatus::kExpired);
  }
}

// claim: C27 — unknown, used, expired and cancelled links (and a discharged client's)
// answer one same error.
TEST_P(MeasuresTest, C27UnknownUsedExpiredAndCancelledLinksLookTheSame) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const NewAssignment used = Assign(*alice_, c, "phq-2");
  Submit(used, A({1, 2}));
  const NewAssignment expired = Assign(*alice_, c, "phq-2", kHour);
  const NewAssignment cancelled = Assign(*alice_, c, "phq-2");
  ASSERT_TRUE(m_->Cancel(*alice_, cancelled.id, kCaller));
  const std::string d = NewClient(*alice_, "Dora Discharged");
  const NewAssignment discharged = Assign(*alice_, d, "phq-2");
  ASSERT_TRUE(
      practice_->UpdateClient(*alice_, d, nullptr, {}, practice::ClientStatus::kArchived, kCaller));
  clock_.Advance(kHour);
  const std::pair<const char*, std::string> links[] = {
      {"used", TokenOf(used).reveal()},
      {"expired", TokenOf(expired).reveal()},
      {"cancelled", TokenOf(cancelled).reveal()},
      {"discharged", TokenOf(discharged).reveal()},
      {"unknown", std::string(crypto::kTokenLength, 'A')},
      {"malformed", "not a token"},
      {"empty", ""}};
  std::optional<Error> first;
  for (const auto& [why, text] : links) {
    const SecretString token{std::string(text)};
    auto open = m_->OpenLink(token);
    ASSERT_FALSE(open) << why;
    ExpectUnusable(open.error(), why);
    auto submit = m_->Submit(token, A({0, 0}), kCaller);
    ASSERT_FALSE(submit) << why;
    ExpectUnusable(submit.error(), why);
    if (!first) {
      first = open.error();
    }
    EXPECT_EQ(open.error().public_message, first->public_message) << why;
    EXPECT_EQ(submit.error().public_message, first->public_message) << why;
  }
  // Cancelling twice, or a used one, is refused; a discharged client gets no new link.
  for (const std::string& id : {cancelled.id, used.id}) {
    auto again = m_->Cancel(*alice_, id, kCaller);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  }
  auto to_discharged = m_->Assign(*alice_, d, "phq-2", std::nullopt, kCaller);
  ASSERT_FALSE(to_discharged);
  EXPECT_EQ(to_discharged.error().code, ErrorCode::kFailedPrecondition);
  auto unknown = m_->Assign(*alice_, c, "bdi-ii", std::nullopt, kCaller);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
}

// claim: C01 — answers and scores are sealed with the client's key. The answers are small
// numbers, so the scan looks for what would show were they stored in the clear: a
// 20-answer PCL-5 pattern as raw bytes and as PostgreSQL's hex, and the sealed scores'
// own text ("total 38", "!self_harm"). The columns hold field ciphertexts (version byte,
// the client's key) that another client's key does not open.
TEST_P(MeasuresTest, C01AnswersAndScoresAreSealedWithTheClientsKey) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const std::string other = NewClient(*alice_, "Olga Other");
  const std::vector<int> pattern = {0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3};
  const std::string pcl = Submit(Assign(*alice_, c, "pcl-5"), A(pattern));
  clock_.Advance(kHour);  // results list oldest first
  const std::string phq = Submit(Assign(*alice_, c, "phq-9"), A({3, 3, 3, 3, 3, 3, 3, 3, 3, 2}));
  ASSERT_FALSE(pcl.empty());
  ASSERT_FALSE(phq.empty());

  auto results = m_->ListResults(*alice_, c, kCaller);
  ASSERT_TRUE(results) << results.error().internal;
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].score.scales[0].value, 38) << "the PCL-5 pattern sums to 38";
  EXPECT_EQ((*results)[1].score.scales[0].value, 27);
  EXPECT_EQ((*results)[0].answers.reveal().size(), 20u);

  const std::string bytes = DatabaseBytes();
  std::string raw, hex;
  for (int v : pattern) {
    raw.push_back(static_cast<char>(v));
    hex += fmt::format("{:02x}", v);
  }
  EXPECT_EQ(bytes.find(raw), std::string::npos) << "the PCL-5 answers are stored in the clear";
  EXPECT_EQ(bytes.find(hex), std::string::npos) << "the PCL-5 answers are stored in the clear";
  for (const char* marker : {"total 38", "total 27", "!self_harm"}) {
    EXPECT_EQ(bytes.find(marker), std::string::npos) << marker << " is stored in the clear";
  }
  EXPECT_NE(bytes.find("pcl-5"), std::string::npos) << "the scan sees the results (self-check)";

  // The columns are field ciphertexts under the client's key: the client's sealer opens
  // them for their place only, another client's does not open them at all.
  std::vector<store::Row> rows;
  {
    auto tx = db_.db->BeginTenant(alice_->tenant());
    ASSERT_TRUE(tx);
    const store::Value p[] = {pcl, alice_->tenant()};
    auto r = (*tx)->Query(
        "SELECT answers, scores FROM measure_results WHERE id = $1 AND tenant_id = $2", p);
    ASSERT_TRUE(r);
    rows = std::move(*r);
  }
  ASSERT_EQ(rows.size(), 1u);
  const store::Bytes& answers = rows[0].Blob(0);
  ASSERT_EQ(answers.size(), pattern.size() + crypto::kFieldOverhead);
  EXPECT_EQ(answers[0], crypto::kFieldFormatVersion);
  auto mine = practice_->SealerFor(alice_->tenant(), c, "measure_results");
  auto theirs = practice_->SealerFor(alice_->tenant(), other, "measure_results");
  ASSERT_TRUE(mine);
  ASSERT_TRUE(theirs);
  auto opened = mine->Open("answers", pcl, answers);
  ASSERT_TRUE(opened) << "the client's key opens them (self-check)";
  EXPECT_EQ(opened->reveal(), raw);
  EXPECT_FALSE(theirs->Open("answers", pcl, answers)) << "another client's key";
  EXPECT_FALSE(mine->Open("answers", phq, answers)) << "another row";
  EXPECT_FALSE(mine->Open("scores", pcl, answers)) << "another column";
  // Practice's own tables are not lent; another tenant's client is not found.
  auto notes = practice_->SealerFor(alice_->tenant(), c, "notes");
  ASSERT_FALSE(notes);
  EXPECT_EQ(notes.error().code, ErrorCode::kInvalidArgument);
  auto foreign = practice_->SealerFor(bob_->tenant(), c, "measure_results");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);

  // Deleting the client removes its results with it (and destroys its key, C06).
  ASSERT_TRUE(practice_->DeleteClient(*alice_, c, kCaller));
  auto tx = db_.db->BeginTenant(alice_->tenant());
  ASSERT_TRUE(tx);
  const store::Value p[] = {c};
  auto left = (*tx)->Query(
      "SELECT (SELECT COUNT(*) FROM measure_results WHERE client_id = $1) + "
      "(SELECT COUNT(*) FROM measure_assignments WHERE client_id = $1)",
      p);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->front().Int(0), 0);
}

// claim: C40 — assigning, submitting, cancelling and reading results are audited, with
// ids (and a count) only: never the token, an answer, a score or a name.
TEST_P(MeasuresTest, C40EventsCarryIdsOnly) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const NewAssignment a = Assign(*alice_, c, "phq-9");
  const std::string result = Submit(a, A({0, 0, 0, 0, 0, 0, 0, 0, 1, 0}));
  const NewAssignment b = Assign(*alice_, c, "gad-7");
  ASSERT_TRUE(m_->Cancel(*alice_, b.id, kCaller));
  ASSERT_TRUE(m_->ListResults(*alice_, c, kCaller));

  const auto events = Events(alice_->tenant());
  auto find = [&](audit::Action action, const std::string& type, const std::string& id) {
    for (const auto& e : events) {
      if (e.action == action && e.object_type == type && e.object_id == id) {
        return std::optional<audit::Event>(e);
      }
    }
    return std::optional<audit::Event>();
  };
  const auto assigned = find(audit::Action::kRecordCreated, "measure_assignment", a.id);
  const auto submitted = find(audit::Action::kRecordCreated, "measure_result", result);
  const auto cancelled = find(audit::Action::kRecordUpdated, "measure_assignment", b.id);
  const auto read = find(audit::Action::kRecordAccessed, "measure_results", c);
  ASSERT_TRUE(assigned && submitted && cancelled && read);
  EXPECT_EQ(assigned->actor.text(), "account:" + alice_->account_id());
  EXPECT_EQ(submitted->actor.text(), "system") << "the link's holder has no account";
  EXPECT_EQ(submitted->client_ip, kCaller.ip);
  const std::map<std::string, std::string, std::less<>> submitted_details = {{"assignment", a.id},
                                                                             {"client", c}};
  EXPECT_EQ(submitted->details.entries(), submitted_details);
  EXPECT_EQ(assigned->details.entries().size(), 1u);
  EXPECT_EQ(assigned->details.entries().at("client"), c);
  EXPECT_EQ(cancelled->details.entries().at("change"), "cancelled");
  EXPECT_EQ(read->details.entries().at("count"), "1");
  // Every event of the module: ids of this test's objects, the change word and the count.
  int seen = 0;
  for (const auto& e : events) {
    if (!e.object_type.starts_with("measure_")) {
      continue;
    }
    ++seen;
    EXPECT_TRUE(e.object_id == c || e.object_id == a.id || e.object_id == b.id ||
                e.object_id == result);
    for (const auto& [key, value] : e.details.entries()) {
      EXPECT_TRUE(value == c || value == a.id || value == b.id || value == result ||
                  value == "cancelled" || value == "1")
          << key << " holds something other than an id";
    }
  }
  EXPECT_EQ(seen, 5) << "two assignments, a submission, a cancellation, a read";
}

// claim: C20 — another tenant's client or assignment answers as a missing one.
TEST_P(MeasuresTest, C20AnotherTenantsClientsAndAssignmentsAreNotFound) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const NewAssignment a = Assign(*alice_, c, "phq-9");
  Submit(a, A({1, 1, 1, 1, 1, 1, 1, 1, 1, 0}));
  const NewAssignment pending = Assign(*alice_, c, "gad-7");
  const std::string missing = "0123456789abcdef0123456789abcdef";
  for (const std::string& client : {c, missing}) {
    auto assign = m_->Assign(*bob_, client, "phq-9", std::nullopt, kCaller);
    ASSERT_FALSE(assign);
    EXPECT_EQ(assign.error().code, ErrorCode::kNotFound);
    auto results = m_->ListResults(*bob_, client, kCaller);
    ASSERT_FALSE(results);
    EXPECT_EQ(results.error().code, ErrorCode::kNotFound);
    auto list = m_->ListAssignments(*bob_, client);
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().code, ErrorCode::kNotFound);
  }
  for (const std::string& id : {pending.id, missing, std::string("../x")}) {
    auto cancel = m_->Cancel(*bob_, id, kCaller);
    ASSERT_FALSE(cancel);
    EXPECT_EQ(cancel.error().code, ErrorCode::kNotFound) << id;
  }
  EXPECT_TRUE(m_->OpenLink(TokenOf(pending))) << "bob's attempts changed nothing";
  auto list = m_->ListAssignments(*alice_, c);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 2u);
}

// The PHQ-9 item-9 flag is raised whatever the total, and results carry their change
// from the first and the previous result of the same instrument.
TEST_P(MeasuresTest, ResultsCarryTheItem9FlagAndTheirChange) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  Submit(Assign(*alice_, c, "phq-9"), A({3, 3, 2, 2, 2, 2, 2, 2, 0, 1}));  // 18
  clock_.Advance(kDay);
  Submit(Assign(*alice_, c, "gad-7"), A({1, 1, 1, 1, 1, 1, 1, -1}));  // 7
  clock_.Advance(kDay);
  Submit(Assign(*alice_, c, "phq-9"), A({2, 2, 2, 2, 1, 1, 1, 1, 0, 1}));  // 12
  clock_.Advance(kDay);
  Submit(Assign(*alice_, c, "phq-9"), A({0, 0, 0, 0, 0, 0, 0, 0, 1, -1}));  // 1, item 9

  auto results = m_->ListResults(*alice_, c, kCaller);
  ASSERT_TRUE(results) << results.error().internal;
  ASSERT_EQ(results->size(), 4u);
  const auto& first = (*results)[0];
  EXPECT_EQ(first.instrument_id, "phq-9");
  EXPECT_EQ(first.score.scales[0].value, 18);
  EXPECT_EQ(first.score.scales[0].band, "moderately severe");
  EXPECT_TRUE(first.score.flags.empty());
  EXPECT_TRUE(first.change.empty()) << "nothing to compare the first with";
  EXPECT_TRUE((*results)[1].change.empty()) << "the first GAD-7";
  const auto& third = (*results)[3];
  EXPECT_EQ(third.score.scales[0].value, 1);
  EXPECT_EQ(third.score.scales[0].band, "none to minimal");
  ASSERT_EQ(third.score.flags.size(), 1u);
  EXPECT_EQ(third.score.flags[0].id, "self_harm");
  EXPECT_EQ(third.score.flags[0].item, 9);
  ASSERT_EQ(third.change.size(), 1u);
  EXPECT_EQ(third.change[0].since_first, -17);
  EXPECT_EQ(third.change[0].since_previous, -11);
  EXPECT_EQ(third.change[0].meaningful_since_previous, std::optional<bool>(true));
  EXPECT_EQ(third.change[0].response, std::optional<bool>(true));
  EXPECT_EQ((*results)[2].change[0].since_first, -6);
  EXPECT_EQ(third.answers.reveal()[8], 1);
  EXPECT_EQ(third.submitted_at, kNow + 3 * kDay);
}

INSTANTIATE_TEST_SUITE_P(Engines, MeasuresTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::measures
