#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "store/db.hpp"

namespace alcove::store {

// A Db decorator for tests of atomicity: it fails a chosen statement or commit, the way
// a lost connection would, so a test can prove that a failure half-way never leaves a
// partial change (e.g. a change without its audit record).
//
// Statements (Query, Execute, ExecuteScript) and commits are counted across every
// transaction begun through this object, starting at 1 after each Fail* call. The
// chosen one returns `code` (kUnavailable by default) without reaching the wrapped
// database; the transaction is then spoilt like a real one (later calls fail with
// kFailedPrecondition) and rolls back when destroyed.
// Thread-safety: as the wrapped Db; the counters are atomic.
class FaultInjectingDb final : public Db {
 public:
  // Borrows `inner`, which must outlive this object and its transactions.
  explicit FaultInjectingDb(Db& inner) : inner_(inner) {}

  // Fail the `n`th statement from now (n >= 1); 0 disarms.
  void FailStatement(std::int64_t n, ErrorCode code = ErrorCode::kUnavailable);
  // Fail the `n`th commit from now (n >= 1); 0 disarms.
  void FailCommit(std::int64_t n, ErrorCode code = ErrorCode::kUnavailable);
  // How many injected failures have fired.
  std::int64_t injected() const { return injected_.load(); }

  Engine engine() const override { return inner_.engine(); }
  Result<std::unique_ptr<Transaction>> Begin() override;
  Result<std::unique_ptr<Transaction>> BeginTenant(TenantId tenant) override;
  // Fails like a statement when the next statement is set to fail.
  Status ForgetDeleted() override;

  // For the transaction wrapper: true if this statement / commit is the one to fail.
  bool NextStatementFails();
  bool NextCommitFails();
  ErrorCode statement_code() const { return statement_code_.load(); }
  ErrorCode commit_code() const { return commit_code_.load(); }

 private:
  Db& inner_;
  std::atomic<std::int64_t> statement_target_{0};
  std::atomic<std::int64_t> statements_{0};
  std::atomic<std::int64_t> commit_target_{0};
  std::atomic<std::int64_t> commits_{0};
  std::atomic<std::int64_t> injected_{0};
  std::atomic<ErrorCode> statement_code_{ErrorCode::kUnavailable};
  std::atomic<ErrorCode> commit_code_{ErrorCode::kUnavailable};
};

}  // namespace alcove::store
