#include "store/sqlite/sqlite_db.hpp"
#include "store/transaction_state.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace alcove::store {
namespace {

ErrorCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return ErrorCode::kConflict;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kUnavailable;
    case SQLITE_FULL:
      return ErrorCode::kResourceExhausted;
    default:
      return ErrorCode::kInternal;
  }
}

// SQLite's messages name tables, columns and constraints, never bound values.
std::unexpected<Error> SqliteFail(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Fail(CodeFor(rc), fmt::format("sqlite: {}: {} (code {})", what, msg, rc),
              "database error");
}

// Owns one sqlite3 connection and its statement cache.
class Connection {
 public:
  Connection(sqlite3* db, std::size_t cache_size) : db_(db), cache_size_(cache_size) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    ClearCache();
    sqlite3_close_v2(db_);
  }

  sqlite3* db() const { return db_; }

  // A prepared statement for `sql`, reset and with cleared bindings after use by the
  // caller. Refuses text that holds more than one statement.
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) {
      return it->second;
    }
    if (cache_.size() >= cache_size_) {
      ClearCache();
    }
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) {
      return SqliteFail(db_, rc, "prepare");
    }
    if (stmt == nullptr) {
      return Fail(ErrorCode::kInternal, "sqlite: empty statement", "database error");
    }
    for (const char* p = tail; p != nullptr && p < key.data() + key.size(); ++p) {
      if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
        sqlite3_finalize(stmt);
        return Fail(ErrorCode::kInternal,
                    "sqlite: more than one statement in one call (use ExecuteScript)",
                    "database error");
      }
    }
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return Fail(CodeFor(rc), fmt::format("sqlite: {} (code {})", msg, rc), "database error");
    }
    return {};
  }

 private:
  void ClearCache() {
    for (auto& [sql, stmt] : cache_) {
      sqlite3_finalize(stmt);
    }
    cache_.clear();
  }

  sqlite3* db_;
  std::size_t cache_size_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Resets a cached statement when a call is done with it, whatever happened.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  ~StatementUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

Status Bind(sqlite3* db, sqlite3_stmt* stmt, std::span<const Value> params) {
  const int count = sqlite3_bind_parameter_count(stmt);
  for (int i = 1; i <= count; ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    std::size_t index = 0;
    const std::size_t len = name != nullptr ? std::strlen(name) : 0;
    if (len < 2 || name[0] != '$' ||
        std::from_chars(name + 1, name + len, index).ec != std::errc() ||
        std::from_chars(name + 1, name + len, index).ptr != name + len) {
      return Fail(ErrorCode::kInternal,
                  "sqlite: parameters must be written $1, $2, ... (portable SQL)",
                  "database error");
    }
    if (index == 0 || index > params.size()) {
      return Fail(ErrorCode::kInternal,
                  fmt::format("sqlite: the statement uses ${} but {} parameters were given", index,
                              params.size()),
                  "database error");
    }
    const Value& v = params[index - 1];
    int rc = SQLITE_OK;
    if (std::holds_alternative<Null>(v)) {
      rc = sqlite3_bind_null(stmt, i);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, i, *n);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      if (s->find('\0') != std::string::npos) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("sqlite: text parameter ${} contains a NUL character", index),
                    "text may not contain NUL characters");
      }
      rc = sqlite3_bind_text64(stmt, i, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else {
      const auto& b = std::get<Bytes>(v);
      // A zero-length blob with a null pointer would bind NULL.
      rc = b.empty() ? sqlite3_bind_zeroblob(stmt, i, 0)
                     : sqlite3_bind_blob64(stmt, i, b.data(), b.size(), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) {
      return SqliteFail(db, rc, "bind");
    }
  }
  return {};
}

