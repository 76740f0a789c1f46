// The questionnaires page of a client with 200 results (docs/performance.md § The
// questionnaires page): from the decrypted results (as Measures::ListResults gives them)
// to the page's HTML — the words and the trend (ResultsView), the chart's SVG and the
// whole template render (SetResultsData, measures.mustache in the layout). The database
// and the decryption are not in it (bench/crypto_bench.cpp has a field's open).
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <filesystem>

#include "measures/instruments.hpp"
#include "measures/scoring.hpp"
#include "web/measures/page_data.hpp"
#include "web/measures/trend_chart.hpp"
#include "web/templates.hpp"

namespace {

using namespace alcove;
using namespace alcove::web::measures_routes;

// `n` PHQ-9 results, oldest first, with their change from the first and the previous,
// as ListResults makes them; every tenth with item 9 at 1.
std::vector<measures::MeasureResult> Results(int n) {
  const measures::Instrument& in = *measures::FindInstrument("phq-9");
  std::vector<measures::MeasureResult> out;
  for (int i = 0; i < n; ++i) {
    std::vector<std::uint8_t> v(10, 0);
    for (std::size_t k = 0; k < 8; ++k) {
      v[k] = static_cast<std::uint8_t>((i + k) % 4);
    }
    v[8] = i % 10 == 0 ? 1 : 0;
    v[9] = 1;
    measures::MeasureResult r;
    r.id = fmt::format("{:032x}", i);
    r.instrument_id = in.id;
    r.instrument_version = in.version;
    r.submitted_at = 1'780'000'000'000'000 + static_cast<Micros>(i) * 7 * 86'400'000'000;
    r.answers = measures::Answers(v);
    r.score = *measures::ScoreAnswers(in, r.answers);
    if (!out.empty()) {
      r.change = *measures::CompareScores(in, out.front().score, out.back().score, r.score);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string When(Micros t) { return fmt::format("Tue {} Dec, 9:00 AM", t % 28 + 1); }

void BM_MeasuresResultsView(benchmark::State& state) {
  const auto results = Results(static_cast<int>(state.range(0)));
  const IdSet is_new;
  for (auto _ : state) {
    auto view = ResultsView(results, is_new, When);
    benchmark::DoNotOptimize(view);
  }
}
BENCHMARK(BM_MeasuresResultsView)->Arg(200);

void BM_MeasuresTrendChart(benchmark::State& state) {
  const auto results = Results(static_cast<int>(state.range(0)));
  const auto view = ResultsView(results, {}, When);
  const auto& trend = view.trends.front().scales.front();
  for (auto _ : state) {
    auto svg = TrendChartSvg(*trend.scale, trend.points, "trend", "PHQ-9 total score");
    benchmark::DoNotOptimize(svg);
  }
}
BENCHMARK(BM_MeasuresTrendChart)->Arg(200);

// The whole page's rendering: words, chart, every result's answers, the template.
void BM_MeasuresPageRender(benchmark::State& state) {
  const auto results = Results(static_cast<int>(state.range(0)));
  auto templates =
      web::Templates::Load(std::filesystem::path(ALCOVE_BENCH_SOURCE_DIR) / "web" / "templates");
  if (!templates) {
    state.SkipWithError(templates.error().internal.c_str());
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    web::TemplateData d;
    d.set("id", std::string(32, 'a'));
    d.set("client_id", std::string(32, 'a'));
    d.set("alias", "T.W.");
    SetResultsData(d, ResultsView(results, {}, When));
    d.set("has_results", true);
    auto html = (*templates)->RenderPage("measures", "T.W. · Questionnaires · Alcove", d);
    bytes = html.size();
    benchmark::DoNotOptimize(html);
  }
  state.counters["html_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_MeasuresPageRender)->Arg(200)->Unit(benchmark::kMillisecond);

}  // namespace
