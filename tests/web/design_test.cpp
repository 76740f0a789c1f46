// The design system's colours (web/static/app.css, docs/design.md): every pair of text
// and background it uses reads at >= 4.5:1 and every field border and focus ring stands
// out at >= 3:1 (WCAG 2.2 SC 1.4.3 and 1.4.11), in the light and the dark scheme. The
// colours are read from the stylesheet itself, so a change that breaks a pair fails here.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace alcove::web {
namespace {

std::string Stylesheet() {
  std::ifstream in(std::filesystem::path(ALCOVE_SOURCE_DIR) / "web/static/app.css");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The `--color-*: #rrggbb` custom properties of the first `:root { ... }` block at or
// after `from`.
std::map<std::string, std::string> ColoursOfRootAfter(const std::string& css, std::size_t from) {
  std::map<std::string, std::string> out;
  const auto open = css.find(":root {", from);
  if (open == std::string::npos) {
    return out;
  }
  const auto close = css.find('}', open);
  const std::string block = css.substr(open, close - open);
  const std::regex property(R"(--(color-[a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;)");
  for (std::sregex_iterator it(block.begin(), block.end(), property), end; it != end; ++it) {
    out[(*it)[1]] = (*it)[2];
  }
  return out;
}

// WCAG 2.2 relative luminance of "#rrggbb".
double Luminance(const std::string& hex) {
  double channel[3];
  for (int i = 0; i < 3; ++i) {
    const double c = std::stoi(hex.substr(1 + 2 * i, 2), nullptr, 16) / 255.0;
    channel[i] = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  }
  return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2];
}

double Contrast(const std::string& a, const std::string& b) {
  const double la = Luminance(a);
  const double lb = Luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

struct Pair {
  std::string fg;
  std::string bg;
  double minimum;
};

// Every foreground the stylesheet puts on every background it puts it on.
std::vector<Pair> Pairs() {
  std::vector<Pair> out;
  auto text = [&](const std::string& fg, std::initializer_list<const char*> bgs) {
    for (const char* bg : bgs) {
      out.push_back({fg, bg, 4.5});
    }
  };
  auto ui = [&](const std::string& fg, std::initializer_list<const char*> bgs) {
    for (const char* bg : bgs) {
      out.push_back({fg, bg, 3.0});
    }
  };
  text("text", {"bg", "surface", "surface-sunken", "accent-soft", "danger-soft", "success-soft",
                "info-soft"});
  text("text-muted", {"bg", "surface", "surface-sunken"});
  text("accent", {"bg", "surface", "surface-sunken", "accent-soft"});
  text("accent-strong", {"surface", "accent-soft"});
  text("on-accent", {"accent", "accent-strong"});
  text("danger", {"bg", "surface", "danger-soft"});
  text("on-danger", {"danger"});
  text("success", {"bg", "surface", "success-soft"});
  ui("field-border", {"bg", "surface"});
  ui("focus", {"bg", "surface", "surface-sunken", "accent-soft"});
  ui("danger", {"surface"});  // the border of a field with an error
  return out;
}

void ExpectReadable(const std::map<std::string, std::string>& colours, const std::string& scheme) {
  ASSERT_FALSE(colours.empty()) << "no colours found for the " << scheme << " scheme";
  for (const Pair& p : Pairs()) {
    const auto fg = colours.find("color-" + p.fg);
    const auto bg = colours.find("color-" + p.bg);
    ASSERT_NE(fg, colours.end()) << scheme << ": --color-" << p.fg << " is not a #rrggbb colour";
    ASSERT_NE(bg, colours.end()) << scheme << ": --color-" << p.bg << " is not a #rrggbb colour";
    const double ratio = Contrast(fg->second, bg->second);
    EXPECT_GE(ratio, p.minimum) << scheme << ": --color-" << p.fg << " (" << fg->second
                                << ") on --color-" << p.bg << " (" << bg->second << ") is "
                                << ratio << ":1";
  }
}

TEST(Design, ContrastIsComputedAsWcagSays) {
  EXPECT_NEAR(Contrast("#000000", "#ffffff"), 21.0, 1e-9);
  EXPECT_NEAR(Contrast("#777777", "#ffffff"), 4.48, 0.01);  // the classic near miss
  EXPECT_NEAR(Contrast("#ffffff", "#ffffff"), 1.0, 1e-9);
}

TEST(Design, EveryTextAndBorderColourPairIsReadableInBothSchemes) {
  const std::string css = Stylesheet();
  ExpectReadable(ColoursOfRootAfter(css, 0), "light");
  const auto dark = css.find("prefers-color-scheme: dark");
  ASSERT_NE(dark, std::string::npos) << "app.css has no dark scheme";
  ExpectReadable(ColoursOfRootAfter(css, dark), "dark");
}

TEST(Design, BothSchemesDefineTheSameColours) {
  const std::string css = Stylesheet();
  const auto light = ColoursOfRootAfter(css, 0);
  const auto dark = ColoursOfRootAfter(css, css.find("prefers-color-scheme: dark"));
  for (const auto& [name, value] : light) {
    EXPECT_TRUE(dark.contains(name)) << "--" << name << " has no dark value";
  }
  EXPECT_EQ(light.size(), dark.size());
}

TEST(Design, ButtonsAndFieldsAreLargeEnoughToTouch) {
  // 44 px (2.75rem at 16 px): above WCAG 2.2's 24 px minimum (SC 2.5.8).
  const std::string css = Stylesheet();
  EXPECT_NE(css.find("--target: 2.75rem;"), std::string::npos);
  const std::regex uses(R"(min-height: var\(--target\))");
  EXPECT_GE(std::distance(std::sregex_iterator(css.begin(), css.end(), uses),
                          std::sregex_iterator()),
            4)
      << "buttons, fields, menu and tab items use the touch target size";
  EXPECT_NE(css.find(":focus-visible { outline: 3px solid var(--color-focus)"), std::string::npos);
}

}  // namespace
}  // namespace alcove::web