Result<Value> Column(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL:
      return Value{Null{}};
    case SQLITE_INTEGER:
      return Value{static_cast<std::int64_t>(sqlite3_column_int64(stmt, i))};
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      const int n = sqlite3_column_bytes(stmt, i);
      return Value{std::string(p != nullptr ? p : "", static_cast<std::size_t>(n))};
    }
    case SQLITE_BLOB: {
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, i));
      const int n = sqlite3_column_bytes(stmt, i);
      return Value{p != nullptr ? Bytes(p, p + n) : Bytes{}};
    }
    default:
      return Fail(ErrorCode::kInternal,
                  fmt::format("sqlite: column {} is REAL; store integers, text or bytes", i),
                  "database error");
  }
}

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(std::unique_lock<std::timed_mutex> lock, std::atomic<std::thread::id>& owner,
                    Connection& conn, std::optional<TenantId> tenant)
      : lock_(std::move(lock)), owner_(owner), conn_(conn), tenant_(tenant) {}
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  ~SqliteTransaction() override {
    if (!lock_.owns_lock()) {
      return;  // released by Commit
    }
    if (!done_) {
      (void)conn_.Exec("ROLLBACK");
    }
    owner_.store(std::thread::id());  // lock_ is released right after
  }

  Result<std::vector<Row>> Query(std::string_view sql, std::span<const Value> params) override {
    std::vector<Row> rows;
    if (auto st = Run(sql, params, &rows); !st) {
      return std::unexpected(st.error());
    }
    return rows;
  }

  Result<std::int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    if (auto st = Run(sql, params, nullptr); !st) {
      return std::unexpected(st.error());
    }
    return static_cast<std::int64_t>(sqlite3_changes64(conn_.db()));
  }

  Status ExecuteScript(std::string_view sql) override {
    if (auto st = Usable(); !st) {
      return st;
    }
    const std::string text(sql);
    if (auto st = conn_.Exec(text.c_str()); !st) {
      failed_ = true;
      return st;
    }
    return {};
  }

  Status Commit() override {
    if (auto st = Usable(); !st) {
      return st;
    }
    if (auto st = conn_.Exec("COMMIT"); !st) {
      failed_ = true;
      return st;  // the destructor rolls back
    }
    done_ = true;
    // The connection is free for the next writer before the commit hooks run (the audit
    // log's checkpoint write must not hold up other transactions).
    owner_.store(std::thread::id());
    lock_.unlock();
    RunCommitHooks();
    return {};
  }

  std::optional<TenantId> tenant() const override { return tenant_; }

 private:
  Status Usable() const { return TransactionUsable(done_, failed_); }

  Status Run(std::string_view sql, std::span<const Value> params, std::vector<Row>* rows) {
    if (auto st = Usable(); !st) {
      return st;
    }
    auto st = RunUnchecked(sql, params, rows);
    if (!st) {
      failed_ = true;
    }
    return st;
  }

  Status RunUnchecked(std::string_view sql, std::span<const Value> params, std::vector<Row>* rows) {
    auto stmt = conn_.Prepare(sql);
    if (!stmt) {
      return std::unexpected(stmt.error());
    }
    StatementUse use(*stmt);
    if (auto st = Bind(conn_.db(), *stmt, params); !st) {
      return st;
    }
    const int columns = sqlite3_column_count(*stmt);
    for (;;) {
      const int rc = sqlite3_step(*stmt);
      if (rc == SQLITE_DONE) {
        return {};
      }
      if (rc != SQLITE_ROW) {
        return SqliteFail(conn_.db(), rc, "step");
      }
      if (rows == nullptr) {
        continue;
      }
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int i = 0; i < columns; ++i) {
        auto v = Column(*stmt, i);
        if (!v) {
          return std::unexpected(v.error());
        }
        values.push_back(std::move(*v));
      }
      rows->emplace_back(std::move(values));
    }
  }

  std::unique_lock<std::timed_mutex> lock_;
  std::atomic<std::thread::id>& owner_;
  Connection& conn_;
  std::optional<TenantId> tenant_;
  bool done_ = false;
  bool failed_ = false;
};

class SqliteDb final : public Db {
 public:
  SqliteDb(std::unique_ptr<Connection> conn, std::chrono::milliseconds busy_timeout)
      : conn_(std::move(conn)), busy_timeout_(busy_timeout) {}

