#pragma once

// What signing weeks (signing.cpp) and summaries (summary_signing.cpp) share; not an
// interface.

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "identity/principal.hpp"
#include "store/db.hpp"

namespace alcove::hours::signing_internal {

// A refusal SigningRefusalOf reads: kFailedPrecondition, internal "TOKEN: why".
std::unexpected<Error> Refusal(std::string_view token, std::string_view internal,
                               std::string words);
// pin_not_set, with where to set the PIN.
std::unexpected<Error> PinNotSet(std::string_view public_origin);

// The link a wrong PIN counts against: its table (with columns tenant_id, id, wrong_pins,
// used_at, ended_at, locked_at) and how the lock is audited.
struct PinTarget {
  std::string_view table;        // "signing_links", "summary_signing_links"
  std::string_view object_type;  // the lock event's object: "signing_link", ...
  store::TenantId tenant = 0;
  std::string_view link_id;
  std::string_view supervisor_account;
  // More details of the lock event (ids only).
  std::span<const std::pair<std::string_view, std::string_view>> details;
};

struct WrongPin {
  bool locked = false;  // this was the kMaxWrongPins-th: the link is locked now
  int tries_left = 0;
  std::string words;  // "That PIN is not right. N tries left before this link locks."
};

// Counts a wrong PIN against the link in its own transaction; the kMaxWrongPins-th locks
// it and appends auth.magic_link.refused (reason locked) of the target's object.
// kConflict when the link was used, ended or locked meanwhile (the caller's "gone").
Result<WrongPin> CountWrongPin(store::Db& db, const audit::Log& log, Micros now,
                               const identity::Caller& caller, const PinTarget& target);

}  // namespace alcove::hours::signing_internal
