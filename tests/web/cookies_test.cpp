#include "web/cookies.hpp"

#include <gtest/gtest.h>

namespace alcove::web {
namespace {

TEST(Cookies, SetCookieIsAlwaysHostPrefixedSecureHttpOnlyStrict) {
  Response r;
  SetCookie(r, "__Host-alcove_session", "abc-_123", std::chrono::seconds(3600));
  const auto v = r.headers.Get("Set-Cookie");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "__Host-alcove_session=abc-_123; Path=/; Secure; HttpOnly; SameSite=Strict; "
                "Max-Age=3600");
  EXPECT_TRUE(IsStrictCookie(*v));
}

TEST(Cookies, RefusesNamesWithoutHostPrefixAndUnsafeValues) {
  Response r;
  EXPECT_THROW(SetCookie(r, "alcove_session", "x"), std::invalid_argument);
  EXPECT_THROW(SetCookie(r, "__Host-", "x"), std::invalid_argument);
  EXPECT_THROW(SetCookie(r, "__Host-a", "x; Domain=evil"), std::invalid_argument);
  EXPECT_THROW(SetCookie(r, "__Host-a", "a b"), std::invalid_argument);
}

TEST(Cookies, StrictnessCheckCatchesEveryMissingAttribute) {
  EXPECT_FALSE(IsStrictCookie("__Host-a=1; Path=/; Secure; HttpOnly"));
  EXPECT_FALSE(IsStrictCookie("__Host-a=1; Path=/; Secure; SameSite=Strict"));
  EXPECT_FALSE(IsStrictCookie("__Host-a=1; Path=/; HttpOnly; SameSite=Strict"));
  EXPECT_FALSE(IsStrictCookie("__Host-a=1; Secure; HttpOnly; SameSite=Strict"));
  EXPECT_FALSE(IsStrictCookie("__Host-a=1; Path=/; Secure; HttpOnly; SameSite=Lax"));
  EXPECT_FALSE(IsStrictCookie("a=1; Path=/; Secure; HttpOnly; SameSite=Strict"));
  EXPECT_FALSE(
      IsStrictCookie("__Host-a=1; Path=/; Secure; HttpOnly; SameSite=Strict; Domain=x.org"));
}

TEST(Cookies, GetCookieReadsOneValueAndIgnoresDuplicates) {
  Request req;
  req.headers.Add("Cookie", "a=1; __Host-alcove_session=tok; b=2");
  EXPECT_EQ(GetCookie(req, "__Host-alcove_session"), "tok");
  EXPECT_EQ(GetCookie(req, "missing"), std::nullopt);
  req.headers.Add("Cookie", "__Host-alcove_session=other");
  EXPECT_EQ(GetCookie(req, "__Host-alcove_session"), std::nullopt);
}

}  // namespace
}  // namespace alcove::web
