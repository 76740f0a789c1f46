// Micro-benchmarks of the per-request path that does not touch the network: target
// parsing, routing, and the whole middleware chain for a cheap route.
#include <benchmark/benchmark.h>

#include <spdlog/spdlog.h>

#include "core/clock.hpp"
#include "web/middleware.hpp"
#include "web/router.hpp"
#include "web/target.hpp"

namespace {

using namespace alcove::web;

const RouteOptions kOpen{.audience = Audience::Public()};

void BM_ParseTarget(benchmark::State& state) {
  for (auto _ : state) {
    auto t = ParseTarget("/api/v1/clients/7f3a9c0e1b2d4f60a8c9e7d6b5a4f3e2/notes?limit=50&before=123");
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_ParseTarget);

Router MakeRouter() {
  Router r;
  const char* patterns[] = {"/", "/healthz", "/api/v1/me", "/api/v1/clients",
                            "/api/v1/clients/{id}", "/api/v1/clients/{id}/notes",
                            "/api/v1/clients/{id}/export", "/api/v1/notes/{id}",
                            "/api/v1/summaries/{id}/review", "/api/v1/sessions/{id}",
                            "/api/v1/audit", "/static/{*path}"};
  for (const char* p : patterns) {
    r.Add("GET", p, [](Request&) { return Response{}; }, kOpen);
    r.Add("POST", p, [](Request&) { return Response{}; }, kOpen);
  }
  return r;
}

void BM_RouterMatch(benchmark::State& state) {
  const Router r = MakeRouter();
  const std::vector<std::string> segs = {"api", "v1", "clients", "7f3a9c0e", "notes"};
  for (auto _ : state) {
    auto m = r.Match("GET", segs);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_RouterMatch);

void BM_ChainHealthz(benchmark::State& state) {
  Router r = MakeRouter();
  r.Add(
      "GET", "/bench", [](Request&) { return Response::Json(200, R"({"status":"ok"})"); }, kOpen);
  const auto& clock = alcove::SystemClock::Instance();
  spdlog::set_level(spdlog::level::off);
  Chain chain({RequestIdAndAccessLog("https", clock), SecurityHeaders(), ErrorMapping(nullptr),
               Limits(nullptr)},
              RouteTo(r, nullptr));
  for (auto _ : state) {
    Request req;
    req.method = "GET";
    req.target = "/bench";
    auto res = chain(req);
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(BM_ChainHealthz);

}  // namespace
