#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "identity/principal.hpp"
#include "store/db.hpp"

namespace alcove::identity {

// A caller whose role was checked (ARCHITECTURE.md § Roles and the module kit; C31).
// Domain services take the scope of their audience — practice takes TherapistScope — so
// a service cannot be called for the wrong audience: the only way to make a scope is
// From(), which refuses a principal of any other role (and one whose role was never
// set). The route facade (web/route_kit.hpp) makes them after its own role check.
// Copyable, immutable, cheap; holds no secret.
template <Role kRole>
class Scope {
 public:
  // kPermissionDenied unless `principal.role` is kRole and it names an account in a
  // tenant.
  static Result<Scope> From(const Principal& principal) {
    if (principal.role != kRole || principal.tenant <= 0 || principal.account_id.empty()) {
      return Fail(ErrorCode::kPermissionDenied,
                  "scope refused: the principal's role does not match the service's audience",
                  "This is not available to your account.");
    }
    return Scope(principal);
  }

  const Principal& principal() const { return principal_; }
  store::TenantId tenant() const { return principal_.tenant; }
  const std::string& account_id() const { return principal_.account_id; }
  static constexpr Role role() { return kRole; }

 private:
  explicit Scope(Principal principal) : principal_(std::move(principal)) {}
  Principal principal_;
};

// The therapist who owns the tenant (an associate is a therapist with a licensure track).
using TherapistScope = Scope<Role::kTherapist>;
// A supervisor linked to associates; sees aggregates only (C29).
using SupervisorScope = Scope<Role::kSupervisor>;
// A client of one therapist, in the therapist's tenant; sees only what was shared (C21).
using ClientScope = Scope<Role::kClient>;

}  // namespace alcove::identity
