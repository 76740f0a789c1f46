// Claim C44 through the real binary: every answer's audit events are covered by a signed
// checkpoint when the answer arrives (both engines); receipts do not grow the checkpoint
// history; checkpoints reach a directory witness; and a tail deleted or rewritten
// consistently — events, tree nodes, head and the data directory's own checkpoint files,
// as an intruder with the data directory and its signing key could — passes
// `alcove audit verify` without the witness and fails with it, naming the first event.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "audit/checkpoint_signer.hpp"
#include "audit/log.hpp"
#include "audit/merkle.hpp"
#include "audit/witness.hpp"
#include "crypto/signing_key.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/audit_tamper.hpp"
#include "support/browser.hpp"
#include "support/https_witness_server.hpp"
#include "support/pg_test_env.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

constexpr auto npos = std::string::npos;

std::uint64_t LatestCheckpointSize(const std::filesystem::path& checkpoint_file) {
  auto cp = audit::ReadLatestCheckpointFile(audit::LatestCheckpointPath(checkpoint_file));
  EXPECT_TRUE(cp) << cp.error().internal;
  return cp && *cp ? (*cp)->checkpoint.size : 0;
}

std::size_t HistoryRecords(const std::filesystem::path& checkpoint_file) {
  auto all = audit::ReadCheckpointFile(checkpoint_file);
  EXPECT_TRUE(all) << all.error().internal;
  return all ? all->size() : 0;
}

// A failed password sign-in: one audit event (auth.login.failed), committed before the
// 401 is sent.
void FailSignIn(Browser& b) {
  const HttpResult r = b.PostJson(
      "/api/v1/auth/password",
      json::object{{"email", NewTestAddress("nobody")}, {"password", "not the password at all"}});
  EXPECT_EQ(r.status, 401) << r.body;
}

// The attack: with the server stopped, remove the newest `n` events and rewind the tree
// (nodes and head) so that the database is a consistent, shorter log; then replace the
// data directory's checkpoint files with one signed by the stolen key for the shorter
// log. Returns the new size.
std::uint64_t TruncateConsistently(const std::filesystem::path& dir, std::uint64_t n) {
  auto db = store::OpenSqlite(dir / "alcove.db");
  EXPECT_TRUE(db);
  auto rewound = RewindAuditTail(**db, n);
  EXPECT_TRUE(rewound) << rewound.error().internal;
  const std::uint64_t keep = rewound ? *rewound : 0;
  auto key = crypto::SigningKey::Load(audit::SigningKeyPath(dir));
  EXPECT_TRUE(key);
  const auto file = audit::CheckpointFilePath(dir);
  std::filesystem::remove(file);
  std::filesystem::remove(audit::LatestCheckpointPath(file));
  auto tx = (*db)->Begin();
  auto head = audit::ReadHead(**tx);
  const std::string forged = audit::SignCheckpoint(
      **key, audit::Checkpoint{audit::LogOrigin((*key)->public_key()), head->size(), head->root()});
  EXPECT_TRUE(audit::AppendCheckpointFile(file, forged));
  EXPECT_TRUE(audit::ReplaceCheckpointFile(audit::LatestCheckpointPath(file), forged));
  return keep;
}

CommandResult Verify(const std::filesystem::path& dir, const std::string& witness = {}) {
  std::vector<std::string> args = {"audit", "verify", "--data-dir", dir.string()};
  if (!witness.empty()) {
    args.push_back("--witness");
    args.push_back(witness);
  }
  return RunAlcove(args);
}

class AuditWitness : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(witness_dir());
    auto env = RoomyRateLimits();
    env["ALCOVE_AUDIT_WITNESS"] = witness_dir().string();
    server_ = std::make_unique<ServerProcess>(ServerProcess::Options{.env = env});
    ASSERT_TRUE(server_->started()) << server_->Stderr();
  }
  std::filesystem::path witness_dir() const { return witness_temp_ / "witness"; }
  std::filesystem::path dir() const { return server_->data_dir(); }
  // Makes `n` events, one answer each, then stops the server.
  void EventsThenStop(int n) {
    Browser b(server_->origin(), server_->certificate(), "WitnessBrowser/1.0");
    for (int i = 0; i < n; ++i) {
      FailSignIn(b);
    }
    ASSERT_EQ(server_->Stop(), 0) << server_->Stderr();
  }
  TempDir witness_temp_;
  std::unique_ptr<ServerProcess> server_;
};

