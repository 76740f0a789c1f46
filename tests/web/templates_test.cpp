#include "web/templates.hpp"

#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace alcove::web {
namespace {

std::filesystem::path RealTemplates() {
  return std::filesystem::path(ALCOVE_SOURCE_DIR) / "web/templates";
}

TEST(Templates, ValuesAreHtmlEscapedByDefault) {
  auto t = Templates::Load(RealTemplates());
  ASSERT_TRUE(t) << t.error().internal;
  TemplateData data;
  data.set("status", "400");
  data.set("reason", "Bad");
  data.set("message", "<script>alert('x')</script>&\"");
  const std::string html = (*t)->RenderPage("error", "<script>t</script>", data);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&amp;&quot;"),
            std::string::npos);
  EXPECT_NE(html.find("<title>&lt;script&gt;t&lt;/script&gt;</title>"), std::string::npos);
}

TEST(Templates, EveryPageUsesTheLayoutAndItsStylesheet) {
  auto t = Templates::Load(RealTemplates());
  ASSERT_TRUE(t);
  const std::string html = (*t)->RenderPage("index", "Alcove", {});
  EXPECT_TRUE(html.starts_with("<!doctype html>"));
  EXPECT_NE(html.find("/static/app.css"), std::string::npos);
  EXPECT_NE(html.find("name=\"viewport\""), std::string::npos);
}

TEST(Templates, NoTemplateHasInlineScriptOrStyle) {
  // The CSP forbids inline script and style; a template that used them would break.
  for (const auto& e : std::filesystem::directory_iterator(RealTemplates())) {
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("<script>"), std::string::npos) << e.path();
    EXPECT_EQ(text.find("<style"), std::string::npos) << e.path();
    EXPECT_EQ(text.find(" style="), std::string::npos) << e.path();
    EXPECT_FALSE(std::regex_search(text, std::regex(R"(\son[a-z]+\s*=)"))) << e.path();
  }
}

TEST(Templates, LoadRefusesBrokenTemplatesAndMissingLayout) {
  testing::TempDir dir;
  std::ofstream(dir / "page.mustache") << "{{#open}}never closed";
  std::ofstream(dir / "layout.mustache") << "{{{content}}}";
  EXPECT_FALSE(Templates::Load(dir.path()));
  testing::TempDir empty;
  EXPECT_FALSE(Templates::Load(empty.path()));
}

}  // namespace
}  // namespace alcove::web
