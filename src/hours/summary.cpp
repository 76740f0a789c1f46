// Progress against the track's rules: the engine (rules.hpp) over every session logged.
#include "hours/hours.hpp"
#include "hours/internal.hpp"

namespace alcove::hours {

namespace internal {

Progress EvaluateAll(const Profile& profile, std::span<const Setting> settings,
                     std::span<const SessionLog> sessions, Day today) {
  const std::vector<SettingRef> refs = RefsOf(settings);
  return Evaluate(RulesFor(profile.track), profile, refs, sessions, today);
}

}  // namespace internal

Result<Summary> Hours::GetSummary(const identity::TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(const Day today, Today(who));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(Profile profile, internal::RequireProfile(*tx, who.tenant()));
  ALCOVE_TRY_ASSIGN(auto settings, internal::LoadSettings(*tx, who.tenant()));
  ALCOVE_TRY_ASSIGN(const auto sessions, internal::LoadSessions(*tx, who.tenant(), "1 = 1", {}));
  Progress progress = internal::EvaluateAll(profile, settings, sessions, today);
  return Summary{.profile = std::move(profile),
                 .settings = std::move(settings),
                 .progress = std::move(progress)};
}

}  // namespace alcove::hours