// claim: C44 — the witness directory receives the checkpoints; verify with it passes on
// an untouched log and says so.
TEST_F(AuditWitness, C44TheWitnessHoldsTheLatestCheckpointAndAnUntouchedLogVerifies) {
  EventsThenStop(6);
  const auto witness_file = witness_dir() / "checkpoints";
  const auto local = LatestCheckpointSize(audit::CheckpointFilePath(dir()));
  EXPECT_GE(local, 6u);
  EXPECT_EQ(LatestCheckpointSize(witness_file), local);  // delivered before shutdown ended
  EXPECT_GE(HistoryRecords(witness_file), 1u);           // the shutdown checkpoint
  // The setting (here from the environment of the server; for verify the flag) is used.
  const auto r = Verify(dir(), witness_dir().string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("audit log OK: " + std::to_string(local) + " events"), npos) << r.out;
  EXPECT_NE(r.out.find("witness " + std::filesystem::canonical(witness_dir()).string()), npos)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
}

// claim: C44 — deleting the newest events, with the tree and the local checkpoint files
// rewound to match, is invisible without the witness and named with it.
TEST_F(AuditWitness, C44ADeletedTailThatTheWitnessSawFailsVerifyNamingTheFirstMissingEvent) {
  EventsThenStop(6);
  const std::uint64_t keep = TruncateConsistently(dir(), 3);
  const auto without = Verify(dir());
  EXPECT_EQ(without.exit_code, 0) << without.err;  // the local evidence was rewritten too
  const auto with = Verify(dir(), witness_dir().string());
  EXPECT_EQ(with.exit_code, 1) << with.out;
  EXPECT_NE(with.err.find("FAILED at seq " + std::to_string(keep) + ": the log holds " +
                          std::to_string(keep) + " events but signed witness"),
            npos)
      << with.err;
  EXPECT_NE(with.err.find(" were removed"), npos) << with.err;
}

// claim: C44 — a rewritten tail (the newest events replaced by others, the tree
// recomputed consistently, local checkpoints re-signed) differs from the root the witness
// holds.
TEST_F(AuditWitness, C44ARewrittenTailThatTheWitnessSawFailsVerify) {
  EventsThenStop(6);
  const std::uint64_t keep = TruncateConsistently(dir(), 2);
  {
    // Two other events in their place, through the library: a consistent tree again.
    auto db = store::OpenSqlite(dir() / "alcove.db");
    ASSERT_TRUE(db);
    const audit::Log log((*db)->engine());
    for (int i = 0; i < 2; ++i) {
      auto tx = (*db)->Begin();
      ASSERT_TRUE(tx);
      audit::Event e;
      e.actor = audit::Actor::System();
      e.action = audit::Action::kKeyRotated;
      e.time = 1'795'000'000'000'000;
      ASSERT_TRUE(log.Append(**tx, e));
      ASSERT_TRUE((*tx)->Commit());
    }
    auto key = crypto::SigningKey::Load(audit::SigningKeyPath(dir()));
    ASSERT_TRUE(key);
    auto tx = (*db)->Begin();
    auto head = audit::ReadHead(**tx);
    ASSERT_TRUE(head);
    const std::string forged = audit::SignCheckpoint(
        **key,
        audit::Checkpoint{audit::LogOrigin((*key)->public_key()), head->size(), head->root()});
    ASSERT_TRUE(audit::ReplaceCheckpointFile(
        audit::LatestCheckpointPath(audit::CheckpointFilePath(dir())), forged));
  }
  EXPECT_EQ(Verify(dir()).exit_code, 0);
  const auto with = Verify(dir(), witness_dir().string());
  EXPECT_EQ(with.exit_code, 1) << with.out;
  EXPECT_NE(with.err.find("FAILED at seq "), npos) << with.err;
  EXPECT_NE(with.err.find("differs from signed witness"), npos) << with.err;
  EXPECT_NE(with.err.find("seq " + std::to_string(keep)), npos) << with.err;
}

