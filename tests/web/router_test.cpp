#include "web/router.hpp"

#include <gtest/gtest.h>

#include "web/target.hpp"

namespace alcove::web {
namespace {

const RouteOptions kOpen{.audience = Audience::Public()};

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name); };
}

std::vector<std::string> Segs(std::string_view path) { return ParseTarget(path)->segments; }

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r_.Add("GET", "/", Named("root"), kOpen);
    r_.Add("GET", "/api/v1/clients", Named("list"), kOpen);
    r_.Add("POST", "/api/v1/clients", Named("create"), kOpen);
    r_.Add("GET", "/api/v1/clients/{id}", Named("get"), kOpen);
    r_.Add("DELETE", "/api/v1/clients/{id}", Named("delete"), kOpen);
    r_.Add("GET", "/api/v1/clients/export", Named("export-literal"), kOpen);
    r_.Add("GET", "/api/v1/clients/{id}/notes", Named("notes"), kOpen);
    r_.Add("GET", "/static/{*path}", Named("static"), kOpen);
  }
  std::string Call(const RouteMatch& m) {
    Request req;
    return m.route->handler(req).body;
  }
  Router r_;
};

TEST_F(RouterTest, MatchesLiteralsAndParameters) {
  auto m = r_.Match("GET", Segs("/api/v1/clients/abc123"));
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(Call(m), "get");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"id", "abc123"}));
  EXPECT_EQ(Call(r_.Match("GET", Segs("/"))), "root");
  EXPECT_EQ(Call(r_.Match("GET", Segs("/api/v1/clients/x/notes"))), "notes");
}

TEST_F(RouterTest, LiteralBeatsParameter) {
  EXPECT_EQ(Call(r_.Match("GET", Segs("/api/v1/clients/export"))), "export-literal");
}

TEST_F(RouterTest, RestParameterTakesTheRestOfThePath) {
  auto m = r_.Match("GET", Segs("/static/css/app.css"));
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(m.params[0].second, "css/app.css");
  EXPECT_EQ(r_.Match("GET", Segs("/static")).outcome, RouteMatch::Outcome::kNotFound);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(r_.Match("GET", Segs("/nope")).outcome, RouteMatch::Outcome::kNotFound);
  EXPECT_EQ(r_.Match("GET", Segs("/api/v1/clients/")).outcome, RouteMatch::Outcome::kNotFound);
  EXPECT_EQ(r_.Match("GET", Segs("/api/v1/clients/a/b/c")).outcome,
            RouteMatch::Outcome::kNotFound);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  auto m = r_.Match("PUT", Segs("/api/v1/clients/abc"));
  EXPECT_EQ(m.outcome, RouteMatch::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD");
  auto list = r_.Match("DELETE", Segs("/api/v1/clients"));
  EXPECT_EQ(list.allow, "GET, HEAD, POST");
}

TEST_F(RouterTest, HeadIsAnsweredByGet) {
  auto m = r_.Match("HEAD", Segs("/api/v1/clients"));
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::kFound);
  EXPECT_EQ(Call(m), "list");
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
  EXPECT_EQ(r_.Match("get", Segs("/")).outcome, RouteMatch::Outcome::kMethodNotAllowed);
}

TEST(Router, RefusesDuplicateAndMalformedPatterns) {
  Router r;
  r.Add("GET", "/a/{id}", Named("x"), kOpen);
  EXPECT_THROW(r.Add("GET", "/a/{id}", Named("y"), kOpen), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "a", Named("y"), kOpen), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "/{*rest}/x", Named("y"), kOpen), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "/a{b}", Named("y"), kOpen), std::invalid_argument);
}

}  // namespace
}  // namespace alcove::web
