#include "web/target.hpp"

#include <gtest/gtest.h>

namespace alcove::web {
namespace {

TEST(ParseTarget, SplitsAndDecodesSegmentsAndQuery) {
  auto t = ParseTarget("/api/v1/clients/a%20b/x%2Fy?limit=5&name=J+D&flag&e=%3D");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->segments, (std::vector<std::string>{"api", "v1", "clients", "a b", "x/y"}));
  ASSERT_EQ(t->query.size(), 4u);
  EXPECT_EQ(t->query[0], (std::pair<std::string, std::string>{"limit", "5"}));
  EXPECT_EQ(t->query[1].second, "J D");
  EXPECT_EQ(t->query[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(t->query[3].second, "=");
}

TEST(ParseTarget, RootHasNoSegments) {
  auto t = ParseTarget("/");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->segments.empty());
  EXPECT_EQ(t->path, "/");
}

TEST(ParseTarget, KeepsEmptySegmentsSoTheyDoNotMatchRoutes) {
  auto t = ParseTarget("/a//b/");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->segments, (std::vector<std::string>{"a", "", "b", ""}));
}

TEST(ParseTarget, RefusesDotSegmentsPlainOrEncoded) {
  for (const char* raw : {"/static/../x", "/static/./x", "/static/%2e%2e/x", "/static/%2E%2e/x",
                          "/static/.%2e/x", "/..", "/a/%2e"}) {
    EXPECT_FALSE(ParseTarget(raw)) << raw;
  }
  // Dots inside a name are fine.
  EXPECT_TRUE(ParseTarget("/static/app.min.css"));
  EXPECT_TRUE(ParseTarget("/static/...x"));
}

TEST(ParseTarget, RefusesNulAndControlBytes) {
  EXPECT_FALSE(ParseTarget("/a%00b"));
  EXPECT_FALSE(ParseTarget(std::string_view("/a\0b", 4)));
  EXPECT_FALSE(ParseTarget("/a%0d%0aSet-Cookie:x"));
  EXPECT_FALSE(ParseTarget("/a?x=%00"));
  EXPECT_FALSE(ParseTarget("/a b"));
}

TEST(ParseTarget, RefusesNonOriginFormAndFragments) {
  EXPECT_FALSE(ParseTarget(""));
  EXPECT_FALSE(ParseTarget("*"));
  EXPECT_FALSE(ParseTarget("https://evil.example/"));
  EXPECT_FALSE(ParseTarget("/a#b"));
}

TEST(ParseTarget, RefusesBrokenPercentEscapes) {
  for (const char* raw : {"/a%", "/a%2", "/a%zz", "/a?%", "/a?x=%g0"}) {
    EXPECT_FALSE(ParseTarget(raw)) << raw;
  }
}

TEST(ParseTarget, ErrorsHaveAGenericPublicMessage) {
  auto t = ParseTarget("/a%00secret-note-text");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().public_message.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace alcove::web