// claim: C44 — verify reads audit.witness from the configuration (here the environment).
TEST_F(AuditWitness, C44VerifyUsesTheConfiguredWitness) {
  EventsThenStop(3);
  TruncateConsistently(dir(), 1);
  const auto r = RunAlcove({"audit", "verify", "--data-dir", dir().string()},
                           {{"ALCOVE_AUDIT_WITNESS", witness_dir().string()}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("FAILED at seq "), npos) << r.err;
}

// claim: C44 — with the server running, an intruder with the database file removes the
// newest events and rewinds the tree; the commits that follow are refused by the signer:
// an error line, no new checkpoint (locally or at the witness), and verify — with or
// without the witness — reports the break.
TEST_F(AuditWitness, C44ATailRewoundWhileTheServerRunsIsNeverSignedAndVerifyReportsIt) {
  Browser b(server_->origin(), server_->certificate(), "WitnessBrowser/1.0");
  for (int i = 0; i < 6; ++i) {
    FailSignIn(b);
  }
  const auto file = audit::CheckpointFilePath(dir());
  const auto witness_file = witness_dir() / "checkpoints";
  const std::uint64_t honest = LatestCheckpointSize(file);
  ASSERT_GE(honest, 6u);
  for (int i = 0; i < 100 && LatestCheckpointSize(witness_file) < honest; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(LatestCheckpointSize(witness_file), honest);
  const auto honest_note = audit::ReadLatestCheckpointFile(audit::LatestCheckpointPath(file));
  ASSERT_TRUE(honest_note && *honest_note);
  std::uint64_t keep = 0;
  {
    auto db = store::OpenSqlite(dir() / "alcove.db");  // next to the server's connection
    ASSERT_TRUE(db);
    auto rewound = RewindAuditTail(**db, 2);
    ASSERT_TRUE(rewound) << rewound.error().internal;
    keep = *rewound;
  }
  for (int i = 0; i < 4; ++i) {
    FailSignIn(b);  // answered as ever: the commits happen
  }
  const std::string log = server_->StderrOnceItHas("REFUSING to sign checkpoints");
  EXPECT_NE(log.find("REFUSING to sign checkpoints"), npos) << log;
  EXPECT_EQ(log.find("nobody"), npos);  // sizes only, no event content
  const auto now = audit::ReadLatestCheckpointFile(audit::LatestCheckpointPath(file));
  ASSERT_TRUE(now && *now);
  EXPECT_EQ((*now)->text, (*honest_note)->text);  // nothing signed since
  EXPECT_EQ(LatestCheckpointSize(witness_file), honest);
  // The first `honest` events, now rewritten from seq `keep` on, are under the honest
  // checkpoint (here the only one, so the range named starts at 0).
  const auto without = Verify(dir());
  EXPECT_EQ(without.exit_code, 1) << without.out;
  EXPECT_NE(without.err.find("the root of the first " + std::to_string(honest) +
                             " events differs from signed"),
            npos)
      << without.err;
  const auto with = Verify(dir(), witness_dir().string());
  EXPECT_EQ(with.exit_code, 1) << with.out;
  EXPECT_NE(with.err.find("FAILED at seq "), npos) << with.err;
  EXPECT_NE(with.err.find("seq 0.." + std::to_string(honest - 1)), npos) << with.err;
  EXPECT_LT(keep, honest);
  server_->Stop();
  EXPECT_EQ(LatestCheckpointSize(witness_file), honest);  // not even at shutdown
}

// claim: C44 — the database and the data directory's checkpoint files rewound together
// while the server was stopped (the stolen key re-signs them): the restarted server
// starts from what the witness holds, refuses to sign the rewound log, and never hands
// the witness a smaller checkpoint.
TEST_F(AuditWitness, C44ARestartOnARewoundLogIsRefusedAgainstTheWitness) {
  EventsThenStop(6);
  const auto witness_file = witness_dir() / "checkpoints";
  const auto held = audit::ReadLatestCheckpointFile(audit::LatestCheckpointPath(witness_file));
  ASSERT_TRUE(held && *held);
  TruncateConsistently(dir(), 3);
  auto env = RoomyRateLimits();
  env["ALCOVE_AUDIT_WITNESS"] = witness_dir().string();
  ServerProcess again(ServerProcess::Options{.env = env, .existing_data_dir = dir()});
  ASSERT_TRUE(again.started()) << again.Stderr();
  {
    Browser b(again.origin(), again.certificate(), "WitnessBrowser/1.0");
    for (int i = 0; i < 5; ++i) {
      FailSignIn(b);  // grows the rewound log past the witness's size
    }
  }
  const std::string log = again.StderrOnceItHas("REFUSING to sign checkpoints");
  EXPECT_NE(log.find("REFUSING to sign checkpoints"), npos) << log;
  EXPECT_EQ(again.Stop(), 0) << again.Stderr();
  const auto still = audit::ReadLatestCheckpointFile(audit::LatestCheckpointPath(witness_file));
  ASSERT_TRUE(still && *still);
  EXPECT_EQ((*still)->text, (*held)->text);
  const auto with = Verify(dir(), witness_dir().string());
  EXPECT_EQ(with.exit_code, 1) << with.out;
  EXPECT_NE(with.err.find("witness"), npos) << with.err;
}

// A witness inside the data directory is refused at start-up with a clear error.
TEST(AuditWitnessSetting, AWitnessInsideTheDataDirectoryIsRefusedAtStartUp) {
  ServerProcess::Options options;
  options.prepare = [](const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir / "witness");
    std::ifstream in(dir / "alcove.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string toml = ss.str();
    const std::string from = "witness = \"\"";
    const auto at = toml.find(from);
    ASSERT_NE(at, npos);
    toml.replace(at, from.size(), "witness = \"" + (dir / "witness").string() + "\"");
    std::ofstream(dir / "alcove.toml", std::ios::trunc) << toml;
  };
  ServerProcess server(options);
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stderr().find("inside the data directory"), npos) << server.Stderr();
}

TEST(AuditWitnessSetting, AnHttpWitnessIsRefusedAtStartUp) {
  ServerProcess server(
      ServerProcess::Options{.env = {{"ALCOVE_AUDIT_WITNESS", "http://127.0.0.1:9/w"}}});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stderr().find("https://"), npos) << server.Stderr();
}

