#pragma once

// The experience-verification summary per supervisor (issue #15; docs/hours-forms.md §
// The verification summary): its contents from the associate's weekly logs of one
// supervisor link, for forms::RenderVerification. Used by the route (pdf_routes.cpp)
// and the benchmark.

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "forms/verification_pdf.hpp"
#include "hours/hours.hpp"
#include "hours/supervisor_directory.hpp"

namespace alcove::web::hours_routes {

// At most this long a period (the Board's six-year window and a year to spare).
inline constexpr auto kMaxVerificationRange = std::chrono::days(7 * 366);

struct VerificationRequest {
  std::string associate_name;
  std::optional<hours::Day> from;  // nullopt: the registration date (the degree date without one)
  std::optional<hours::Day> to;    // nullopt: `today`
  hours::Day today{};              // the associate's local day
  Micros now = 0;
  std::string verify_url;
};

// The weeks of `supervisor` are the associate's weekly logs submitted to the link, and
// those never submitted of the link's work setting (a link for one setting), whose week
// starts in [from, to]; hours, requirements and weeks are the rules engine's over their
// sessions alone. kFailedPrecondition no_profile without a profile; kInvalidArgument for
// a reversed or too long period; kNotFound when the supervisor has no week in it.
Result<forms::VerificationForm> BuildVerification(hours::Hours& hours,
                                                  const identity::TherapistScope& who,
                                                  const hours::ActiveSupervisor& supervisor,
                                                  const VerificationRequest& request);

}  // namespace alcove::web::hours_routes
