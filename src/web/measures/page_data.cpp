#include "web/measures/page_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "measures/instruments.hpp"
#include "web/measures/trend_chart.hpp"

namespace alcove::web::measures_routes {
namespace {

using measures::Instrument;
using measures::MeasureResult;
using measures::ScaleChange;
using measures::Score;

std::string Capital(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') {
    s[0] = static_cast<char>(s[0] - 'a' + 'A');
  }
  return s;
}

// "12, moderate" for a one-scale instrument; "Depression 12, mild; Anxiety 8, normal".
std::string ScoresWords(const Instrument& in, const Score& score) {
  if (score.scales.size() == 1) {
    return fmt::format("{}, {}", score.scales[0].value, score.scales[0].band);
  }
  std::string out;
  for (std::size_t i = 0; i < score.scales.size(); ++i) {
    const auto& s = score.scales[i];
    const std::string name = i < in.scales.size() ? Capital(in.scales[i].id) : s.scale_id;
    out += fmt::format("{}{} {}, {}", i == 0 ? "" : "; ", name, s.value, s.band);
  }
  return out;
}

std::string FlagsWords(const Score& score) {
  std::string out;
  for (const auto& f : score.flags) {
    out += fmt::format("{}{} (item {})", out.empty() ? "" : ", ", f.words, f.item);
  }
  return out;
}

// "5 points lower than the first"; with the instrument's rule, "(a meaningful change)"
// and ", a response (50 % or more below the first)".
std::string SinceFirstWords(const Instrument& in, const ScaleChange& c) {
  std::string out;
  if (c.since_first == 0) {
    out = "the same as the first";
  } else {
    const int n = std::abs(c.since_first);
    out = fmt::format("{} point{} {} than the first", n, n == 1 ? "" : "s",
                      c.since_first < 0 ? "lower" : "higher");
  }
  if (c.meaningful_since_first.value_or(false)) {
    out += " (a meaningful change)";
  }
  if (c.response.value_or(false) && in.change && in.change->response_percent) {
    out += fmt::format(", a response ({} % or more below the first)", *in.change->response_percent);
  }
  return out;
}

}  // namespace

std::string DayOf(const std::string& when_words) {
  const auto comma = when_words.find(", ");
  if (comma != std::string::npos) {
    return when_words.substr(0, comma);
  }
  return when_words.substr(0, std::min<std::size_t>(when_words.size(), 10));
}

PageResults ResultsView(std::span<const MeasureResult> results, const IdSet& is_new,
                        const WhenFn& when) {
  PageResults out;
  out.results.reserve(results.size());
  std::map<std::string, std::size_t, std::less<>> trend_of;  // instrument -> index
  for (const MeasureResult& r : results) {
    const Instrument* in = measures::FindInstrument(r.instrument_id);
    if (in == nullptr) {
      continue;  // ListResults refuses such results; nothing to show
    }
    ResultView v;
    v.id = r.id;
    v.instrument = in;
    v.when = when(r.submitted_at);
    v.day = DayOf(v.when);
    v.scores = ScoresWords(*in, r.score);
    v.flags = FlagsWords(r.score);
    v.is_new = is_new.contains(r.id);
    if (r.change.empty()) {
      v.change = "The first result.";
    } else {
      std::string words;
      for (std::size_t i = 0; i < r.change.size(); ++i) {
        const std::string& w = r.change[i].words;
        words += r.score.scales.size() == 1
                     ? Capital(w)
                     : fmt::format("{}{}: {}", i == 0 ? "" : " ", Capital(r.change[i].scale_id), w);
      }
      v.change = words;
    }
    // The answers, with each item's words and the chosen option's.
    const auto& values = r.answers.reveal();
    for (const measures::Item& item : in->items) {
      AnswerView a;
      a.number = item.number;
      a.text = item.text;
      const auto index = static_cast<std::size_t>(item.number - 1);
      const std::uint8_t value = index < values.size() ? values[index] : measures::kNoAnswer;
      a.answer = "Not answered";
      for (const auto& o : item.options) {
        if (value != measures::kNoAnswer && o.value == value) {
          a.answer = o.label;
          a.value = std::to_string(o.value);
        }
      }
      a.flagged = std::ranges::any_of(r.score.flags,
                                      [&](const measures::RaisedFlag& f) { return f.item == item.number; });
      v.answers.push_back(std::move(a));
    }

    // The instrument's trend.
    auto it = trend_of.find(in->id);
    if (it == trend_of.end()) {
      InstrumentTrend t;
      t.instrument = in;
      for (const auto& s : in->scales) {
        t.scales.push_back(ScaleTrend{.scale = &s, .points = {}, .rows = {}});
      }
      it = trend_of.emplace(in->id, out.trends.size()).first;
      out.trends.push_back(std::move(t));
    }
    InstrumentTrend& t = out.trends[it->second];
    for (std::size_t s = 0; s < t.scales.size() && s < r.score.scales.size(); ++s) {
      const auto& sc = r.score.scales[s];
      t.scales[s].points.push_back(TrendPoint{.day = v.day, .value = sc.value, .band = sc.band});
      const ScaleChange* c = s < r.change.size() ? &r.change[s] : nullptr;
      t.scales[s].rows.push_back(TrendRow{.date = v.day,
                                          .value = sc.value,
                                          .band = sc.band,
                                          .change = c != nullptr ? Capital(c->words) : "First result"});
    }
    // The summary: the latest result, its change from the first.
    std::string change = "the first result";
    if (!r.change.empty()) {
      change = SinceFirstWords(*in, r.change.front());
    }
    t.summary = r.score.scales.size() == 1
                    ? fmt::format("{}: {}, {} — {}", in->short_title, v.scores, change, v.day)
                    : fmt::format("{}: {} — {}", in->short_title, v.scores, v.day);
    out.results.push_back(std::move(v));
  }
  return out;
}