// claim: C44 — receipts reuse the latest checkpoint: many proof requests add no record
// each to the checkpoint history (they used to add one per request whose event was new).
TEST(AuditProofs, C44ProofRequestsDoNotGrowTheCheckpointHistory) {
  ServerProcess server(ServerProcess::Options{.env = RoomyRateLimits()});
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  Browser a(server.origin(), server.certificate(), "ProofBrowser/1.0");
  Browser a2(server.origin(), server.certificate(), "ProofBrowser/2.0");
  const std::string email = NewTestAddress("proofs");
  const std::string password = "juniper falcon orchard 8080";
  ASSERT_TRUE(SignUp(a, outbox, email, "Proof Therapist", password));
  const auto history = audit::CheckpointFilePath(server.data_dir());
  const std::size_t before = HistoryRecords(history);
  constexpr int kRounds = 25;
  for (int i = 0; i < kRounds; ++i) {
    // A new event of this tenant, then its receipt.
    const HttpResult in = a2.PostJson("/api/v1/auth/password",
                                      json::object{{"email", email}, {"password", password}});
    ASSERT_EQ(in.status, 200) << in.body;
    const HttpResult page = a.Get("/api/v1/audit?limit=1");
    ASSERT_EQ(page.status, 200) << page.body;
    const json::value v = JsonOf(page);
    const std::string id = StringAt(v.at("events").as_array().at(0), "id");
    const HttpResult proof = a.Get("/api/v1/audit/" + id + "/proof");
    ASSERT_EQ(proof.status, 200) << proof.body;
  }
  // At most the cadence's own records (every 100 events), nowhere near one per request.
  EXPECT_LE(HistoryRecords(history), before + 1);
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_EQ(Verify(server.data_dir()).exit_code, 0);
}

// A loopback HTTPS witness with the localhost certificate of a spare `alcove init`.
class HttpsWitness : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto r = RunAlcove({"init", "--data-dir", (temp_ / "certs").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    witness_ = std::make_unique<HttpsWitnessServer>(certificate(), temp_ / "certs/tls/key.pem");
    ASSERT_TRUE(witness_->started());
  }
  std::filesystem::path certificate() const { return temp_ / "certs/tls/cert.pem"; }
  audit::WitnessTarget Target(bool trusted = true) const {
    return audit::WitnessTarget{
        .directory = {}, .url = witness_->url(), .ca_file = trusted ? certificate().string() : ""};
  }
  TempDir temp_;
  std::unique_ptr<HttpsWitnessServer> witness_;
};

