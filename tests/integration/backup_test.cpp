// `alcove backup`, `alcove restore` and `alcove keys retire` through the real binary
// (issue #12): a backup never holds a master key (C08); one taken while the server is
// writing restores into a data directory that serves every record written before it and
// whose audit log verifies; restore refuses a wrong key file, an existing directory and a
// damaged file, leaving nothing behind; retiring the master-key version a backup needs
// makes that backup unrestorable (C06), and the version in use is never retired.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "crypto/master_key_file.hpp"
#include "support/browser.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr auto npos = std::string::npos;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

unsigned ModeOf(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

std::vector<std::uint32_t> FileVersions(const fs::path& key_file) {
  auto v = crypto::CheckMasterKeyFile(key_file);
  EXPECT_TRUE(v) << (v ? "" : v.error().internal);
  return v.value_or(std::vector<std::uint32_t>{});
}

// A UTC time `seconds` from now, as `--before` takes it.
std::string UtcIn(int seconds) {
  return FormatRfc3339(SystemClock::Instance().Now() + Micros{seconds} * kMicrosPerSecond);
}

CommandResult Backup(const fs::path& dir, const fs::path& out) {
  return RunAlcove({"backup", "--data-dir", dir.string(), "--out", out.string()});
}

CommandResult Restore(const fs::path& from, const fs::path& dir, const fs::path& key) {
  return RunAlcove({"restore", "--from", from.string(), "--data-dir", dir.string(), "--master-key",
                    key.string()});
}

// A signed-in therapist of a running server.
struct Therapist {
  Browser browser;
  std::string csrf;
  std::string email;

  HttpResult Json(const std::string& method, const std::string& path, const json::value& body) {
    return browser.SendJson(method, path, body, {"X-CSRF-Token: " + csrf});
  }
  // A new client; its id, or empty.
  std::string NewClient(const std::string& name) {
    const HttpResult r = Json("POST", "/api/v1/clients", json::object{{"name", name}});
    return r.status == 201 ? StringAt(JsonOf(r), "id") : std::string();
  }
  // A new free-text note; its id, or empty.
  std::string NewNote(const std::string& client, const std::string& content) {
    const HttpResult r = Json(
        "POST", "/api/v1/clients/" + client + "/notes",
        json::object{{"session_date", "2026-11-30"}, {"format", "free"}, {"content", content}});
    return r.status == 201 ? StringAt(JsonOf(r), "id") : std::string();
  }
};

std::unique_ptr<Therapist> SignedUp(const ServerProcess& server, const std::string& email) {
  auto t = std::make_unique<Therapist>(
      Therapist{Browser(server.origin(), server.certificate(), "BackupTest/1.0"), "", email});
  Outbox outbox(server.data_dir());
  if (auto r = SignUp(t->browser, outbox, email, "Backup Therapist"); !r) {
    ADD_FAILURE() << r.message();
    return nullptr;
  }
  t->csrf = CsrfToken(t->browser);
  return t;
}

std::unique_ptr<Therapist> SignedIn(const ServerProcess& server, const std::string& email) {
  auto t = std::make_unique<Therapist>(
      Therapist{Browser(server.origin(), server.certificate(), "BackupTest/1.0"), "", email});
  Outbox outbox(server.data_dir());
  if (auto r = SignInByLink(t->browser, outbox, email); !r) {
    ADD_FAILURE() << r.message();
    return nullptr;
  }
  t->csrf = CsrfToken(t->browser);
  return t;
}

TEST(Backup, RecordingsAudioTravelsAsItIsStoredAndComesBackOnRestore) {
  TempDir tmp;
  const fs::path dir = tmp / "var";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", dir.string()}).exit_code, 0);
  const fs::path blobs = dir / "blobs";
  fs::create_directories(blobs);
  const std::string id = "0123456789abcdef0123456789abcdef";
  std::string audio(200 * 1024 + 3, '\0');
  for (std::size_t i = 0; i < audio.size(); ++i) {
    audio[i] = static_cast<char>((i * 7919) % 251);
  }
  Spit(blobs / id, audio);
  Spit(blobs / ("partial-" + id.substr(0, 31) + "0"), "an upload in progress");
  const fs::path out = tmp / "b.backup";
  const auto b = Backup(dir, out);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("and 1 recording(s)' audio (ciphertext)"), std::string::npos) << b.out;
  const fs::path restored = tmp / "restored";
  const auto r = Restore(out, restored, dir / "master.key");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(restored / "blobs" / id), audio) << "byte for byte, as the store keeps it";
  EXPECT_EQ(ModeOf(restored / "blobs" / id), 0600u);
  EXPECT_EQ(ModeOf(restored / "blobs"), 0700u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(restored / "blobs")) {
    ++files;
  }
  EXPECT_EQ(files, 1U) << "no upload in progress travels";
  // The doctor sees the backup.
  const auto doctor = RunAlcove({"doctor", "--data-dir", dir.string()});
  EXPECT_NE(doctor.out.find("ok       Backups: The last backup was taken"), std::string::npos)
      << doctor.out;
}

