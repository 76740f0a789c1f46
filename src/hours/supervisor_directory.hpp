#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "identity/scope.hpp"
#include "store/db.hpp"

namespace alcove::hours {

// What signing, reminders and the forms need to know of an associate's supervisors
// (issue #15). The supervision side (hours::Supervision, supervision.hpp) provides it;
// the signing side (hours::Signing) and the forms only borrow it, so neither reads the
// other's tables.
//
// A supervisor is an account of role supervisor in a tenant of its own (one account per
// address, whatever the number of associates); a *link* joins it to one associate (a
// therapist's tenant), optionally for one work setting. A weekly log is submitted to a
// link: weekly_logs.supervisor_id holds the link's id, the signature the account's.

struct ActiveSupervisor {
  std::string link_id;     // 32 hex: the associate's link to the supervisor
  std::string account_id;  // 32 hex: the supervisor's account (signature, audit actor)
  store::TenantId account_tenant = 0;  // the supervisor's own tenant
  std::string email;       // normalised address: for mail only, never shown in a log
  std::string name;        // display name, as the supervisor gave it
  std::string setting_id;  // the work setting the link is for; empty: every setting
};

enum class PinCheck {
  kMatch,     // the PIN is the supervisor's
  kMismatch,  // it is not
  kNotSet,    // the supervisor has not chosen a PIN yet
};

struct SupervisorDirectory {
  // The associate's active (accepted, not ended) link `link_id`. kNotFound for an
  // unknown, pending or ended link and for another tenant's (C20).
  std::function<Result<ActiveSupervisor>(store::TenantId associate_tenant,
                                         std::string_view link_id)>
      active;
  // The associate's active links, by name.
  std::function<Result<std::vector<ActiveSupervisor>>(const identity::TherapistScope&)> list;
  // The supervisor's PIN against their argon2id hash (C25), with the same work whether
  // or not one is set. kResourceExhausted when the hashing pool is busy.
  std::function<Result<PinCheck>(std::string_view supervisor_account_id,
                                 const crypto::SecretString& pin)>
      verify_pin;
};

}  // namespace alcove::hours