TEST_F(HttpsWitness, APostedCheckpointIsFetchedBackOverVerifiedTls) {
  auto none = audit::FetchLatestCheckpoint(Target());
  ASSERT_TRUE(none) << none.error().internal;
  EXPECT_FALSE(*none);  // 404: the witness holds nothing yet
  const std::string note = "alcove.audit/0000000000000000\n1\nAAAA\n\n— alcove-audit AAAA\n";
  ASSERT_TRUE(audit::PostCheckpoint(Target(), note));
  EXPECT_EQ(witness_->posts(), 1);
  EXPECT_EQ(witness_->latest(), note);
  auto back = audit::FetchLatestCheckpoint(Target());
  ASSERT_TRUE(back && *back);
  EXPECT_EQ(**back, note);
  witness_->set_failing(true);
  auto refused = audit::PostCheckpoint(Target(), note);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().internal.find("503"), npos);
}

TEST_F(HttpsWitness, AWitnessWhoseCertificateIsNotTrustedGetsNothing) {
  auto r = audit::PostCheckpoint(Target(false), "x\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(witness_->posts(), 0);
  // The message names the witness by scheme and host only.
  EXPECT_EQ(r.error().internal.find("/witness"), npos) << r.error().internal;
}

// claim: C44 — the server POSTs its checkpoints to an HTTPS witness; verify GETs the
// witness's newest and catches a tail deleted after the witness saw it.
TEST_F(HttpsWitness, C44TheServerPostsCheckpointsAndVerifyChecksTheLogAgainstTheWitness) {
  auto env = RoomyRateLimits();
  env["ALCOVE_AUDIT_WITNESS"] = witness_->url();
  env["ALCOVE_AUDIT_WITNESS_CA_FILE"] = certificate().string();
  ServerProcess server(ServerProcess::Options{.env = env});
  ASSERT_TRUE(server.started()) << server.Stderr();
  {
    Browser b(server.origin(), server.certificate(), "HttpsWitnessBrowser/1.0");
    for (int i = 0; i < 5; ++i) {
      FailSignIn(b);
    }
  }
  ASSERT_EQ(server.Stop(), 0) << server.Stderr();
  const auto dir = server.data_dir();
  const auto local = LatestCheckpointSize(audit::CheckpointFilePath(dir));
  ASSERT_TRUE(witness_->latest());
  auto held = audit::ParseSignedCheckpoint(*witness_->latest());
  ASSERT_TRUE(held) << held.error().internal;
  EXPECT_EQ(held->checkpoint.size, local);  // the shutdown checkpoint was delivered
  const std::map<std::string, std::string> verify_env = {
      {"ALCOVE_AUDIT_WITNESS", witness_->url()},
      {"ALCOVE_AUDIT_WITNESS_CA_FILE", certificate().string()}};
  const auto ok = RunAlcove({"audit", "verify", "--data-dir", dir.string()}, verify_env);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("witness https://localhost:"), npos) << ok.out;
  const std::uint64_t keep = TruncateConsistently(dir, 2);
  EXPECT_EQ(Verify(dir).exit_code, 0);
  const auto bad = RunAlcove({"audit", "verify", "--data-dir", dir.string()}, verify_env);
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.err.find("FAILED at seq " + std::to_string(keep) + ": the log holds"), npos)
      << bad.err;
  // An unreachable witness is an error of its own (exit 2), never a pass.
  witness_->set_failing(true);
  const auto down = RunAlcove({"audit", "verify", "--data-dir", dir.string()}, verify_env);
  EXPECT_EQ(down.exit_code, 2) << down.out;
}

// A failing witness does not hold up answers, and its failures are logged at a bounded
// rate (one warning, then at most one a minute), never with the URL's path.
TEST_F(HttpsWitness, AFailingWitnessNeitherBlocksAnswersNorFloodsTheLog) {
  witness_->set_failing(true);
  auto env = RoomyRateLimits();
  env["ALCOVE_AUDIT_WITNESS"] = witness_->url();
  env["ALCOVE_AUDIT_WITNESS_CA_FILE"] = certificate().string();
  ServerProcess server(ServerProcess::Options{.env = env});
  ASSERT_TRUE(server.started()) << server.Stderr();
  {
    Browser b(server.origin(), server.certificate(), "HttpsWitnessBrowser/1.0");
    for (int i = 0; i < 10; ++i) {
      FailSignIn(b);
    }
  }
  const std::string log = server.StderrOnceItHas("audit witness");
  ASSERT_EQ(server.Stop(), 0) << server.Stderr();
  const std::string all = server.Stderr();
  std::size_t warnings = 0;
  for (auto at = all.find("delivery failed"); at != npos;
       at = all.find("delivery failed", at + 1)) {
    ++warnings;
  }
  EXPECT_GE(warnings, 1u) << log;
  EXPECT_LE(warnings, 2u) << all;
  EXPECT_EQ(all.find("/witness"), npos) << all;
  // The data directory's own checkpoints are complete all the same.
  EXPECT_EQ(Verify(server.data_dir()).exit_code, 0);
}