// claim: C08
TEST(Backup, C08_BackupNeverHoldsAMasterKey) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  auto a = SignedUp(server, "backup.c08@example.org");
  ASSERT_TRUE(a != nullptr);
  const std::string client = a->NewClient("Carla Keyless");
  ASSERT_FALSE(client.empty());
  ASSERT_FALSE(a->NewNote(client, "c08 note").empty());
  // Two master-key versions, so that both are looked for.
  const auto rotate = RunAlcove({"keys", "rotate", "--data-dir", server.data_dir().string()});
  ASSERT_EQ(rotate.exit_code, 0) << rotate.err;

  TempDir out_dir;
  const fs::path out = out_dir / "practice.alcove-backup";
  const auto run = Backup(server.data_dir(), out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("holds no master key"), npos) << run.out;
  EXPECT_EQ(ModeOf(out), 0600u);
  const std::string backup = Slurp(out);
  ASSERT_GT(backup.size(), 4096u);

  // The test reads the key file itself: every key, as text and as bytes.
  const std::string key_text = Slurp(server.data_dir() / "master.key");
  std::istringstream lines(key_text);
  int keys = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("key ")) {
      continue;
    }
    std::istringstream fields(line);
    std::string word, version, b64;
    fields >> word >> version >> b64;
    auto raw = Base64Decode(b64);
    ASSERT_TRUE(raw && raw->size() == 32) << "line of version " << version;
    ++keys;
    EXPECT_EQ(backup.find(b64), npos) << "the backup holds master key " << version << " (base64)";
    const std::string bytes(raw->begin(), raw->end());
    EXPECT_EQ(backup.find(bytes), npos) << "the backup holds master key " << version << " (raw)";
  }
  EXPECT_EQ(keys, 2);
  EXPECT_EQ(backup.find("alcove-master-keys"), npos);
  // Nor the TLS private key.
  const std::string tls_key = Slurp(server.data_dir() / "tls/key.pem");
  ASSERT_FALSE(tls_key.empty());
  EXPECT_EQ(backup.find(tls_key.substr(tls_key.find('\n') + 1, 64)), npos);
  // Nothing but the backup itself is left in its directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(out_dir.path()), fs::directory_iterator()), 1);
}

TEST(Backup, RefusesAnExistingFileOrOneInsideTheDataDirectoryAndLeavesNothingBehind) {
  TempDir tmp;
  const fs::path dir = tmp / "data";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", dir.string()}).exit_code, 0);
  const fs::path out = tmp / "existing";
  Spit(out, "keep me");
  auto run = Backup(dir, out);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("exists"), npos) << run.err;
  EXPECT_EQ(Slurp(out), "keep me");

  run = Backup(dir, dir / "inside.backup");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("inside the data directory"), npos) << run.err;
  EXPECT_FALSE(fs::exists(dir / "inside.backup"));
  run = Backup(dir, dir / "audit" / ".." / "tls" / "x.backup");
  EXPECT_NE(run.exit_code, 0);

  run = Backup(dir, tmp / "no-such-dir" / "x.backup");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("does not exist"), npos) << run.err;

  run = Backup(tmp / "not-a-data-dir", tmp / "y.backup");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_FALSE(fs::exists(tmp / "y.backup"));
  // Only what the test made is there: no temporary file survived a refusal.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"data", "existing"}));
}

