#pragma once

#include <cstdint>

#include "core/error.hpp"
#include "store/db.hpp"

namespace alcove::testing {

// What an intruder with write access to the database can do to the audit log (claims C41,
// C44): removes the guards (SQLite: drops the triggers; PostgreSQL, through the owner role:
// disables them), deletes the newest `n` events and the stored nodes over them, and rewinds
// audit_head to the compact range of the events left: a consistent, shorter log that new
// appends continue. `db` is the owner (on SQLite any connection; it may be another one than
// a running server's). Returns the size left. Errors: the database's; kInvalidArgument if
// the log holds fewer than `n` events.
Result<std::uint64_t> RewindAuditTail(store::Db& db, std::uint64_t n);

}  // namespace alcove::testing