// postgresql://user:password@host... -> {postgresql://user@host..., password}.
std::pair<std::string, std::string> SplitPassword(const std::string& url) {
  const auto scheme = url.find("://") + 3;
  const auto at = url.find('@', scheme);
  const auto colon = url.find(':', scheme);
  if (at == npos || colon == npos || colon > at) {
    return {url, ""};
  }
  return {url.substr(0, colon) + url.substr(at), url.substr(colon + 1, at - colon - 1)};
}

class AuditCoverage : public ::testing::TestWithParam<store::Engine> {};

// claim: C44 — right after each answer, the latest signed checkpoint on disk covers every
// event committed so far, on both engines.
TEST_P(AuditCoverage, C44EachAnswersEventsAreCoveredByTheLatestCheckpointWhenItArrives) {
  ServerProcess::Options options{.env = RoomyRateLimits()};
  std::unique_ptr<PgTestSchema> schema;
  std::function<std::int64_t()> events;
  if (GetParam() == store::Engine::kPostgres) {
    ALCOVE_REQUIRE_PG(urls);
    schema = std::make_unique<PgTestSchema>(urls);
    const auto [app_url, app_password] = SplitPassword(schema->AppUrl());
    const auto [owner_url, owner_password] = SplitPassword(schema->OwnerUrl());
    options.env["ALCOVE_DATABASE_URL"] = app_url;
    options.env["ALCOVE_DATABASE_PASSWORD_ENV"] = "PG_APP_PASSWORD";
    options.env["PG_APP_PASSWORD"] = app_password;
    options.env["ALCOVE_DATABASE_MIGRATION_URL"] = owner_url;
    options.env["ALCOVE_DATABASE_MIGRATION_PASSWORD_ENV"] = "PG_OWNER_PASSWORD";
    options.env["PG_OWNER_PASSWORD"] = owner_password;
  }
  ServerProcess server(options);
  ASSERT_TRUE(server.started()) << server.Stderr();
  std::unique_ptr<store::Db> pg;
  if (schema) {
    store::PostgresOptions owner;
    owner.url = schema->OwnerUrl();
    auto db = store::OpenPostgres(owner);
    ASSERT_TRUE(db) << db.error().internal;
    pg = std::move(*db);
  }
  const auto dir = server.data_dir();
  auto count = [&]() -> std::int64_t {
    if (pg) {
      auto tx = pg->Begin();
      EXPECT_TRUE(tx);
      auto rows = (*tx)->Query("SELECT count(*) FROM audit_events");
      EXPECT_TRUE(rows);
      return rows ? rows->at(0).Int(0) : -1;
    }
    sqlite3* db = nullptr;
    std::int64_t n = -1;
    if (sqlite3_open_v2((dir / "alcove.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT count(*) FROM audit_events", -1, &st, nullptr) ==
              SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
  };
  Outbox outbox(dir);
  Browser b(server.origin(), server.certificate(), "CoverageBrowser/1.0");
  ASSERT_TRUE(SignUp(b, outbox, NewTestAddress("coverage"), "Coverage Therapist"));
  const auto file = audit::CheckpointFilePath(dir);
  for (int i = 0; i < 8; ++i) {
    FailSignIn(b);
    const std::int64_t committed = count();  // before the checkpoint is read
    ASSERT_GT(committed, 0);
    EXPECT_GE(LatestCheckpointSize(file), static_cast<std::uint64_t>(committed)) << "answer " << i;
  }
  EXPECT_EQ(server.Stop(), 0) << server.Stderr();
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditCoverage,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == store::Engine::kSqlite ? "Sqlite"
                                                                             : "Postgres";
                         });

}  // namespace
}  // namespace alcove::testing