// The documented PostgreSQL path: pg_dump, whose exact command the refusal gives.
TEST(Backup, OnPostgresqlRefusesAndGivesThePgDumpCommand) {
  TempDir tmp;
  const fs::path dir = tmp / "data";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", dir.string()}).exit_code, 0);
  const std::string owner_url =
      "postgresql://alcove_owner@db.example.org/alcove?sslmode=verify-full";
  const auto run = RunAlcove(
      {"backup", "--data-dir", dir.string(), "--out", (tmp / "pg.backup").string()},
      {{"ALCOVE_DATABASE_URL", "postgresql://alcove_app@db.example.org/alcove?sslmode=verify-full"},
       {"ALCOVE_DATABASE_MIGRATION_URL", owner_url},
       {"ALCOVE_DATABASE_MIGRATION_PASSWORD_ENV", "OWNER_PW"}});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("PGPASSWORD=\"$OWNER_PW\" pg_dump --format=custom --file='" +
                         (tmp / "pg.backup.pgdump").string() + "' '" + owner_url + "'"),
            npos)
      << run.err;
  EXPECT_NE(run.err.find("never master.key"), npos) << run.err;
  EXPECT_FALSE(fs::exists(tmp / "pg.backup"));
}

TEST(Backup, TakenWhileTheServerWritesRestoresEveryEarlierRecordAndTheAuditLogVerifies) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  const std::string email = "backup.load@example.org";
  auto a = SignedUp(server, email);
  ASSERT_TRUE(a != nullptr);
  const std::string client = a->NewClient("Lena Loaded");
  ASSERT_FALSE(client.empty());

  // A writer that keeps creating notes (each a transaction with its audit event).
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> written;  // note id, content
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string content = "load note " + std::to_string(i) + " " + std::string(300, 'n');
      const std::string id = a->NewNote(client, content);
      if (id.empty()) {
        ++failures;
        continue;
      }
      std::lock_guard lock(mu);
      written.emplace_back(id, content);
    }
  });
  auto count = [&] {
    std::lock_guard lock(mu);
    return written.size();
  };
  // Bounded, so that a broken server fails the test instead of hanging it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count() < 20 && failures.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (count() < 20) {
    stop = true;
    writer.join();
    FAIL() << "the writer made " << count() << " notes, " << failures.load() << " failed";
  }

  TempDir tmp;
  std::vector<std::pair<std::string, std::string>> before;
  {
    std::lock_guard lock(mu);
    before = written;  // every one of these answered 201 before the backup started
  }
  const auto run = Backup(server.data_dir(), tmp / "load.backup");
  const std::size_t after = count();
  stop = true;
  writer.join();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(failures.load(), 0);
  RecordProperty("notes_before_backup", static_cast<int>(before.size()));
  RecordProperty("notes_during_backup", static_cast<int>(after - before.size()));

  const fs::path restored = tmp / "restored";
  const auto rr = Restore(tmp / "load.backup", restored, server.data_dir() / "master.key");
  ASSERT_EQ(rr.exit_code, 0) << rr.err;
  EXPECT_NE(rr.out.find("development certificate"), npos) << rr.out;
  EXPECT_EQ(ModeOf(restored), 0700u);
  EXPECT_EQ(ModeOf(restored / "master.key"), 0600u);
  EXPECT_EQ(ModeOf(restored / "alcove.db"), 0600u);
  EXPECT_EQ(ModeOf(restored / "audit/signing.key"), 0600u);
  EXPECT_EQ(FileVersions(restored / "master.key"), FileVersions(server.data_dir() / "master.key"));

  const auto verify = RunAlcove({"audit", "verify", "--data-dir", restored.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  // The restored directory serves, and every note written before the backup reads back.
  ServerProcess copy({.existing_data_dir = restored});
  ASSERT_TRUE(copy.started()) << copy.Stderr();
  auto again = SignedIn(copy, email);
  ASSERT_TRUE(again != nullptr);
  for (const auto& [id, content] : before) {
    const HttpResult r = again->browser.Get("/api/v1/notes/" + id);
    ASSERT_EQ(r.status, 200) << id;
    EXPECT_NE(r.body.find(content), npos) << id;
  }
  EXPECT_EQ(copy.Stop(), 0);
  const auto verify_after = RunAlcove({"audit", "verify", "--data-dir", restored.string()});
  EXPECT_EQ(verify_after.exit_code, 0) << verify_after.out << verify_after.err;
}

TEST(Restore, RefusesAWrongKeyFileAnExistingDirectoryAndADamagedBackupLeavingNothing) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  auto a = SignedUp(server, "backup.refusals@example.org");
  ASSERT_TRUE(a != nullptr);
  ASSERT_FALSE(a->NewClient("Rita Refused").empty());
  TempDir tmp;
  const fs::path good = tmp / "good.backup";
  ASSERT_EQ(Backup(server.data_dir(), good).exit_code, 0);
  const fs::path key = server.data_dir() / "master.key";
  const fs::path target = tmp / "new";

  // Another installation's key file: same version number, other key.
  ASSERT_EQ(RunAlcove({"init", "--data-dir", (tmp / "other").string()}).exit_code, 0);
  auto run = Restore(good, target, tmp / "other" / "master.key");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("does not open this backup"), npos) << run.err;
  EXPECT_NE(run.err.find("does not unwrap"), npos) << run.err;
  EXPECT_FALSE(fs::exists(target));

  // A key file others may read.
  const fs::path loose = tmp / "loose.key";
  fs::copy_file(key, loose);
  ASSERT_EQ(::chmod(loose.c_str(), 0644), 0);
  run = Restore(good, target, loose);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("master key file"), npos) << run.err;
  EXPECT_FALSE(fs::exists(target));

  // An existing directory is never written into.
  fs::create_directory(target);
  run = Restore(good, target, key);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("exists"), npos) << run.err;
  EXPECT_TRUE(fs::is_empty(target));
  fs::remove(target);

  // Truncated, one flipped byte, not a backup at all, missing.
  const std::string bytes = Slurp(good);
  Spit(tmp / "short.backup", bytes.substr(0, bytes.size() - 100));
  std::string flipped = bytes;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x01);
  Spit(tmp / "flipped.backup", flipped);
  Spit(tmp / "foreign.backup", std::string(4096, 'x'));
  for (const auto& [name, expected] :
       std::vector<std::pair<std::string, std::string>>{{"short.backup", "checksum"},
                                                        {"flipped.backup", "checksum"},
                                                        {"foreign.backup", "does not start like"},
                                                        {"missing.backup", "cannot open"}}) {
    run = Restore(tmp / name, target, key);
    EXPECT_NE(run.exit_code, 0) << name;
    EXPECT_NE(run.err.find(expected), npos) << name << ": " << run.err;
    EXPECT_FALSE(fs::exists(target)) << name;
  }
  // Nothing secret is printed along the way.
  EXPECT_EQ(run.err.find("key 1 "), npos);

  // And the good one restores with the right key.
  run = Restore(good, target, key);
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

