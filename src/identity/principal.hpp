#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "audit/event.hpp"
#include "core/clock.hpp"
#include "store/db.hpp"

namespace alcove::identity {

// What an account is. Therapists own a tenant; supervisors and clients belong to one.
// The names are stored and appear in the API ("therapist"). There is no default role:
// no enumerator is zero, so a Principal whose role was never set (Role{}) is none of
// them and every scope refuses it (scope.hpp).
enum class Role { kTherapist = 1, kSupervisor = 2, kClient = 3 };
inline constexpr Role kAllRoles[] = {Role::kTherapist, Role::kSupervisor, Role::kClient};

std::string_view RoleName(Role role);
std::optional<Role> RoleFromName(std::string_view name);

// Who is calling, established from a valid, device-bound session. Domain services take
// a scope made from it (scope.hpp), never the principal itself, so that its role has
// been checked; `tenant` is the scope of every query they make. Operations on one's own
// account (sessions, password, profile) take the principal: every role has those.
struct Principal {
  std::string account_id;  // 32 hex
  store::TenantId tenant = 0;
  Role role{};             // no default: see Role
  std::string session_id;  // 32 hex; the session this request came with
};

// Where a request came from, for audit events and the sessions list.
struct Caller {
  std::string ip;          // as the connection saw it; may be empty
  std::string user_agent;  // the User-Agent header; audit events keep only its digest
  // The known-browser cookie the request carried, as sent (unverified; empty: none).
  // Identity checks it itself (Identity::CheckKnownBrowser); never logged or audited.
  std::string known_browser;
};

// An audit event for `action` in `tenant`, by the account `actor_account` (nullopt: the
// system), from `caller`: its IP when it is one, its User-Agent only as a digest.
audit::Event EventFor(Micros time, audit::Action action, store::TenantId tenant,
                      std::optional<std::string_view> actor_account, const Caller& caller,
                      std::string_view object_type = {}, std::string_view object_id = {});

}  // namespace alcove::identity
