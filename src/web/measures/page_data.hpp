#pragma once

// What the questionnaire pages show, from the service's results: pure functions (no
// database, no clock), so that the pages' words are tested and benchmarked on their own
// (docs/measures.md § Pages). Client content stays in the therapist's pages: none of
// this is logged.

#include <functional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "measures/service.hpp"
#include "measures/types.hpp"
#include "web/measures/trend_chart.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::measures_routes {

// How the therapist's pages word a time ("Tue 1 Dec, 9:00 AM"; Practice::TimeWords).
using WhenFn = std::function<std::string(Micros)>;
using IdSet = std::set<std::string, std::less<>>;

// "Tue 1 Dec" of "Tue 1 Dec, 9:00 AM" (the part before the comma).
std::string DayOf(const std::string& when_words);

struct AnswerView {
  int number = 0;
  std::string text;    // the item's words
  std::string answer;  // the chosen option's words, or "Not answered"
  std::string value;   // its value, "" when unanswered
  bool flagged = false;  // the item raised a flag (PHQ-9 item 9 above zero)
};

struct ResultView {
  std::string id;
  const measures::Instrument* instrument = nullptr;
  std::string when;    // in words
  std::string day;     // "Tue 1 Dec"
  std::string scores;  // "12, moderate" or "Depression 12, mild; Anxiety 8, ..."
  std::string change;  // the change in words; "The first result." for an instrument's first
  std::string flags;   // "self-harm thoughts (item 9)", "" when none
  bool is_new = false;  // not yet reviewed
  std::vector<AnswerView> answers;
};

struct TrendRow {
  std::string date;
  int value = 0;
  std::string band;
  std::string change;  // since the first and the previous, in words; "First result"
};

struct ScaleTrend {
  const measures::Scale* scale = nullptr;
  std::vector<TrendPoint> points;
  std::vector<TrendRow> rows;
};

struct InstrumentTrend {
  const measures::Instrument* instrument = nullptr;
  std::vector<ScaleTrend> scales;
  // "PHQ-9: 12, moderate, 5 points lower than the first — Tue 1 Dec"
  std::string summary;
};

struct PageResults {
  std::vector<InstrumentTrend> trends;  // in the order of the instruments' first results
  std::vector<ResultView> results;      // oldest first
};

// `results` as ListResults gives them (oldest first); `is_new`: the unreviewed ids.
PageResults ResultsView(std::span<const measures::MeasureResult> results, const IdSet& is_new,
                        const WhenFn& when);

// The page's results part as template data (measures.mustache): `trends` (each with its
// charts and tables: every result), `results` with their answers, newest first (the
// `latest` newest and any not yet reviewed; `older` counts those left to the tables),
// `flags` (the unreviewed flagged results) and `has_flags`.
inline constexpr std::size_t kLatestWithAnswers = 20;
void SetResultsData(TemplateData& d, const PageResults& view,
                    std::size_t latest = kLatestWithAnswers);

// The Today page's alerts: a raised flag urgent, any other new result a line; the alias
// only, a link to the client's questionnaires and the "Mark as reviewed" form.
std::vector<TodayAlert> TodayAlerts(std::span<const measures::NewResult> fresh,
                                    const WhenFn& when);

// The client's record page: a summary line per instrument, a banner per unreviewed flag,
// the Questionnaires tab.
ClientPageAddition ClientPageLines(const std::string& client_id,
                                   std::span<const measures::MeasureResult> results,
                                   const IdSet& is_new, const WhenFn& when);

}  // namespace alcove::web::measures_routes
