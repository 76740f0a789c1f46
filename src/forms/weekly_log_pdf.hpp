#pragma once

// Weekly logs of supervised experience as PDF (issue #15; docs/hours-forms.md), in the
// layout of the Board of Behavioral Sciences' forms: 37A-525 for AMFT and APCC (the
// APCC form number is unconfirmed, so APCC uses the MFT layout and says so), 37A-638
// for ASW. The PDF says it is prepared in that layout; it is not the Board's form.
// Rendered with cairo (PDF surface) and pango (text: any Unicode name), in memory.
//
// Holds no client content: weekly totals by category, the associate's and supervisor's
// names, the work setting and each week's signature block.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "hours/rules.hpp"
#include "hours/types.hpp"

namespace alcove::forms {

// One week's signature, as the weekly log shows it.
struct SignatureBlock {
  bool signed_ = false;
  std::string signer;                 // the supervisor's name; may be empty
  std::optional<Micros> signed_at;    // UTC
  std::string signed_sha256;          // hex
  std::string content_sha256;         // hex, the week's content now
  bool matches = false;               // signed_sha256 == content_sha256 and not amended
  std::string verify_url;             // the practice's /verify page
};

struct WeekLine {
  hours::Day week_start{};
  hours::WeekStatus status = hours::WeekStatus::kDraft;
  hours::WeekTotals totals;  // logged minutes by column
  SignatureBlock signature;
};

struct WeeklyLogForm {
  hours::Track track = hours::Track::kAmft;
  std::string associate_name;
  std::string registration_number;
  std::string supervisor_name;  // may be empty
  std::string setting_name;
  bool pre_degree = false;
  std::vector<WeekLine> weeks;  // by week
};

// The form number whose layout a track's log follows ("37A-525", "37A-638").
std::string_view LayoutFormOf(hours::Track track);

// At most this many weeks in one document (five years).
inline constexpr std::size_t kMaxWeeksPerPdf = 5 * 53;

// The PDF's bytes. kInvalidArgument for no weeks or more than kMaxWeeksPerPdf; kInternal
// when cairo fails.
Result<std::string> RenderWeeklyLog(const WeeklyLogForm& form);

}  // namespace alcove::forms
