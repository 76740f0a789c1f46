#include "audit/query.hpp"

#include <algorithm>

#include "audit/event.hpp"
#include "store/ids.hpp"

namespace alcove::audit {
namespace {

// Events read per statement when filtering by object (ListEvents' largest page).
constexpr std::size_t kScanBatch = 500;

std::unexpected<Error> NoSuchEvent() {
  return Fail(ErrorCode::kNotFound, "no such audit event", "not found");
}

}  // namespace

Result<EventPage> Query::List(store::TenantId tenant, std::optional<std::uint64_t> before,
                              std::size_t limit, std::optional<std::string_view> object_id) const {
  limit = std::clamp<std::size_t>(limit, 1, kMaxLimit);
  if (object_id && !object_id->empty() && !IsToken(*object_id)) {
    return EventPage{};  // no event holds such an object id
  }
  auto tx = db_.BeginTenant(tenant);
  if (!tx) {
    return std::unexpected(tx.error());
  }
  // Without a filter, one more event than asked says whether there is an older page.
  // With one, the object id is inside the canonical bytes (not a column), so events are
  // read newest first and filtered here, at most kMaxScanned per call.
  const std::size_t batch = object_id ? kScanBatch : limit + 1;
  EventPage out;
  std::size_t scanned = 0;
  for (;;) {
    auto page = ListEvents(**tx, tenant, before, batch);
    if (!page) {
      return std::unexpected(page.error());
    }
    for (auto& ev : *page) {
      if (out.events.size() == limit) {
        out.next_before = out.events.back().logged.seq;
        return out;
      }
      before = ev.logged.seq;
      ++scanned;
      if (!object_id || ev.logged.event.object_id == *object_id) {
        out.events.push_back(std::move(ev));
      }
    }
    if (page->size() < batch) {
      return out;  // the beginning of the log
    }
    if (scanned >= kMaxScanned) {
      out.next_before = before;
      return out;
    }
  }
}

Result<std::uint64_t> Query::SeqOf(store::TenantId tenant, std::string_view event_id) const {
  if (!store::IsValidId(event_id)) {
    return NoSuchEvent();
  }
  auto tx = db_.BeginTenant(tenant);
  if (!tx) {
    return std::unexpected(tx.error());
  }
  const store::Value params[] = {std::string(event_id), tenant};
  auto rows = (*tx)->Query("SELECT seq FROM audit_events WHERE id = $1 AND tenant_id = $2", params);
  if (!rows) {
    return std::unexpected(rows.error());
  }
  if (rows->empty()) {
    return NoSuchEvent();
  }
  return static_cast<std::uint64_t>(rows->front().Int(0));
}

Result<Receipt> Query::Proof(store::TenantId tenant, std::string_view event_id,
                             const SignedCheckpoint& checkpoint,
                             std::string_view verifier_key) const {
  auto tx = db_.BeginTenant(tenant);
  if (!tx) {
    return std::unexpected(tx.error());
  }
  return ProofFor(**tx, tenant, event_id, checkpoint, verifier_key);
}

}  // namespace alcove::audit
