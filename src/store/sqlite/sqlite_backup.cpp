#include "store/sqlite/sqlite_backup.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/files.hpp"

namespace alcove::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int kAttempts = 50;  // of a whole-database step that met a lock, 100 ms apart

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;

Result<DbPtr> Open(const std::filesystem::path& path, int flags, std::string_view what) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOFOLLOW, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot open the {} {}: {}", what, path.string(),
                            raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  return db;
}

Status Copy(const std::filesystem::path& source, const std::filesystem::path& dest) {
  auto from = Open(source, SQLITE_OPEN_READWRITE, "database");
  if (!from) {
    return std::unexpected(from.error());
  }
  auto to = Open(dest, SQLITE_OPEN_READWRITE, "backup copy");
  if (!to) {
    return std::unexpected(to.error());
  }
  sqlite3_backup* backup = sqlite3_backup_init(to->get(), "main", from->get(), "main");
  if (backup == nullptr) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot start the SQLite backup of {}: {}", source.string(),
                            sqlite3_errmsg(to->get())));
  }
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    // -1: every page in one step, under one read transaction of the source.
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int finish = sqlite3_backup_finish(backup);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    return Fail(
        ErrorCode::kUnavailable,
        fmt::format("the database {} stayed locked; try the backup again", source.string()));
  }
  if (rc != SQLITE_DONE || finish != SQLITE_OK) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("the SQLite backup of {} failed: {}", source.string(),
                            sqlite3_errstr(rc != SQLITE_DONE ? rc : finish)));
  }
  // The copy must be a whole database, not only a byte-for-byte image of pages.
  sqlite3_stmt* check = nullptr;
  if (sqlite3_prepare_v2(to->get(), "PRAGMA quick_check", -1, &check, nullptr) != SQLITE_OK) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot check the backup copy");
  }
  std::string verdict;
  if (sqlite3_step(check) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(check, 0);
    verdict = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(check);
  if (verdict != "ok") {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("the backup copy of {} fails SQLite's quick_check", source.string()));
  }
  return {};
}

}  // namespace

Status BackupSqliteFile(const std::filesystem::path& source, const std::filesystem::path& dest) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(source, ec))) {
    return Fail(
        ErrorCode::kNotFound,
        fmt::format("the SQLite database {} is missing (or not a regular file)", source.string()));
  }
  // An empty file of our own first, so the copy is 0600 and never replaces anything.
  if (auto st = WriteNewFile(dest, "", 0600); !st) {
    return st;
  }
  auto remove_dest = [&] {
    std::filesystem::remove(dest, ec);
    auto journal = dest;
    journal += "-journal";
    std::filesystem::remove(journal, ec);
  };
  if (auto st = Copy(source, dest); !st) {
    remove_dest();
    return st;
  }
  UniqueFd fd(::open(dest.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    remove_dest();
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot fsync the backup copy {}", dest.string()));
  }
  return {};
}

}  // namespace alcove::store
