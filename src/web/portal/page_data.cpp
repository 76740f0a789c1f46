// What the portal's pages show (page_data.hpp).
#include "web/portal/page_data.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "measures/instruments.hpp"
#include "web/measures/trend_chart.hpp"
#include "web/page_words.hpp"

namespace alcove::web::portal_routes {
namespace {

using portal::PortalItem;
using portal::ShareKind;

// "Wed 2 Dec 2026": a trend's days, as the chart and its table show them.
std::string DayOfTime(Micros t) { return DayInWords(FormatRfc3339(t).substr(0, 10)); }

const measures::Scale* ScaleOf(const measures::Instrument* in, std::string_view scale_id) {
  if (in == nullptr) {
    return nullptr;
  }
  const auto it =
      std::ranges::find_if(in->scales, [&](const measures::Scale& s) { return s.id == scale_id; });
  return it == in->scales.end() ? nullptr : &*it;
}

std::string BandOf(const measures::Scale* scale, int value) {
  if (scale == nullptr) {
    return "";
  }
  for (const measures::Band& b : scale->bands) {
    if (value >= b.min && value <= b.max) {
      return b.words;
    }
  }
  return "";
}

// One series of a trend: the chart (as the therapist's questionnaires page draws it) and
// the same numbers as a table.
TemplateData SeriesData(const portal::TrendSeries& series, const measures::Instrument* in,
                        std::size_t index) {
  const measures::Scale* scale = ScaleOf(in, series.scale_id);
  std::vector<measures_routes::TrendPoint> points;
  std::vector<TemplateData> rows;
  for (const portal::TrendPoint& p : series.points) {
    const std::string day = DayOfTime(p.submitted_at);
    const std::string band = BandOf(scale, p.value);
    points.push_back(measures_routes::TrendPoint{.day = day, .value = p.value, .band = band});
    TemplateData r;
    r.set("date", day);
    r.set("value", std::to_string(p.value));
    r.set("max", std::to_string(series.max));
    r.set("band", band);
    rows.push_back(r);
  }
  std::reverse(rows.begin(), rows.end());  // the table newest first
  TemplateData d;
  d.set("label", series.label);
  d.set("table_id", fmt::format("series-{}", index));
  if (scale != nullptr) {
    d.set("chart", measures_routes::TrendChartSvg(*scale, points, fmt::format("trend-{}", index),
                                                  series.label));
  }
  d.set("rows", TemplateList(rows));
  d.set("min", std::to_string(series.min));
  d.set("max", std::to_string(series.max));
  return d;
}

}  // namespace

TemplateData TemplateList(std::vector<TemplateData>& items) {
  TemplateData out{TemplateData::type::list};
  for (auto& i : items) {
    out.push_back(std::move(i));
  }
  return out;
}

WhenFn PortalTimeWords(Micros now) {
  return [now](Micros t) { return TimeInWords(t, now); };
}

HomeLinks PreviewLinks(std::string_view client_id) {
  return HomeLinks{.item_base = "/clients/" + std::string(client_id) + "/portal-view/items/",
                   .read_only = true};
}

std::string KindWords(ShareKind kind) {
  switch (kind) {
    case ShareKind::kSummary:
      return "A summary from your therapist";
    case ShareKind::kResult:
      return "A questionnaire result";
    case ShareKind::kTrend:
      return "A questionnaire over time";
  }
  return "";
}

TemplateData HomeBodyData(const portal::PortalView& view, const WhenFn& when,
                          const HomeLinks& links) {
  TemplateData d;
  d.set("practice", view.practice_name);
  std::vector<TemplateData> items;
  for (const PortalItem& item : view.items) {
    TemplateData i;
    i.set("id", item.id);
    i.set("href", links.item_base + item.id);
    i.set("title", item.title.empty() ? KindWords(item.kind) : item.title);
    i.set("kind", std::string(portal::ShareKindName(item.kind)));
    i.set("shared", when(item.shared_at));
    i.set("opened", item.opened());
    items.push_back(i);
  }
  d.set("has_items", !items.empty());
  d.set("items", TemplateList(items));
  std::vector<TemplateData> waiting;
  for (const portal::PendingQuestionnaire& q : view.questionnaires) {
    TemplateData w;
    w.set("title", q.title);
    w.set("questions", std::to_string(q.items));
    w.set("asked", when(q.assigned_at));
    w.set("until", when(q.expires_at));
    if (!links.read_only) {
      w.set("href", "/portal/questionnaires/" + q.assignment_id);
    }
    waiting.push_back(w);
  }
  d.set("has_questionnaires", !waiting.empty());
  d.set("questionnaires", TemplateList(waiting));
  d.set("read_only", links.read_only);
  return d;
}

TemplateData ItemBodyData(const PortalItem& item, const WhenFn& when) {
  TemplateData d;
  d.set("title", item.title.empty() ? KindWords(item.kind) : item.title);
  d.set("shared", when(item.shared_at));
  switch (item.kind) {
    case ShareKind::kSummary:
      d.set("summary", true);
      d.set("text", item.text ? item.text->reveal() : std::string());
      if (item.reviewed_at) {
        d.set("reviewed", when(*item.reviewed_at));
      }
      break;
    case ShareKind::kResult: {
      d.set("result", true);
      d.set("instrument", item.instrument_title);
      if (item.submitted_at) {
        d.set("submitted", when(*item.submitted_at));
      }
      std::vector<TemplateData> scales;
      for (const portal::SharedScale& s : item.scales) {
        TemplateData sc;
        sc.set("label", s.label);
        sc.set("value", std::to_string(s.value));
        sc.set("min", std::to_string(s.min));
        sc.set("max", std::to_string(s.max));
        sc.set("band", s.band);
        scales.push_back(sc);
      }
      d.set("scales", TemplateList(scales));
      break;
    }
    case ShareKind::kTrend: {
      d.set("trend", true);
      d.set("instrument", item.instrument_title);
      const measures::Instrument* in = measures::FindInstrument(item.instrument_id);
      std::vector<TemplateData> series;
      for (std::size_t i = 0; i < item.trend.size(); ++i) {
        series.push_back(SeriesData(item.trend[i], in, i));
      }
      d.set("series", TemplateList(series));
      break;
    }
  }
  return d;
}

TemplateData SessionsData(std::span<const identity::SessionInfo> sessions, const WhenFn& when) {
  std::vector<TemplateData> list;
  for (const identity::SessionInfo& s : sessions) {
    TemplateData i;
    i.set("device", BrowserInWords(s.user_agent));
    i.set("last_seen", when(s.last_seen_at));
    i.set("current", s.current);
    list.push_back(i);
  }
  TemplateData d;
  d.set("sessions", TemplateList(list));
  d.set("count", std::to_string(list.size()));
  d.set("several", list.size() > 1);
  return d;
}

}  // namespace alcove::web::portal_routes
