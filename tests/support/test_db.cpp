#include "support/test_db.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace alcove::testing {

Result<TestDb> OpenTestDb(TestEngine engine, std::span<const store::Migration> migrations,
                          const PgUrls* urls) {
  TestDb t;
  if (engine == TestEngine::kSqlite) {
    t.dir = std::make_unique<TempDir>();
    t.sqlite_path = *t.dir / "alcove.db";
    auto db = store::OpenSqlite(t.sqlite_path);
    if (!db) {
      return std::unexpected(db.error());
    }
    if (auto st = store::ApplyMigrations(**db, migrations); !st) {
      return std::unexpected(st.error());
    }
    t.db = std::move(*db);
    return t;
  }
  if (urls == nullptr) {
    return Fail(ErrorCode::kFailedPrecondition, "no PostgreSQL test cluster");
  }
  t.schema = std::make_unique<PgTestSchema>(*urls);
  {
    store::PostgresOptions owner;
    owner.url = t.schema->OwnerUrl();
    auto db = store::OpenPostgres(owner);
    if (!db) {
      return std::unexpected(db.error());
    }
    if (auto st = store::ApplyMigrations(**db, migrations); !st) {
      return std::unexpected(st.error());
    }
  }
  store::PostgresOptions app;
  app.url = t.schema->AppUrl();
  app.max_connections = 8;
  auto db = store::OpenPostgres(app);
  if (!db) {
    return std::unexpected(db.error());
  }
  t.db = std::move(*db);
  return t;
}

bool DatabaseFiles::Contains(std::span<const std::uint8_t> needle) const {
  return std::any_of(contents.begin(), contents.end(), [&](const auto& bytes) {
    return std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end();
  });
}

DatabaseFiles ReadDatabaseFiles(const std::filesystem::path& db_path) {
  DatabaseFiles files;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::path path = db_path;
    path += suffix;
    if (!std::filesystem::exists(path)) {
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << path;
    files.names.push_back(path.filename().string());
    files.contents.emplace_back(std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>());
  }
  return files;
}

}  // namespace alcove::testing
