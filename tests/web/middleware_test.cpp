#include "web/middleware.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "web/cookies.hpp"
#include "web/errors.hpp"
#include "web/client_address.hpp"
#include "web/connection_budget.hpp"
#include "web/framing.hpp"
#include "web/security_headers.hpp"

namespace alcove::web {
namespace {

const RouteOptions kOpen{.audience = Audience::Public()};

// Captures everything logged while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    spdlog::set_level(spdlog::level::trace);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(
        "GET", "/ok", [](Request&) { return Response::Text(200, "ok"); }, kOpen);
    router_.Add(
        "POST", "/ok", [](Request&) { return Response::Text(201, "made"); }, kOpen);
    router_.Add(
        "GET", "/boom", [](Request&) -> Response { throw std::runtime_error("kaboom"); }, kOpen);
    router_.Add(
        "GET", "/weak-cookie",
        [](Request&) {
          Response r = Response::Text(200, "x");
          r.headers.Add("Set-Cookie", "tracking=1; Path=/");
          SetCookie(r, "__Host-good", "v");
          return r;
        },
        kOpen);
    router_.Add(
        "GET", "/cached",
        [](Request&) {
          Response r = Response::Text(200, "x");
          r.headers.Set("Cache-Control", "no-cache");
          return r;
        },
        kOpen);
  }

  Response Send(std::string method, std::string target, std::optional<int> early = {}) {
    Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.early_status = early;
    return chain_(req);
  }

  FakeClock clock_{1'700'000'000'000'000};
  Router router_;
  Chain chain_{{RequestIdAndAccessLog("https", clock_), SecurityHeaders(), ErrorMapping(nullptr),
                Limits(nullptr)},
               RouteTo(router_, nullptr)};
};