  Engine engine() const override { return Engine::kSqlite; }
  Result<std::unique_ptr<Transaction>> Begin() override { return Start(std::nullopt); }
  Result<std::unique_ptr<Transaction>> BeginTenant(TenantId tenant) override {
    return Start(tenant);
  }

  Status ForgetDeleted() override {
    if (owner_.load() == std::this_thread::get_id()) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "sqlite: ForgetDeleted inside a transaction", "database error");
    }
    std::unique_lock lock(mu_, std::defer_lock);
    if (!lock.try_lock_for(busy_timeout_)) {
      return Fail(ErrorCode::kUnavailable,
                  "sqlite: timed out waiting for the running transaction to finish",
                  "the database is busy; try again");
    }
    // One row: busy (1 if a reader kept the checkpoint from finishing), frames in the
    // log, frames checkpointed. TRUNCATE then resets the WAL file to zero bytes.
    ALCOVE_TRY_ASSIGN(auto stmt, conn_->Prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
    StatementUse use(stmt);
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
      return Fail(ErrorCode::kInternal,
                  fmt::format("sqlite: wal_checkpoint failed: {}", sqlite3_errstr(rc)),
                  "database error");
    }
    if (sqlite3_column_int64(stmt, 0) != 0) {
      return Fail(ErrorCode::kUnavailable,
                  "sqlite: a reader kept the WAL checkpoint from completing",
                  "the database is busy; try again");
    }
    return {};
  }

 private:
  Result<std::unique_ptr<Transaction>> Start(std::optional<TenantId> tenant) {
    if (owner_.load() == std::this_thread::get_id()) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "sqlite: this thread already holds a transaction (one at a time)",
                  "database error");
    }
    std::unique_lock lock(mu_, std::defer_lock);
    if (!lock.try_lock_for(busy_timeout_)) {
      return Fail(ErrorCode::kUnavailable,
                  "sqlite: timed out waiting for the running transaction to finish",
                  "the database is busy; try again");
    }
    if (auto st = conn_->Exec("BEGIN IMMEDIATE"); !st) {
      return std::unexpected(st.error());
    }
    owner_.store(std::this_thread::get_id());
    return std::make_unique<SqliteTransaction>(std::move(lock), owner_, *conn_, tenant);
  }

  std::timed_mutex mu_;
  std::atomic<std::thread::id> owner_;  // the thread that began the running transaction
  std::unique_ptr<Connection> conn_;
  std::chrono::milliseconds busy_timeout_;
};

}  // namespace

Result<std::unique_ptr<Db>> OpenSqlite(const std::filesystem::path& path,
                                       const SqliteOptions& options) {
  // Create the file ourselves so it never exists with a wider mode.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(
        ErrorCode::kFailedPrecondition,
        fmt::format("cannot open the database file {}: {}", path.string(), std::strerror(errno)),
        "database unavailable");
  }
  ::close(fd);

  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot open the SQLite database {}: {}", path.string(), msg),
                "database unavailable");
  }
  auto conn = std::make_unique<Connection>(raw, options.statement_cache_size);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));

  // journal_mode answers with the mode it ended up in.
  auto mode = conn->Prepare("PRAGMA journal_mode=WAL");
  std::string journal;
  if (mode) {
    StatementUse use(*mode);
    if (sqlite3_step(*mode) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(*mode, 0));
      journal = text != nullptr ? text : "";
    }
  }
  if (journal != "wal") {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} is not a usable SQLite database (cannot switch it to WAL "
                            "mode: {}); restore it from a backup",
                            path.string(), sqlite3_errmsg(raw)),
                "database unavailable");
  }
  for (const char* pragma :
       {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON",
        "PRAGMA trusted_schema=OFF", "SELECT count(*) FROM sqlite_schema"}) {
    if (auto st = conn->Exec(pragma); !st) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("{} is not a usable SQLite database ({}): {}", path.string(), pragma,
                              st.error().internal),
                  "database unavailable");
    }
  }
  return std::make_unique<SqliteDb>(std::move(conn), options.busy_timeout);
}

}  // namespace alcove::store
