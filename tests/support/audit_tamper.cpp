#include "support/audit_tamper.hpp"

#include <algorithm>

#include "audit/log.hpp"
#include "audit/merkle.hpp"

namespace alcove::testing {

Result<std::uint64_t> RewindAuditTail(store::Db& db, std::uint64_t n) {
  auto tx = db.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  const char* const sqlite_guards[] = {
      "DROP TRIGGER IF EXISTS audit_events_no_delete", "DROP TRIGGER IF EXISTS audit_nodes_no_delete",
      "DROP TRIGGER IF EXISTS audit_head_forward_only"};
  const char* const postgres_guards[] = {"ALTER TABLE audit_events DISABLE TRIGGER USER",
                                         "ALTER TABLE audit_nodes DISABLE TRIGGER USER",
                                         "ALTER TABLE audit_head DISABLE TRIGGER USER"};
  for (const char* sql :
       db.engine() == store::Engine::kPostgres ? std::span(postgres_guards) : std::span(sqlite_guards)) {
    if (auto r = (*tx)->Execute(sql); !r) {
      return std::unexpected(r.error());
    }
  }
  auto head = audit::ReadHead(**tx);
  if (!head) {
    return std::unexpected(head.error());
  }
  if (head->size() < n) {
    return Fail(ErrorCode::kInvalidArgument, "the audit log is shorter than the tail to remove");
  }
  const std::uint64_t keep = head->size() - n;
  const store::Value k[] = {static_cast<std::int64_t>(keep)};
  auto rows = (*tx)->Query("SELECT leaf_hash FROM audit_events WHERE seq < $1 ORDER BY seq", k);
  if (!rows) {
    return std::unexpected(rows.error());
  }
  audit::CompactRange range;
  for (const auto& row : *rows) {
    audit::Hash leaf{};
    const auto& b = row.Blob(0);
    std::copy_n(b.begin(), std::min(b.size(), leaf.size()), leaf.begin());
    range.Append(leaf, nullptr);
  }
  const std::string_view statements[] = {
      "DELETE FROM audit_events WHERE seq >= $1",
      // A node (level, idx) covers seq idx << level up to ((idx + 1) << level) - 1.
      "DELETE FROM audit_nodes WHERE ((idx + 1) << level) > $1"};
  for (const auto sql : statements) {
    if (auto r = (*tx)->Execute(sql, k); !r) {
      return std::unexpected(r.error());
    }
  }
  const store::Value head_row[] = {static_cast<std::int64_t>(keep), range.Serialize()};
  if (auto r = (*tx)->Execute("UPDATE audit_head SET size = $1, frontier = $2 WHERE one = 1",
                              head_row);
      !r) {
    return std::unexpected(r.error());
  }
  if (auto st = (*tx)->Commit(); !st) {
    return std::unexpected(st.error());
  }
  return keep;
}

}  // namespace alcove::testing
