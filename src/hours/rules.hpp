#pragma once

// Licensure-hour rules as data and the generic engine that applies them (issue #14;
// docs/hours.md § Rules). The rules of one track live in a file
// (`rules/<jurisdiction>/<track>.toml`, e.g. rules/ca-bbs/amft.toml), versioned, each
// number with its source tags from ../shared/domain/bbs-hours-rules.md and a flag where
// it is unconfirmed. The engine knows no number of its own: another state is another
// file. The files are embedded in the binary at build time (no path to get wrong in
// production) and read by the tests from the source tree as well.
//
// Pure: no database, no clock (today is an argument), no I/O.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "hours/types.hpp"

namespace alcove::hours {

// A number of a rule with where it comes from.
struct RuleNumber {
  double value = 0;
  std::string source;        // "[C1 §4980.43(c)(8)][T1]"
  bool unconfirmed = false;  // bbs-hours-rules.md marks it UNCONFIRMED
  std::string note;          // why it is unconfirmed, in words; may be empty
};

// A running total with a minimum or a maximum over some categories ("1,750 direct
// clinical hours", "at most 1,250 nonclinical").
struct Requirement {
  std::string id;     // "total", "direct", "cfc", "nonclinical", "psychotherapy", ...
  std::string label;  // "Direct clinical counseling"
  enum class Kind { kMinimum, kMaximum } kind = Kind::kMinimum;
  RuleNumber hours;
  std::vector<Category> categories;  // empty: every category
  // Only hours in settings whose supervisor holds this licence count (ASW: under an LCSW).
  std::optional<SupervisorLicense> under_license;
};

struct Rules {
  std::string id;  // "ca-bbs/amft"
  int version = 0;
  std::string effective_from;  // "YYYY-MM-DD"
  std::string title;           // "California BBS — Associate Marriage and Family Therapist"
  Track track = Track::kAmft;
  std::vector<Requirement> requirements;
  // Weeks.
  RuleNumber min_weeks;                // 104 supervised weeks
  RuleNumber min_individual_triadic_weeks;  // 52
  std::optional<RuleNumber> min_license_weeks;  // ASW: 13 individual/triadic weeks under an LCSW
  SupervisorLicense license_weeks_license = SupervisorLicense::kUnknown;  // ASW: kLcsw
  // How a week is cut: value 1 (ISO weekday of its first day, Monday), the only cut the
  // engine knows; the source and the flag say the Board's definition is unconfirmed.
  RuleNumber week_definition;
  // Per week and setting.
  RuleNumber units_per_week;            // 1 unit of supervision in each week with hours
  RuleNumber extra_unit_above_direct;   // more than 10 direct hours: one more unit
  RuleNumber group_unit_hours;          // 2 hours of group supervision make one unit
  RuleNumber group_max_size;            // at most 8 supervisees
  RuleNumber group_min_segment_minutes; // a group segment under 60 minutes is not claimable
  std::optional<RuleNumber> trainee_direct_per_unit;  // AMFT trainees: 1 unit per 5 direct
  // Across settings.
  RuleNumber max_hours_7_days;          // 40 hours in any 7 consecutive days
  RuleNumber max_supervision_per_week;  // 6 hours of supervision credited per week
  bool workshop_weeks_without_supervision = true;
  RuleNumber workshop_weeks_basis;      // its source and flag (value 1: true, 0: false)
  // Pre-degree (AMFT only; zero elsewhere).
  RuleNumber pre_degree_max;             // 1,300
  RuleNumber pre_degree_direct_max;      // 750 counseling + direct supervisor contact
  RuleNumber post_degree_min;            // 1,700
  // The window.
  RuleNumber window_years;                    // 6
  std::optional<RuleNumber> window_exempt_pre_degree;  // AMFT: 500 practicum hours exempt
  // The direct categories; every other category is nonclinical (supervision included).
  std::vector<Category> direct_categories;
};

// Parses one rules file. kInvalidArgument, naming the key and the file, for anything
// missing, of the wrong type or out of range.
Result<Rules> ParseRules(std::string_view toml_text, std::string_view file_name);
// The rules of a track as built into the binary (rules/ca-bbs/<track>.toml), parsed once.
// A built-in file that does not parse is a build defect (tests/hours/rules_test.cpp parses
// every one): the process stops with the parser's message instead of guessing rules.
const Rules& RulesFor(Track track);

// The rules files embedded at build time (cmake/embed_rules.cmake), by path under rules/
// ("ca-bbs/amft.toml"), sorted by path.
struct RulesFile {
  std::string_view path;
  std::string_view text;
};
std::span<const RulesFile> BuiltInRulesFiles();

// A setting as the engine needs it.
struct SettingRef {
  std::string id;
  std::string name;
  bool exempt = false;
  SupervisorLicense supervisor_license = SupervisorLicense::kUnknown;
};

// One finding, in words a person reads ("Week of 3 Nov 2025 at Valley Clinic: 12 direct
// hours need 2 hours of supervision; 1 logged.").
struct Check {
  enum class Level { kProblem, kWarning, kInfo } level = Level::kProblem;
  std::string id;  // a stable token: "supervision_missing", "over_40_in_7_days", ...
  std::string words;
  std::optional<Day> week;          // the week it is about, if one
  std::optional<std::string> setting_id;
};

// Minutes of one week in one setting, as logged and as credited.
struct WeekTotals {
  std::int64_t direct = 0;        // individual + couples_family_children + group
  std::int64_t cfc = 0;           // couples_family_children
  std::int64_t nonclinical = 0;   // everything else, supervision included
  std::int64_t supervision_individual_triadic = 0;
  std::int64_t supervision_group = 0;
  std::int64_t total = 0;         // direct + nonclinical
  double supervision_units = 0;   // individual/triadic hours + group hours / 2 (qualifying)
  std::int64_t credited = 0;      // minutes that count toward licensure
  std::int64_t by_category[kCategoryCount] = {};
};

struct WeekResult {
  Day week_start{};
  std::string setting_id;
  bool pre_degree = false;     // the week's hours are pre-degree (a week may hold both: two results)
  WeekTotals totals;
  bool supervised = false;     // counts toward the 104 weeks
  bool individual_triadic = false;  // counts toward the 52
  std::vector<Check> checks;   // this week at this setting, and the week-wide ones
};

struct Bar {
  std::string id;
  std::string label;
  Requirement::Kind kind = Requirement::Kind::kMinimum;
  std::int64_t required_minutes = 0;
  std::int64_t counted_minutes = 0;  // credited
  std::string source;
  bool unconfirmed = false;
};

struct Progress {
  std::string rules_id;
  int rules_version = 0;
  std::vector<Bar> bars;  // requirements, then weeks (as "weeks" bars in weeks, not minutes)
  std::int64_t weeks_supervised = 0;
  std::int64_t weeks_individual_triadic = 0;
  std::int64_t weeks_under_license = 0;
  std::int64_t logged_minutes = 0;
  std::int64_t credited_minutes = 0;
  std::vector<WeekResult> weeks;  // by week, then setting
  // Across everything (window, pre-degree, maximums), then those about one whole calendar
  // week (supervision cap, 40 hours, 7-day windows), which the week's results repeat.
  std::vector<Check> checks;
  double recent_hours_per_week = 0;       // credited, over the last 12 weeks with hours
  std::optional<Day> projected_completion;  // nullopt: no recent pace, or done
  bool complete = false;
};

// What a session log contributes, as the engine sees it (the service's SessionLog).
using Entry = SessionLog;

// Applies `rules` to everything logged. `today` is the associate's local day.
Progress Evaluate(const Rules& rules, const Profile& profile, std::span<const SettingRef> settings,
                  std::span<const Entry> entries, Day today);

}  // namespace alcove::hours
