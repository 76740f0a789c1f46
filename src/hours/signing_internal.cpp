#include "hours/signing_internal.hpp"

#include <fmt/format.h>

#include "hours/signing.hpp"
#include "identity/unit_of_work.hpp"

namespace alcove::hours::signing_internal {

std::unexpected<Error> Refusal(std::string_view token, std::string_view internal,
                               std::string words) {
  return Fail(ErrorCode::kFailedPrecondition, fmt::format("{}: {}", token, internal),
              std::move(words));
}

std::unexpected<Error> PinNotSet(std::string_view public_origin) {
  return Refusal("pin_not_set", "supervisor has no PIN",
                 fmt::format("You have not set your signing PIN yet. Sign in at "
                             "{}/supervisor/pin and set it there, then open this link again.",
                             public_origin));
}

Result<WrongPin> CountWrongPin(store::Db& db, const audit::Log& log, Micros now,
                               const identity::Caller& caller, const PinTarget& t) {
  ALCOVE_TRY_ASSIGN(auto tx, db.BeginTenant(t.tenant));
  const store::Value p[] = {t.tenant, std::string(t.link_id), std::int64_t{kMaxWrongPins}};
  ALCOVE_TRY_ASSIGN(const auto n,
                    tx->Execute(fmt::format("UPDATE {} SET wrong_pins = wrong_pins + 1 WHERE "
                                            "tenant_id = $1 AND id = $2 AND used_at IS NULL AND "
                                            "ended_at IS NULL AND locked_at IS NULL AND "
                                            "wrong_pins < $3",
                                            t.table),
                                p));
  if (n != 1) {
    return Fail(ErrorCode::kConflict, "signing link changed meanwhile");
  }
  const store::Value q[] = {t.tenant, std::string(t.link_id)};
  ALCOVE_TRY_ASSIGN(auto rows, tx->Query(fmt::format("SELECT wrong_pins FROM {} WHERE "
                                                     "tenant_id = $1 AND id = $2",
                                                     t.table),
                                         q));
  const int wrong = rows.empty() ? kMaxWrongPins : static_cast<int>(rows.front().Int(0));
  WrongPin out{.locked = wrong >= kMaxWrongPins, .tries_left = kMaxWrongPins - wrong};
  if (out.locked) {
    const store::Value l[] = {t.tenant, std::string(t.link_id), now};
    ALCOVE_TRY(tx->Execute(
        fmt::format("UPDATE {} SET locked_at = $3 WHERE tenant_id = $1 AND id = $2", t.table), l));
    // A link refused for good: auth.magic_link.refused of the link's object.
    audit::Event e = identity::EventFor(now, audit::Action::kMagicLinkRefused, t.tenant,
                                        t.supervisor_account, caller, t.object_type, t.link_id);
    ALCOVE_TRY(e.details.SetToken("reason", "locked"));
    for (const auto& [key, value] : t.details) {
      ALCOVE_TRY(e.details.SetToken(key, value));
    }
    ALCOVE_TRY(e.details.SetToken("supervisor", t.supervisor_account));
    ALCOVE_TRY(log.Append(*tx, e));
  } else {
    out.words = fmt::format("That PIN is not right. {} {} left before this link locks.",
                            out.tries_left, out.tries_left == 1 ? "try" : "tries");
  }
  ALCOVE_TRY(tx->Commit());
  return out;
}

}  // namespace alcove::hours::signing_internal
