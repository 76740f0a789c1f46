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
#include "hours/summary_signing.hpp"
#include "hours/supervisor_directory.hpp"
#include "identity/identity.hpp"

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

// A summary with what signing binds: its content hash and its period resolved (from: the
// Monday of the asked or default first day; to: the asked day or `today`).
struct BuiltSummary {
  forms::VerificationForm form;
  std::string content_sha256;  // forms::ContentSha256(form)
  hours::SummaryPeriod period;
};

// BuildVerification for the associate `who` (named as their account is now) and
// `supervisor`, with the period resolved first (so that the same period gives the same
// summary again); `now` is the time prepared, and its UTC day `today`.
Result<BuiltSummary> BuildSummary(hours::Hours& hours, identity::Identity& identity,
                                  const identity::TherapistScope& who,
                                  const hours::ActiveSupervisor& supervisor,
                                  std::optional<hours::Day> from, std::optional<hours::Day> to,
                                  Micros now, std::string verify_url);

// The supervisor's signature on the summary (signed_at and the event) when one of the
// link's signed requests bound exactly this content; else the time of the latest signed
// one, which no longer matches (stale_signed_at).
Status NoteSignature(BuiltSummary& summary, hours::SummarySigning& signing,
                     const identity::TherapistScope& who, std::string_view supervisor_link_id);

}  // namespace alcove::web::hours_routes
