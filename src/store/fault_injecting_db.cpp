#include "store/fault_injecting_db.hpp"

#include <utility>

namespace alcove::store {
namespace {

class FaultTransaction final : public Transaction {
 public:
  FaultTransaction(FaultInjectingDb& db, std::unique_ptr<Transaction> inner)
      : db_(db), inner_(std::move(inner)) {}

  Result<std::vector<Row>> Query(std::string_view sql, std::span<const Value> params) override {
    if (auto st = Check(); !st) {
      return std::unexpected(st.error());
    }
    return inner_->Query(sql, params);
  }
  Result<std::int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    if (auto st = Check(); !st) {
      return std::unexpected(st.error());
    }
    return inner_->Execute(sql, params);
  }
  Status ExecuteScript(std::string_view sql) override {
    if (auto st = Check(); !st) {
      return st;
    }
    return inner_->ExecuteScript(sql);
  }
  Status Commit() override {
    if (failed_) {
      return Spoilt();
    }
    if (db_.NextCommitFails()) {
      failed_ = true;
      return Fail(db_.commit_code(), "injected fault: commit failed", "database error");
    }
    return inner_->Commit();
  }
  std::optional<TenantId> tenant() const override { return inner_->tenant(); }
  void OnCommit(std::string_view key, std::function<void()> hook) override {
    inner_->OnCommit(key, std::move(hook));
  }

 private:
  static std::unexpected<Error> Spoilt() {
    return Fail(ErrorCode::kFailedPrecondition,
                "an earlier statement of this transaction failed; it will roll back",
                "database error");
  }

  Status Check() {
    if (failed_) {
      return Spoilt();
    }
    if (db_.NextStatementFails()) {
      failed_ = true;
      return Fail(db_.statement_code(), "injected fault: statement failed", "database error");
    }
    return {};
  }

  FaultInjectingDb& db_;
  std::unique_ptr<Transaction> inner_;  // destroyed without commit: rolls back
  bool failed_ = false;
};

}  // namespace

void FaultInjectingDb::FailStatement(std::int64_t n, ErrorCode code) {
  statement_code_.store(code);
  statements_.store(0);
  statement_target_.store(n);
}

void FaultInjectingDb::FailCommit(std::int64_t n, ErrorCode code) {
  commit_code_.store(code);
  commits_.store(0);
  commit_target_.store(n);
}

bool FaultInjectingDb::NextStatementFails() {
  const std::int64_t target = statement_target_.load();
  const std::int64_t n = statements_.fetch_add(1) + 1;
  if (target > 0 && n == target) {
    injected_.fetch_add(1);
    return true;
  }
  return false;
}

bool FaultInjectingDb::NextCommitFails() {
  const std::int64_t target = commit_target_.load();
  const std::int64_t n = commits_.fetch_add(1) + 1;
  if (target > 0 && n == target) {
    injected_.fetch_add(1);
    return true;
  }
  return false;
}

Result<std::unique_ptr<Transaction>> FaultInjectingDb::Begin() {
  auto tx = inner_.Begin();
  if (!tx) {
    return tx;
  }
  return std::make_unique<FaultTransaction>(*this, std::move(*tx));
}

Status FaultInjectingDb::ForgetDeleted() {
  if (NextStatementFails()) {
    injected_.fetch_add(1);
    return Fail(statement_code(), "injected fault: forgetting deleted data failed",
                "database error");
  }
  return inner_.ForgetDeleted();
}

Result<std::unique_ptr<Transaction>> FaultInjectingDb::BeginTenant(TenantId tenant) {
  auto tx = inner_.BeginTenant(tenant);
  if (!tx) {
    return tx;
  }
  return std::make_unique<FaultTransaction>(*this, std::move(*tx));
}

}  // namespace alcove::store
