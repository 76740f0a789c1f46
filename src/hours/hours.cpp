// The service's shared parts: construction, error helpers, refusals, today and the
// picked clients' aliases.
#include "hours/hours.hpp"

#include <fmt/format.h>

#include <array>

#include "core/clock.hpp"
#include "hours/internal.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

namespace internal {

std::unexpected<Error> NotFound(std::string_view what) {
  return Fail(ErrorCode::kNotFound, fmt::format("no such {} in this tenant", what),
              fmt::format("No such {}.", what));
}

std::unexpected<Error> Invalid(std::string internal, std::string public_message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(internal), std::move(public_message));
}

std::unexpected<Error> Refused(std::string_view token, std::string_view internal,
                               std::string words) {
  return Fail(ErrorCode::kFailedPrecondition, fmt::format("{}: {}", token, internal),
              std::move(words));
}

}  // namespace internal

std::optional<std::string_view> RefusalOf(const Error& error) {
  static constexpr std::array<std::string_view, 6> kTokens = {
      internal::kNoProfile,         internal::kWeekSubmitted, internal::kWeekSigned,
      internal::kWeekNotSubmitted,  internal::kWeekChanged,   internal::kSettingInUse};
  if (error.code != ErrorCode::kFailedPrecondition) {
    return std::nullopt;
  }
  const std::string_view text = error.internal;
  for (const std::string_view token : kTokens) {
    if (text.size() > token.size() && text.starts_with(token) && text[token.size()] == ':') {
      return token;
    }
  }
  return std::nullopt;
}

Hours::Hours(store::Db& db, crypto::KeyRing& keys, const audit::Log& log, const Clock& clock,
             Lookups lookups)
    : db_(db), keys_(keys), work_(db, log, clock), clock_(clock), lookups_(std::move(lookups)),
      log_(log) {}

Result<Day> Hours::Today(const identity::TherapistScope& who) {
  const Micros now = clock_.Now();
  std::string text;
  if (lookups_.local_day) {
    ALCOVE_TRY_ASSIGN(text, lookups_.local_day(who, now));
  } else {
    text = FormatRfc3339(now).substr(0, 10);  // no zone to ask: the UTC day
  }
  const auto day = ParseDay(text);
  if (!day) {
    return Fail(ErrorCode::kInternal, "the local day lookup answered no day");
  }
  return *day;
}

Result<std::map<std::string, std::string>> Hours::PickedAliases(
    const identity::TherapistScope& who, std::span<const NewSession> sessions) {
  std::map<std::string, std::string> out;
  for (const NewSession& s : sessions) {
    if (s.client_id.empty() || out.contains(s.client_id)) {
      continue;
    }
    if (!store::IsValidId(s.client_id) || !lookups_.alias_of) {
      return internal::NotFound("client");
    }
    ALCOVE_TRY_ASSIGN(auto alias, lookups_.alias_of(who, s.client_id));
    out.emplace(s.client_id, std::move(alias));
  }
  return out;
}

}  // namespace alcove::hours
