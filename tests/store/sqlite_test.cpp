// SQLite-only promises: the file, its settings, and durability across a SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "core/config.hpp"
#include "store/migrations.hpp"
#include "store/open_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/temp_dir.hpp"

namespace alcove::store {
namespace {

using testing::TempDir;

constexpr Migration kItems[] = {
    {1000, "test_items",
     "CREATE TABLE items (id INTEGER PRIMARY KEY, payload BLOB NOT NULL) STRICT", ""},
};

std::string Pragma(Db& db, const std::string& name) {
  auto tx = db.Begin();
  EXPECT_TRUE(tx);
  auto rows = (*tx)->Query("PRAGMA " + name);
  EXPECT_TRUE(rows) << rows.error().internal;
  const Value& v = rows->at(0).at(0);
  if (const auto* s = std::get_if<std::string>(&v)) {
    return *s;
  }
  return std::to_string(std::get<std::int64_t>(v));
}

TEST(Sqlite, CreatesAPrivateFileWithSafeSettings) {
  TempDir dir;
  auto db = OpenSqlite(dir / "alcove.db");
  ASSERT_TRUE(db) << db.error().internal;
  struct stat st {};
  ASSERT_EQ(::stat((dir / "alcove.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Pragma(**db, "journal_mode"), "wal");
  EXPECT_EQ(Pragma(**db, "foreign_keys"), "1");
  EXPECT_EQ(Pragma(**db, "secure_delete"), "1");
  EXPECT_EQ(Pragma(**db, "synchronous"), "2");  // FULL
  EXPECT_NE(Pragma(**db, "busy_timeout"), "0");
  EXPECT_EQ((*db)->engine(), Engine::kSqlite);
  // The write-ahead log, which holds recent rows, is as private as the database.
  ASSERT_TRUE(ApplyMigrations(**db, kItems));
  ASSERT_EQ(::stat((dir / "alcove.db-wal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Sqlite, StrictTablesRefuseValuesOfTheWrongType) {
  TempDir dir;
  auto db = OpenSqlite(dir / "alcove.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(ApplyMigrations(**db, kItems));
  auto tx = (*db)->Begin();
  ASSERT_TRUE(tx);
  const Value p[] = {std::string("not bytes")};
  auto r = (*tx)->Execute("INSERT INTO items (id, payload) VALUES (1, $1)", p);
  ASSERT_FALSE(r);
}

TEST(Sqlite, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  std::ofstream(dir / "alcove.db") << std::string(8192, 'x');
  ::chmod((dir / "alcove.db").c_str(), 0600);
  auto db = OpenSqlite(dir / "alcove.db");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(db.error().internal.find("alcove.db"), std::string::npos) << db.error().internal;
}

TEST(Sqlite, RefusesParametersThatAreNotNumbered) {
  TempDir dir;
  auto db = OpenSqlite(dir / "alcove.db");
  ASSERT_TRUE(db);
  auto tx = (*db)->Begin();
  ASSERT_TRUE(tx);
  const Value p[] = {std::int64_t{1}};
  EXPECT_FALSE((*tx)->Query("SELECT ?", p));
  auto tx2 = (tx->reset(), (*db)->Begin());
  ASSERT_TRUE(tx2);
  EXPECT_FALSE((*tx2)->Query("SELECT $2", p));  // more than given
}

TEST(Sqlite, ASecondTransactionWaitsAndTimesOutInsteadOfDeadlocking) {
  TempDir dir;
  auto db =
      OpenSqlite(dir / "alcove.db", SqliteOptions{.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(db);
  auto held = (*db)->Begin();
  ASSERT_TRUE(held);
  Result<std::unique_ptr<Transaction>> other = Fail(ErrorCode::kInternal, "unset");
  std::thread t([&] { other = (*db)->Begin(); });
  t.join();
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kUnavailable);
  held->reset();
  EXPECT_TRUE((*db)->Begin());
}

TEST(Sqlite, ASecondTransactionOnTheSameThreadFailsAtOnce) {
  TempDir dir;
  auto db = OpenSqlite(dir / "alcove.db");
  ASSERT_TRUE(db);
  auto held = (*db)->Begin();
  ASSERT_TRUE(held);
  auto second = (*db)->BeginTenant(1);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  held->reset();
  EXPECT_TRUE((*db)->Begin());
}

TEST(Sqlite, StatementCacheSurvivesManyDistinctStatements) {
  TempDir dir;
  auto db = OpenSqlite(dir / "alcove.db", SqliteOptions{.statement_cache_size = 4});
  ASSERT_TRUE(db);
  auto tx = (*db)->Begin();
  ASSERT_TRUE(tx);
  for (int i = 0; i < 20; ++i) {
    auto rows = (*tx)->Query("SELECT " + std::to_string(i));
    ASSERT_TRUE(rows);
    EXPECT_EQ(rows->at(0).Int(0), i);
  }
}

TEST(Sqlite, OpenAndMigrateUsesAlcoveDbInTheDataDirectory) {
  TempDir dir;
  Config config;
  config.data_dir = dir.path();
  auto db = OpenAndMigrate(config, StoreMigrations());
  ASSERT_TRUE(db) << db.error().internal;
  EXPECT_TRUE(std::filesystem::exists(dir / "alcove.db"));
  auto versions = AppliedMigrationVersions(**db);
  ASSERT_TRUE(versions);
  EXPECT_EQ(*versions, std::vector<std::int32_t>{1});
}

// A child process commits rows as fast as it can and reports each committed id through a
// pipe; the parent kills it with SIGKILL mid-loop. Every reported row must be there and
// the database must pass integrity_check.
TEST(Sqlite, SigkillMidWriteLosesNoCommittedRow) {
  TempDir dir;
  const auto path = dir / "alcove.db";
  {
    auto db = OpenSqlite(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(ApplyMigrations(**db, kItems));
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto db = OpenSqlite(path);
    if (!db) {
      ::_exit(3);
    }
    for (std::int64_t id = 1;; ++id) {
      auto tx = (*db)->Begin();
      const Value p[] = {id, Bytes(4096, static_cast<std::uint8_t>(id))};
      if (!tx || !(*tx)->Execute("INSERT INTO items (id, payload) VALUES ($1, $2)", p) ||
          !(*tx)->Commit()) {
        ::_exit(4);
      }
      if (::write(fds[1], &id, sizeof id) != static_cast<ssize_t>(sizeof id)) {
        ::_exit(5);
      }
    }
  }
  ::close(fds[1]);
  std::set<std::int64_t> reported;
  std::int64_t id = 0;
  while (reported.size() < 300) {
    const ssize_t n = ::read(fds[0], &id, sizeof id);
    ASSERT_EQ(n, static_cast<ssize_t>(sizeof id)) << "child stopped early";
    reported.insert(id);
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  // Ids the child reported before it died (still in the pipe).
  while (::read(fds[0], &id, sizeof id) == static_cast<ssize_t>(sizeof id)) {
    reported.insert(id);
  }
  ::close(fds[0]);

  auto db = OpenSqlite(path);
  ASSERT_TRUE(db) << db.error().internal;
  EXPECT_EQ(Pragma(**db, "integrity_check"), "ok");
  auto tx = (*db)->Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT id, payload FROM items ORDER BY id");
  ASSERT_TRUE(rows);
  std::set<std::int64_t> stored;
  for (const Row& r : *rows) {
    stored.insert(r.Int(0));
    EXPECT_EQ(r.Blob(1), Bytes(4096, static_cast<std::uint8_t>(r.Int(0))));
  }
  for (const std::int64_t want : reported) {
    EXPECT_TRUE(stored.contains(want)) << "committed row " << want << " was lost";
  }
  // Rows are contiguous: at most the one in flight is missing from the report.
  EXPECT_LE(stored.size(), reported.size() + 1);
}

}  // namespace
}  // namespace alcove::store
