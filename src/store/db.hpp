#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace alcove::store {

// The storage contract every repository is written against. Two drivers implement it
// (SQLite, PostgreSQL); one conformance suite runs on both. Repositories write
// portable SQL with positional parameters `$1, $2, ...`.
//
// This interface is shared by every module: methods may be added, existing ones keep
// their signatures.

enum class Engine { kSqlite, kPostgres };

using TenantId = std::int64_t;

struct Null {
  bool operator==(const Null&) const = default;
};
using Bytes = std::vector<std::uint8_t>;
// A parameter or column value: NULL, a 64-bit integer, UTF-8 text, or bytes.
using Value = std::variant<Null, std::int64_t, std::string, Bytes>;

// One result row. Typed accessors throw std::logic_error when a column holds another
// type (a repository bug, never something a request can cause); NULL is only read
// through IsNull or the Optional* accessors.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  const Value& at(std::size_t i) const { return values_.at(i); }
  bool IsNull(std::size_t i) const { return std::holds_alternative<Null>(values_.at(i)); }
  std::int64_t Int(std::size_t i) const;
  const std::string& Text(std::size_t i) const;
  const Bytes& Blob(std::size_t i) const;
  std::optional<std::int64_t> OptionalInt(std::size_t i) const;
  std::optional<std::string> OptionalText(std::size_t i) const;
  std::optional<Bytes> OptionalBlob(std::size_t i) const;

 private:
  std::vector<Value> values_;
};

// A database transaction. Destroying it without Commit() rolls back.
// Errors: a unique, foreign-key or check constraint violation is ErrorCode::kConflict;
// a lost connection or a busy database is kUnavailable; anything else kInternal.
// Error messages never contain parameter values (they may hold client content).
// After any failed statement the transaction is spoilt on both engines: later statements
// and Commit fail with kFailedPrecondition, and it rolls back (use ON CONFLICT clauses
// for expected collisions). One statement per Query/Execute call.
// Thread-safety: one thread at a time. A thread holds at most one transaction at a time
// (SQLite runs one transaction at a time: a second Begin on the same thread fails).
class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs one statement and returns every row it yields.
  virtual Result<std::vector<Row>> Query(std::string_view sql,
                                         std::span<const Value> params = {}) = 0;
  // Runs one statement and returns the number of rows it changed.
  virtual Result<std::int64_t> Execute(std::string_view sql,
                                       std::span<const Value> params = {}) = 0;
  // Runs several `;`-separated statements without parameters (migrations only).
  virtual Status ExecuteScript(std::string_view sql) = 0;
  virtual Status Commit() = 0;
  // The tenant this transaction is confined to, if any.
  virtual std::optional<TenantId> tenant() const = 0;

  // Runs `hook` once this transaction has committed, never when it rolls back: at the end
  // of a successful Commit(), on the committing thread, in the order registered. A hook
  // registered under a `key` already used replaces the earlier one (the audit log keeps
  // one per transaction: the tree head it reached last). On SQLite the connection is
  // released before the hooks run; on PostgreSQL the transaction's connection is still
  // held. REQUIRES: a hook begins no transaction on this thread and does not throw.
  // Wrappers that delegate Commit to an inner transaction forward this to it.
  virtual void OnCommit(std::string_view key, std::function<void()> hook) {
    for (auto& [k, h] : commit_hooks_) {
      if (k == key) {
        h = std::move(hook);
        return;
      }
    }
    commit_hooks_.emplace_back(std::string(key), std::move(hook));
  }

 protected:
  // Drivers call this once COMMIT has succeeded.
  void RunCommitHooks() {
    auto hooks = std::move(commit_hooks_);
    commit_hooks_.clear();
    for (auto& [key, hook] : hooks) {
      hook();
    }
  }

 private:
  std::vector<std::pair<std::string, std::function<void()>>> commit_hooks_;
};

// A connection pool (or one shared connection) to one database. Drivers:
// sqlite/sqlite_db.hpp, postgres/postgres_db.hpp; open_db.hpp picks one from the config;
// fault_injecting_db.hpp wraps one for tests. The Db must outlive its transactions.
// Thread-safety: Begin* may be called from any thread; each transaction is used by one.
class Db {
 public:
  virtual ~Db() = default;
  virtual Engine engine() const = 0;
  // A transaction that is not confined to a tenant: migrations, operator commands,
  // and the few lookups that find out who the tenant is (sign-in).
  virtual Result<std::unique_ptr<Transaction>> Begin() = 0;
  // A transaction confined to `tenant`: on PostgreSQL it sets app.tenant_id for the
  // transaction (SET LOCAL), so row-level security limits every statement to that
  // tenant even if the SQL forgets its tenant filter.
  virtual Result<std::unique_ptr<Transaction>> BeginTenant(TenantId tenant) = 0;

  // Makes what committed deletions removed unreadable in this database's own files
  // (C06: a destroyed data key must not live on in a write-ahead log). SQLite: the WAL
  // is checkpointed into the database file, whose freed space secure_delete has zeroed,
  // and truncated to nothing (wal_checkpoint(TRUNCATE), fsynced); kUnavailable if
  // another process's reader keeps it from completing (try again). PostgreSQL: nothing
  // the app role can do (the server's WAL and dead tuples are the engine's; key
  // retirement covers them: docs/storage.md), so a no-op.
  // REQUIRES: the calling thread holds no transaction.
  virtual Status ForgetDeleted() { return {}; }
};

}  // namespace alcove::store
