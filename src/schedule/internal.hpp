#pragma once

// Shared by the files of the schedule service (not part of its interface).

#include <string>
#include <string_view>
#include <vector>

#include "schedule/schedule.hpp"
#include "store/db.hpp"

namespace alcove::schedule::internal {

// kNotFound "No such <what>." (another tenant's id is the same: C20).
std::unexpected<Error> NotFound(std::string_view what);

// Appointments of `tenant` (with their clients' aliases) matching `where` (SQL over
// columns of `a`, parameters from $2 on; $1 is the tenant), by time.
Result<std::vector<Appointment>> Rows(store::Transaction& tx, store::TenantId tenant,
                                      std::string_view where, std::vector<store::Value> params);

}  // namespace alcove::schedule::internal
