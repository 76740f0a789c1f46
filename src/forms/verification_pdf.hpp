#pragma once

// The experience-verification summary per supervisor as PDF (issue #15;
// docs/hours-forms.md § The verification summary): what the Board's Experience
// Verification asks a supervisor to attest — 37A-301 (AMFT), 37A-675 (APCC), 37A-201
// (ASW), per bbs-hours-rules.md § 5 — laid out as a summary, not a copy of the form. The
// associate, the track and registration number, the supervisor and licence, the
// setting(s), the period, hours by category and the totals against the track's
// requirements (the rules engine's, over this supervisor's weeks), the weeks, the weekly
// logs signed (and those changed since), and the electronic signature block: who, when,
// the SHA-256 of the summary's canonical content and a QR code to the verify page.
// Rendered with cairo and pango (any Unicode name), in memory.
//
// Holds no client content: totals and counts, the associate's and supervisor's names,
// the work settings' names.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "hours/types.hpp"

namespace alcove::forms {

struct CategoryHours {
  std::string label;  // "Individual psychotherapy"
  std::int64_t minutes = 0;
};

// One requirement of the track's rules with what this supervisor's weeks count toward it.
struct RequirementLine {
  std::string label;     // "Direct clinical counseling"
  bool minimum = true;   // false: a maximum ("at most")
  bool in_weeks = false; // required and counted are weeks, not minutes
  std::int64_t required = 0;
  std::int64_t counted = 0;
  bool unconfirmed = false;  // the number is unconfirmed (bbs-hours-rules.md)
};

struct VerificationForm {
  hours::Track track = hours::Track::kAmft;
  std::string associate_name;
  std::string registration_number;
  std::string supervisor_name;
  std::string supervisor_license;      // in words ("LMFT"); may be empty
  std::vector<std::string> settings;   // the work settings' names, sorted
  hours::Day first_week{};             // the Mondays of the first and last week
  hours::Day last_week{};
  std::vector<CategoryHours> categories;  // logged minutes by category
  std::int64_t logged_minutes = 0;
  std::int64_t credited_minutes = 0;   // what counts toward licensure (the engine's)
  std::vector<RequirementLine> requirements;
  std::int64_t weeks_supervised = 0;
  std::int64_t weeks_individual_triadic = 0;
  std::int64_t weekly_logs = 0;        // weeks of this supervisor in the period
  std::int64_t signed_logs = 0;        // of which signed
  std::int64_t signed_changed = 0;     // of the signed, changed since (no longer matching)
  Micros prepared_at = 0;
  // The supervisor's signature of this summary (hours::SummarySigning), when one signed
  // exactly this content: when, and its audit event (the receipt proves it). Else, when a
  // signature of an earlier content of the same supervisor's summary exists, its time:
  // it no longer matches.
  std::optional<Micros> signed_at;
  std::string signature_event_id;
  std::optional<Micros> stale_signed_at;
  std::string verify_url;              // https://ORIGIN/verify
};

// The form number of the Board's in-state Experience Verification for the track.
std::string_view VerificationFormOf(hours::Track track);

// The summary's canonical content: versioned "key=value" lines (LF) of everything the
// summary states but the time it was prepared, names as given (UTF-8). Its SHA-256 is the
// hash in the signature block.
std::string CanonicalContent(const VerificationForm& form);
std::string ContentSha256(const VerificationForm& form);  // lowercase hex

// The PDF's bytes. kInvalidArgument for a period whose last week is before its first;
// kInternal when cairo fails.
Result<std::string> RenderVerification(const VerificationForm& form);

}  // namespace alcove::forms