std::vector<TodayAlert> TodayAlerts(std::span<const measures::NewResult> fresh, const WhenFn& when) {
  std::vector<TodayAlert> urgent;
  std::vector<TodayAlert> lines;
  for (const auto& n : fresh) {
    const Instrument* in = measures::FindInstrument(n.instrument_id);
    const std::string name = in != nullptr ? in->short_title : n.instrument_id;
    const std::string day = DayOf(when(n.submitted_at));
    TodayAlert a{.text = "",
                 .href = "/clients/" + n.client_id + "/measures#results",
                 .label = "Open the questionnaires",
                 .action = "/measures/results/" + n.id + "/review",
                 .action_label = "Mark as reviewed",
                 .urgent = !n.score.flags.empty()};
    if (a.urgent) {
      a.text = fmt::format("{}: the {} of {} raised a flag: {}.", n.alias, name, day,
                           FlagsWords(n.score));
      urgent.push_back(std::move(a));
    } else {
      a.text = fmt::format("{} filled in the {} ({}).", n.alias, name, day);
      lines.push_back(std::move(a));
    }
  }
  urgent.insert(urgent.end(), lines.begin(), lines.end());
  return urgent;
}

ClientPageAddition ClientPageLines(const std::string& client_id,
                                   std::span<const MeasureResult> results, const IdSet& is_new,
                                   const WhenFn& when) {
  ClientPageAddition out;
  out.heading = "Questionnaires";
  out.tab_label = "Questionnaires";
  out.tab_href = "/clients/" + client_id + "/measures";
  const PageResults view = ResultsView(results, is_new, when);
  for (const InstrumentTrend& t : view.trends) {
    out.lines.push_back(t.summary);
  }
  for (const ResultView& r : view.results) {
    if (r.is_new && !r.flags.empty()) {
      out.alerts.push_back(fmt::format("The {} of {} raised a flag: {}. Open the questionnaires "
                                       "to see the answers and mark it as reviewed.",
                                       r.instrument->short_title, r.day, r.flags));
    }
  }
  return out;
}

namespace {
TemplateData ListOf(std::vector<TemplateData>& items) {
  TemplateData out{TemplateData::type::list};
  for (auto& i : items) {
    out.push_back(i);
  }
  return out;
}
}  // namespace

void SetResultsData(TemplateData& d, const PageResults& view, std::size_t latest) {
  std::vector<TemplateData> trends;
  for (const InstrumentTrend& t : view.trends) {
    TemplateData td;
    td.set("instrument", t.instrument->short_title);
    td.set("title", t.instrument->title);
    std::vector<TemplateData> scales;
    for (std::size_t s = 0; s < t.scales.size(); ++s) {
      const ScaleTrend& st = t.scales[s];
      TemplateData sd;
      sd.set("label", st.scale->label);
      sd.set("chart", TrendChartSvg(*st.scale, st.points,
                                    fmt::format("trend-{}-{}", t.instrument->id, st.scale->id),
                                    st.scale->label));
      std::vector<TemplateData> rows;
      for (const TrendRow& r : st.rows) {
        TemplateData rd;
        rd.set("date", r.date);
        rd.set("value", std::to_string(r.value));
        rd.set("band", r.band);
        rd.set("change", r.change);
        rows.push_back(rd);
      }
      sd.set("rows", ListOf(rows));
      scales.push_back(sd);
    }
    td.set("scales", ListOf(scales));
    td.set("summary", t.summary);
    trends.push_back(td);
  }
  d.set("trends", ListOf(trends));

  std::vector<TemplateData> flags;
  std::vector<TemplateData> list;
  std::size_t older = 0;
  for (auto it = view.results.rbegin(); it != view.results.rend(); ++it) {  // newest first
    const ResultView& r = *it;
    // The latest ones and every one not yet reviewed; the others are in the tables.
    if (list.size() >= latest && !r.is_new) {
      ++older;
      continue;
    }
    TemplateData rd;
    rd.set("id", r.id);
    rd.set("instrument", r.instrument->short_title);
    rd.set("when", r.when);
    rd.set("scores", r.scores);
    rd.set("change", r.change);
    if (!r.flags.empty()) {
      rd.set("flags", r.flags);
    }
    if (r.is_new) {
      rd.set("is_new", true);
    }
    // Answers for the latest ones and any flagged one; a new result further down is listed
    // to be marked reviewed, its answers a link away (200 new results were 1.2 MB).
    if (list.size() >= latest && r.flags.empty()) {
      rd.set("answers_elsewhere", true);
      list.push_back(rd);
      continue;
    }
    std::vector<TemplateData> answers;
    for (const AnswerView& a : r.answers) {
      TemplateData ad;
      ad.set("number", std::to_string(a.number));
      ad.set("text", a.text);
      ad.set("answer", a.answer);
      ad.set("value", a.value);
      if (a.flagged) {
        ad.set("flagged", true);
      }
      answers.push_back(ad);
    }
    rd.set("answers", ListOf(answers));
    if (r.is_new && !r.flags.empty()) {
      TemplateData fd;
      fd.set("id", r.id);
      fd.set("text", fmt::format("The {} of {} raised a flag: {}.", r.instrument->short_title,
                                 r.when, r.flags));
      flags.push_back(fd);
    }
    list.push_back(rd);
  }
  d.set("flags", ListOf(flags));
  d.set("has_flags", !flags.empty());
  d.set("results", ListOf(list));
  if (older > 0) {
    d.set("older", std::to_string(older));
  }
}

}  // namespace alcove::web::measures_routes
