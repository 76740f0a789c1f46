#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/log.hpp"
#include "audit/receipt.hpp"
#include "core/error.hpp"
#include "store/db.hpp"

namespace alcove::audit {

// One page of a tenant's events, newest first.
struct EventPage {
  std::vector<StoredEvent> events;
  // The `before` of the next (older) page; nullopt when the page reaches the beginning
  // of the log.
  std::optional<std::uint64_t> next_before;
};

// A tenant's reads of the audit log, for GET /api/v1/audit, its proof route and the
// /audit page, so that web/ runs no SQL: each call begins its own transaction confined
// to `tenant` (Db::BeginTenant) and sees only that tenant's events — another tenant's
// event is kNotFound, like one that does not exist.
// Borrows `db`, which must outlive this object.
// Thread-safety: every method may be called from any thread.
// REQUIRES (every method): the calling thread holds no transaction.
class Query {
 public:
  static constexpr std::size_t kMaxLimit = 200;
  // With an object filter, one List call reads at most this many events (newest first);
  // its next_before lets the caller go on.
  static constexpr std::size_t kMaxScanned = 5000;

  explicit Query(store::Db& db) : db_(db) {}

  // The newest `limit` (1..kMaxLimit, clamped) events of `tenant` with seq < `before`
  // (all if nullopt), newest first; when `object_id` is given, only the events about that
  // object (Event::object_id equal to it; "" matches the events about no object, and a
  // text that is neither "" nor a token matches none). next_before is set when older
  // events may follow; with an object filter a page may hold fewer than `limit` events,
  // even none, and still have one (at most kMaxScanned events are read per call).
  // Errors: the database's; kInternal if a row does not decode.
  Result<EventPage> List(store::TenantId tenant, std::optional<std::uint64_t> before,
                         std::size_t limit,
                         std::optional<std::string_view> object_id = std::nullopt) const;

  // The sequence number of event `event_id` of `tenant`. Errors: kNotFound when this
  // tenant has no such event (a malformed id, another tenant's event); the database's.
  Result<std::uint64_t> SeqOf(store::TenantId tenant, std::string_view event_id) const;

  // The receipt of event `event_id` of `tenant` against `checkpoint` (ProofFor).
  // Errors: kNotFound as SeqOf; kFailedPrecondition when `checkpoint` does not cover the
  // event yet; the database's.
  Result<Receipt> Proof(store::TenantId tenant, std::string_view event_id,
                        const SignedCheckpoint& checkpoint, std::string_view verifier_key) const;

 private:
  store::Db& db_;
};

}  // namespace alcove::audit