void ExpectFullHeaderSet(const Response& r) {
  const auto hsts = r.headers.Get("Strict-Transport-Security");
  ASSERT_TRUE(hsts) << r.status;
  EXPECT_EQ(*hsts, kHsts);
  EXPECT_EQ(r.headers.Get("Content-Security-Policy"), kContentSecurityPolicy);
  EXPECT_EQ(r.headers.Get("X-Frame-Options"), "DENY");
  EXPECT_EQ(r.headers.Get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.headers.Get("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(r.headers.Get("Permissions-Policy"), kPermissionsPolicy);
  EXPECT_EQ(r.headers.Get("Cross-Origin-Opener-Policy"), "same-origin");
  EXPECT_EQ(r.headers.Get("Cross-Origin-Embedder-Policy"), "require-corp");
  EXPECT_EQ(r.headers.Get("Cross-Origin-Resource-Policy"), "same-origin");
  EXPECT_TRUE(r.headers.Get("X-Request-Id"));
}

// claim: C60
TEST_F(ChainTest, C60_EveryStatusCarriesTheSecurityHeaders) {
  LogCapture quiet;
  for (auto [method, target, early, status] :
       std::vector<std::tuple<std::string, std::string, std::optional<int>, int>>{
           {"GET", "/ok", {}, 200},
           {"POST", "/ok", {}, 201},
           {"GET", "/nope", {}, 404},
           {"DELETE", "/ok", {}, 405},
           {"GET", "/a%zz", {}, 400},
           {"GET", "/boom", {}, 500},
           {"POST", "/ok", 413, 413},
           {"GET", "/ok", 431, 431},
           {"GET", "/ok", 408, 408}}) {
    const Response r = Send(method, target, early);
    EXPECT_EQ(r.status, status) << method << " " << target;
    ExpectFullHeaderSet(r);
  }
}

TEST_F(ChainTest, DynamicResponsesAreNotStoredButHandlersMayChoose) {
  EXPECT_EQ(Send("GET", "/ok").headers.Get("Cache-Control"), "no-store");
  EXPECT_EQ(Send("GET", "/cached").headers.Get("Cache-Control"), "no-cache");
}

TEST_F(ChainTest, MethodNotAllowedListsAllowedMethods) {
  const Response r = Send("PUT", "/ok");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.Get("Allow"), "GET, HEAD, POST");
}

TEST_F(ChainTest, ExceptionBecomesGeneric500AndIsLoggedWithoutDetailToClient) {
  LogCapture log;
  const Response r = Send("GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("kaboom"), std::string::npos);
  EXPECT_NE(log.text().find("kaboom"), std::string::npos);
}

TEST_F(ChainTest, EarlyFailuresCloseTheConnection) {
  EXPECT_TRUE(Send("POST", "/ok", 413).close);
  EXPECT_FALSE(Send("GET", "/ok").close);
}

TEST_F(ChainTest, WeakCookiesAreDroppedStrictOnesKept) {
  LogCapture log;
  const Response r = Send("GET", "/weak-cookie");
  int cookies = 0;
  for (const auto& [k, v] : r.headers.all()) {
    if (EqualsIgnoreCase(k, "Set-Cookie")) {
      ++cookies;
      EXPECT_TRUE(v.starts_with("__Host-good="));
    }
  }
  EXPECT_EQ(cookies, 1);
  EXPECT_NE(log.text().find("non-strict cookie"), std::string::npos);
}

TEST_F(ChainTest, AccessLogHasRoutePatternNotTargetQueryOrHeaders) {
  router_.Add(
      "GET", "/api/v1/clients/{id}", [](Request&) { return Response::Text(200, "x"); }, kOpen);
  LogCapture log;
  Request req;
  req.method = "GET";
  req.target = "/api/v1/clients/c0ffee?token=SECRETTOKEN";
  req.headers.Add("Cookie", "__Host-alcove_session=COOKIEVALUE");
  req.headers.Add("Authorization", "Bearer AUTHVALUE");
  req.body = "BODYCONTENT";
  const Response r = chain_(req);
  EXPECT_EQ(r.status, 200);
  const std::string text = log.text();
  EXPECT_NE(text.find("route=/api/v1/clients/{id}"), std::string::npos) << text;
  EXPECT_NE(text.find("status=200"), std::string::npos);
  EXPECT_NE(text.find("method=GET"), std::string::npos);
  EXPECT_NE(text.find("id=" + req.request_id), std::string::npos);
  for (const char* secret : {"SECRETTOKEN", "c0ffee", "COOKIEVALUE", "AUTHVALUE", "BODYCONTENT"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }
}

TEST_F(ChainTest, OddMethodsAreNotWrittenToTheLog) {
  LogCapture log;
  Send("GET\x1b[31mRED", "/ok");
  EXPECT_EQ(log.text().find("RED"), std::string::npos);
  EXPECT_NE(log.text().find("method=?"), std::string::npos);
}

TEST_F(ChainTest, RequestIdsAreDistinct) {
  const auto a = Send("GET", "/ok").headers.Get("X-Request-Id");
  const auto b = Send("GET", "/ok").headers.Get("X-Request-Id");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 24u);
  EXPECT_NE(*a, *b);
}

TEST_F(ChainTest, ApiErrorsAreJsonPagesAreNot) {
  const Response api = Send("GET", "/api/v1/missing");
  EXPECT_EQ(api.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(api.body,
            R"({"error":{"code":"not_found","message":"There is nothing at this address."}})");
  const Response page = Send("GET", "/missing");
  EXPECT_NE(page.headers.Get("Content-Type")->find("text/"), std::string::npos);
}

}  // namespace
}  // namespace alcove::web

namespace alcove::web {
namespace {

Headers Make(std::initializer_list<std::pair<std::string, std::string>> kv) {
  Headers h;
  for (const auto& [k, v] : kv) {
    h.Add(k, v);
  }
  return h;
}

TEST(Framing, OnlyUnambiguousFramingPasses) {
  EXPECT_FALSE(FramingProblem(Make({{"Host", "a"}}), 11));
  EXPECT_FALSE(FramingProblem(Make({{"Host", "a"}, {"Content-Length", " 12 "}}), 11));
  EXPECT_FALSE(FramingProblem(Make({{"host", "a"}, {"transfer-encoding", "Chunked"}}), 11));
  EXPECT_FALSE(FramingProblem(Make({}), 10));
  EXPECT_TRUE(FramingProblem(Make({}), 11));
  EXPECT_TRUE(FramingProblem(Make({{"Host", "a"}, {"Host", "b"}}), 11));
  EXPECT_TRUE(FramingProblem(
      Make({{"Host", "a"}, {"Content-Length", "1"}, {"Transfer-Encoding", "chunked"}}), 11));
  EXPECT_TRUE(FramingProblem(Make({{"Host", "a"}, {"Transfer-Encoding", "gzip, chunked"}}), 11));
  EXPECT_TRUE(FramingProblem(Make({{"Host", "a"}, {"Transfer-Encoding", "identity"}}), 11));
  EXPECT_TRUE(
      FramingProblem(Make({{"Host", "a"}, {"Content-Length", "1"}, {"Content-Length", "1"}}), 11));
  EXPECT_TRUE(FramingProblem(Make({{"Host", "a"}, {"Content-Length", "+1"}}), 11));
  EXPECT_TRUE(FramingProblem(Make({{"Host", "a"}, {"Content-Length", ""}}), 11));
}

TEST(RetryAfter, Every429And503SaysWhenToComeBack) {
  Request req;
  req.target = "/api/v1/x";
  for (const int status : {429, 503}) {
    const Response res = ErrorResponse(req, nullptr, status, "x", "y");
    EXPECT_TRUE(res.headers.Has("Retry-After")) << status;
  }
  EXPECT_TRUE(ErrorResponse(req, nullptr, Error::Make(ErrorCode::kResourceExhausted, "pool busy"))
                  .headers.Has("Retry-After"));
  EXPECT_TRUE(ErrorResponse(req, nullptr, Error::Make(ErrorCode::kUnavailable, "queue full"))
                  .headers.Has("Retry-After"));
  EXPECT_FALSE(ErrorResponse(req, nullptr, 404, "not_found", "n").headers.Has("Retry-After"));
}

// C30: the wait a throttled person is told is the wait Retry-After says, in words.
TEST(RetryAfter, C30TheWaitInWordsIsTheRetryAfterWait) {
  EXPECT_EQ(WaitInWords(1), "Wait a second, then try again.");
  EXPECT_EQ(WaitInWords(40), "Wait 40 seconds, then try again.");
  EXPECT_EQ(WaitInWords(90), "Wait 2 minutes, then try again.");
  EXPECT_EQ(WaitInWords(600), "Wait 10 minutes, then try again.");
  Request api;
  api.target = "/api/v1/auth/magic-link";
  api.path = api.target;
  const Response json = RateLimitedResponse(api, nullptr, 40);
  EXPECT_EQ(json.status, 429);
  EXPECT_EQ(json.headers.Get("Retry-After"), "40");
  EXPECT_NE(json.body.find("Wait 40 seconds"), std::string::npos) << json.body;
  EXPECT_EQ(RateLimitedResponse(api, nullptr, 0).headers.Get("Retry-After"), "1");
}

}  // namespace
}  // namespace alcove::web

namespace alcove::web {
namespace {

TEST(ConnectionBudgetC14, AddressesGroupAndBudgetsCap) {
  EXPECT_EQ(AddressGroup("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressGroup("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressGroup("2001:db8:1:2:aaaa::1"), AddressGroup("2001:db8:1:2:bbbb::9"));
  EXPECT_NE(AddressGroup("2001:db8:1:2::1"), AddressGroup("2001:db8:1:3::1"));
  ConnectionBudget budget(2);
  EXPECT_TRUE(budget.TryAcquire("a"));
  EXPECT_TRUE(budget.TryAcquire("a"));
  EXPECT_FALSE(budget.TryAcquire("a"));
  EXPECT_TRUE(budget.TryAcquire("b")) << "each address has its own budget";
  budget.Release("a");
  EXPECT_TRUE(budget.TryAcquire("a"));
  EXPECT_EQ(budget.open("a"), 2u);
}

TEST(ConnectionBudgetC14, RefusalsAreLoggedAtABoundedRate) {
  RefusalLog log(std::chrono::seconds(10));
  const auto t0 = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  EXPECT_EQ(log.Count(t0), 1u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(log.Count(t0 + std::chrono::milliseconds(i)), 0u);
  }
  EXPECT_EQ(log.Count(t0 + std::chrono::seconds(11)), 1001u) << "one line counts them all";
}

}  // namespace
}  // namespace alcove::web

namespace alcove::web {
namespace {

TEST(TrustedProxies, OnlyATrustedPeersForwardedForIsBelieved) {
  auto trusted = TrustedProxies::Parse(" 10.0.0.5, ::1 ");
  ASSERT_TRUE(trusted);
  EXPECT_TRUE(trusted->Contains("10.0.0.5"));
  EXPECT_TRUE(trusted->Contains("::1"));
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.5, proxy.example"));
  // Not a trusted peer: its header is ignored.
  EXPECT_EQ(ClientAddress("192.0.2.9", "203.0.113.1", *trusted), "192.0.2.9");
  // A trusted peer: the right-most entry that is not a trusted proxy is the client; the
  // left-most entries are the client's own words and never believed.
  EXPECT_EQ(ClientAddress("10.0.0.5", "203.0.113.1", *trusted), "203.0.113.1");
  EXPECT_EQ(ClientAddress("10.0.0.5", "1.2.3.4, 203.0.113.1", *trusted), "203.0.113.1");
  EXPECT_EQ(ClientAddress("10.0.0.5", "203.0.113.1, ::1", *trusted), "203.0.113.1");
  EXPECT_EQ(ClientAddress("10.0.0.5", "2001:DB8::1", *trusted), "2001:db8::1");
  // Malformed where the client should be, or no header: the proxy itself.
  EXPECT_EQ(ClientAddress("10.0.0.5", "nonsense", *trusted), "10.0.0.5");
  EXPECT_EQ(ClientAddress("10.0.0.5", std::nullopt, *trusted), "10.0.0.5");
  EXPECT_EQ(ClientAddress("10.0.0.5", "10.0.0.5", *trusted), "10.0.0.5");
}

}  // namespace
}  // namespace alcove::web