// claim: C06
TEST(KeysRetire, C06_ABackupTakenBeforeTheRotationNoLongerRestoresOnceItsVersionIsRetired) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  auto a = SignedUp(server, "backup.retire@example.org");
  ASSERT_TRUE(a != nullptr);
  const std::string client = a->NewClient("Otto Oldcopy");
  ASSERT_FALSE(client.empty());
  TempDir tmp;
  const fs::path dir = server.data_dir();
  const fs::path key = dir / "master.key";
  const fs::path old_backup = tmp / "before-rotation.backup";
  ASSERT_EQ(Backup(dir, old_backup).exit_code, 0);

  // Rotation keeps version 1 in the key file: the old backup still restores with it.
  auto run = RunAlcove({"keys", "rotate", "--data-dir", dir.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("keys retire"), npos) << run.out;
  ASSERT_EQ(FileVersions(key), (std::vector<std::uint32_t>{1, 2}));
  const fs::path new_backup = tmp / "after-rotation.backup";
  ASSERT_EQ(Backup(dir, new_backup).exit_code, 0);
  run = Restore(old_backup, tmp / "old-with-v1", key);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // In that restored copy, version 1 still wraps the data keys: retiring it is refused.
  run = RunAlcove({"keys", "retire", "--data-dir", (tmp / "old-with-v1").string(), "--before",
                   UtcIn(2), "--yes"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("still wraps"), npos) << run.err;
  EXPECT_NE(run.err.find("alcove keys rotate"), npos) << run.err;
  EXPECT_EQ(FileVersions(tmp / "old-with-v1" / "master.key"), (std::vector<std::uint32_t>{1, 2}));

  // Without --yes: says what becomes unreadable, changes nothing.
  const std::string before = UtcIn(2);
  run = RunAlcove({"keys", "retire", "--data-dir", dir.string(), "--before", before});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Would retire version(s) 1"), npos) << run.out;
  EXPECT_NE(run.out.find("Database backups taken before"), npos) << run.out;
  EXPECT_NE(run.out.find("Dry run: nothing changed"), npos) << run.out;
  EXPECT_NE(run.out.find("Kept: version 2 (current"), npos) << run.out;
  EXPECT_EQ(FileVersions(key), (std::vector<std::uint32_t>{1, 2}));

  // With --yes, while the server keeps serving.
  run = RunAlcove({"keys", "retire", "--data-dir", dir.string(), "--before", before, "--yes"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Retired version(s) 1"), npos) << run.out;
  EXPECT_EQ(run.out.find("key 2 "), npos) << "nothing secret is printed";
  EXPECT_EQ(FileVersions(key), std::vector<std::uint32_t>{2});
  EXPECT_EQ(ModeOf(key), 0600u);
  EXPECT_EQ(a->browser.Get("/api/v1/clients/" + client).status, 200);

  // The backup taken before the rotation no longer opens with the key file...
  run = Restore(old_backup, tmp / "old", key);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("master-key version 1"), npos) << run.err;
  EXPECT_NE(run.err.find("retired"), npos) << run.err;
  EXPECT_FALSE(fs::exists(tmp / "old"));
  // ...while the one taken after it does, and its audit log verifies.
  run = Restore(new_backup, tmp / "new", key);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(RunAlcove({"audit", "verify", "--data-dir", (tmp / "new").string()}).exit_code, 0);
}

TEST(KeysRetire, RefusesToRetireTheVersionInUseOrDuringAnUnfinishedRotation) {
  TempDir tmp;
  const fs::path dir = tmp / "data";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", dir.string()}).exit_code, 0);
  const fs::path key = dir / "master.key";
  // Only version 1, created before the date: it is in use and stays.
  auto run =
      RunAlcove({"keys", "retire", "--data-dir", dir.string(), "--before", UtcIn(86400), "--yes"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("version 1 is the version in use"), npos) << run.err;
  EXPECT_NE(run.err.find("alcove keys rotate"), npos) << run.err;
  EXPECT_EQ(FileVersions(key), std::vector<std::uint32_t>{1});
  // A date before version 1 was made: nothing to do, and that is fine.
  run = RunAlcove({"keys", "retire", "--data-dir", dir.string(), "--before", "2000-01-01"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Nothing to retire"), npos) << run.out;

  // A rotation that added version 2 but never finished re-wrapping.
  ASSERT_TRUE(crypto::AddMasterKeyVersion(key));
  run =
      RunAlcove({"keys", "retire", "--data-dir", dir.string(), "--before", UtcIn(86400), "--yes"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("a rotation has not finished"), npos) << run.err;
  EXPECT_EQ(FileVersions(key), (std::vector<std::uint32_t>{1, 2}));

  // A date that is not one.
  run = RunAlcove({"keys", "retire", "--data-dir", dir.string(), "--before", "last tuesday"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--before must be a UTC date"), npos) << run.err;
}

}  // namespace
}  // namespace alcove::testing
