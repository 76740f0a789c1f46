#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "audit/checkpoint.hpp"
#include "audit/event.hpp"
#include "store/db.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// What the audit routes need from the running server (cli::AuditRuntime provides it).
struct AuditServices {
  store::Db& db;
  // The latest signed checkpoint, after writing one now if `covering` events are not
  // covered yet (a receipt needs a checkpoint that includes its event).
  std::function<std::optional<audit::SignedCheckpoint>(std::uint64_t covering)> checkpoint;
  std::string verifier_key;
  // The caller's clients' aliases by id, to word events at display time ("You viewed
  // J.D.'s record"); aliases are never stored in events. May be empty.
  std::function<std::map<std::string, std::string>(const identity::Principal&)> client_aliases;
};

// An event as the API and `alcove audit export` show it: ids, names and times only.
boost::json::object AuditEventJson(const audit::LoggedEvent& logged);

// GET /api/v1/audit (query before, limit, object), GET /api/v1/audit/{id}/proof and the
// page /audit: the caller's own tenant's events, newest first (issue #5).
std::unique_ptr<RouteSet> AddAuditRoutes(RouteKit& router, IdentityServices& identity,
                                         AuditServices& audit, const Templates& templates);

}  // namespace alcove::web
