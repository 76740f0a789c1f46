// The instrument files (src/measures/instruments/*.toml) and their loader
// (src/measures/instruments.cpp): every built-in file loads and says what
// ../shared/domain/measures.md says; broken files are refused with the key at fault.

#include "measures/instruments.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace alcove::measures {
namespace {

std::string ReadSource(std::string_view name) {
  std::ifstream in(
      std::string(ALCOVE_SOURCE_DIR) + "/src/measures/instruments/" + std::string(name),
      std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const Instrument& Get(std::string_view id) {
  const Instrument* in = FindInstrument(id);
  EXPECT_NE(in, nullptr) << id;
  static const Instrument kNone;
  return in != nullptr ? *in : kNone;
}

TEST(MeasuresInstruments, EveryFileLoadsAndTheBinaryEmbedsItsCurrentText) {
  ASSERT_TRUE(CheckBuiltInInstruments()) << CheckBuiltInInstruments().error().internal;
  ASSERT_EQ(BuiltInInstrumentFiles().size(), 8u);
  for (const InstrumentFile& f : BuiltInInstrumentFiles()) {
    const std::string text = ReadSource(f.path);
    EXPECT_EQ(f.text, text) << f.path << ": the build embeds a stale copy";
    auto parsed = ParseInstrument(text, f.path);
    ASSERT_TRUE(parsed) << parsed.error().internal;
    EXPECT_EQ(parsed->id + ".toml", f.path);
    EXPECT_FALSE(parsed->licence.empty());
    EXPECT_FALSE(parsed->source.empty());
  }
  std::vector<std::string> ids;
  for (const Instrument& in : BuiltInInstruments()) {
    ids.push_back(in.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"audit", "audit-c", "dass-21", "gad-2", "gad-7", "pcl-5",
                                           "phq-2", "phq-9"}));
  EXPECT_EQ(FindInstrument("beck"), nullptr);
  // The API's design spells the ids without hyphens; both name the same instrument.
  EXPECT_EQ(FindInstrument("phq9"), FindInstrument("phq-9"));
  EXPECT_EQ(FindInstrument("gad7"), FindInstrument("gad-7"));
  EXPECT_EQ(FindInstrument("auditc"), FindInstrument("audit-c"));
  EXPECT_NE(FindInstrument("phq9"), nullptr);
  EXPECT_EQ(FindInstrument("phq"), nullptr);
  EXPECT_EQ(FindInstrument("phq--9"), nullptr);
}

TEST(MeasuresInstruments, Phq9AsInTheDomainFile) {
  const Instrument& in = Get("phq-9");
  EXPECT_EQ(in.loinc, "44249-1");
  ASSERT_EQ(in.items.size(), 10u);
  const std::vector<std::string> codes = {"44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
                                          "44258-2", "44252-5", "44253-3", "44260-8"};
  for (std::size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(in.items[i].loinc, codes[i]);
    EXPECT_EQ(in.items[i].link_id, codes[i]);
    EXPECT_TRUE(in.items[i].scored);
    ASSERT_EQ(in.items[i].options.size(), 4u);
    EXPECT_EQ(in.items[i].options[0].label, "Not at all");
    EXPECT_EQ(in.items[i].options[0].loinc, "LA6568-5");
    EXPECT_EQ(in.items[i].options[1].loinc, "LA6569-3");
    EXPECT_EQ(in.items[i].options[2].loinc, "LA6570-1");
    EXPECT_EQ(in.items[i].options[3].value, 3);
  }
  EXPECT_NE(in.items[8].text.find("better off dead"), std::string::npos);
  // The difficulty question: shown, not scored.
  EXPECT_FALSE(in.items[9].scored);
  EXPECT_NE(in.items[9].text.find("how difficult"), std::string::npos);
  ASSERT_EQ(in.scales.size(), 1u);
  EXPECT_EQ(in.scales[0].min, 0);
  EXPECT_EQ(in.scales[0].max, 27);
  EXPECT_EQ(in.scales[0].items.size(), 9u);
  ASSERT_EQ(in.flags.size(), 1u);
  EXPECT_EQ(in.flags[0].item, 9);
  EXPECT_EQ(in.flags[0].at_least, 1);
  EXPECT_EQ(in.flags[0].words, "self-harm thoughts");
  ASSERT_TRUE(in.change);
  EXPECT_EQ(in.change->meaningful_points, 5);
  EXPECT_EQ(in.change->response_percent, 50);
  EXPECT_NE(in.licence.find("No permission is required"), std::string::npos);
}

TEST(MeasuresInstruments, Gad7AsInTheDomainFile) {
  const Instrument& in = Get("gad-7");
  ASSERT_EQ(in.items.size(), 8u);
  const std::vector<std::string> codes = {"69725-0", "68509-9", "69733-4", "69734-2",
                                          "69735-9", "69689-8", "69736-7"};
  for (std::size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(in.items[i].loinc, codes[i]);
  }
  EXPECT_FALSE(in.items[7].scored);
  EXPECT_EQ(in.items[7].link_id, "gad-7/8");  // no LOINC code of its own given
  EXPECT_EQ(in.scales[0].loinc, "70274-6");
  EXPECT_EQ(in.scales[0].max, 21);
  EXPECT_TRUE(in.flags.empty());
}

TEST(MeasuresInstruments, RangesOfEveryScale) {
  EXPECT_EQ(Get("phq-2").scales[0].max, 6);
  EXPECT_EQ(Get("gad-2").scales[0].max, 6);
  EXPECT_EQ(Get("pcl-5").scales[0].max, 80);
  EXPECT_EQ(Get("pcl-5").items.size(), 20u);
  EXPECT_EQ(Get("audit-c").scales[0].max, 12);
  EXPECT_EQ(Get("audit").scales[0].max, 40);
  // AUDIT items 9 and 10 score 0, 2 or 4.
  const Item& nine = Get("audit").items[8];
  ASSERT_EQ(nine.options.size(), 3u);
  EXPECT_EQ(nine.step, 2);
  EXPECT_EQ(nine.options[1].value, 2);
  EXPECT_EQ(nine.options[2].value, 4);
  const Instrument& dass = Get("dass-21");
  ASSERT_EQ(dass.scales.size(), 3u);
  EXPECT_EQ(dass.items.size(), 21u);
  for (const Scale& s : dass.scales) {
    EXPECT_EQ(s.items.size(), 7u) << s.id;
    EXPECT_EQ(s.multiplier, 2);
    EXPECT_EQ(s.max, 42) << s.id;
  }
  EXPECT_EQ(dass.scales[0].items, (std::vector<int>{3, 5, 10, 13, 16, 17, 21}));
  EXPECT_EQ(dass.scales[1].items, (std::vector<int>{2, 4, 7, 9, 15, 19, 20}));
  EXPECT_EQ(dass.scales[2].items, (std::vector<int>{1, 6, 8, 11, 12, 14, 18}));
}

TEST(MeasuresInstruments, LoincCodesCarryTheirCheckDigit) {
  EXPECT_TRUE(IsLoincCode("44249-1"));
  EXPECT_TRUE(IsLoincCode("70274-6"));
  EXPECT_TRUE(IsLoincCode("68509-9"));
  EXPECT_FALSE(IsLoincCode("44249-2"));  // wrong check digit
  EXPECT_FALSE(IsLoincCode("44249"));
  EXPECT_FALSE(IsLoincCode("-1"));
  EXPECT_FALSE(IsLoincCode("4424a-1"));
  EXPECT_FALSE(IsLoincCode("44249-10"));
  EXPECT_TRUE(IsLoincAnswerCode("LA6568-5"));
  EXPECT_FALSE(IsLoincAnswerCode("LA-5"));
  EXPECT_FALSE(IsLoincAnswerCode("6568-5"));
  EXPECT_FALSE(IsLoincAnswerCode("LA6568"));
}

// A small valid file; each broken variant replaces one piece of it.
constexpr char kValid[] = R"(id = "tiny"
version = 1
title = "Tiny"
short_title = "T"
canonical = "urn:alcove:questionnaire:tiny"
source = "A test."
licence = "Ours."
time_frame = "today"
instructions = "Answer."
scoring_note = "Sum."

[[option_sets]]
id = "yesno"
options = [
  { label = "No", value = 0 },
  { label = "Yes", value = 1 },
]

[[items]]
number = 1
text = "One?"
loinc = "44250-9"
options = "yesno"

[[items]]
number = 2
text = "Two?"
options = "yesno"

[[scales]]
id = "total"
label = "Total"
items = [1, 2]
bands = [
  { min = 0, max = 0, words = "none" },
  { min = 1, max = 2, words = "some" },
]

[[flags]]
id = "one"
words = "said yes to one"
item = 1
at_least = 1
source = "A test."

[change]
meaningful_points = 1
source = "A test."
)";

TEST(MeasuresInstruments, TheSmallFileLoads) {
  auto in = ParseInstrument(kValid, "tiny.toml");
  ASSERT_TRUE(in) << in.error().internal;
  EXPECT_EQ(in->items[1].link_id, "tiny/2");
  EXPECT_EQ(in->scales[0].max, 2);
}

struct Broken {
  const char* what;
  const char* from;
  const char* to;
  const char* says;  // the error names this
};

TEST(MeasuresInstruments, BrokenFilesAreRefusedNamingTheKey) {
  const Broken cases[] = {
      {"not TOML", "version = 1", "version = = 1", "tiny.toml:2"},
      {"missing id", "id = \"tiny\"\n", "", "id is missing"},
      {"unknown key", "version = 1", "version = 1\nscroed = true", "scroed is not a known key"},
      {"options not contiguous", "{ label = \"Yes\", value = 1 }", "{ label = \"Yes\", value = 2 }",
       "option_sets[0].options[1].value must be 1"},
      {"options out of order", "{ label = \"No\", value = 0 }", "{ label = \"No\", value = 1 }",
       "option_sets[0].options[0].value must be 0"},
      {"a repeated label", "{ label = \"Yes\", value = 1 }", "{ label = \"No\", value = 1 }",
       "repeats another option's label"},
      {"a gap between bands", "{ min = 1, max = 2, words = \"some\" }",
       "{ min = 2, max = 2, words = \"some\" }", "leaves a gap: 1 to 1"},
      {"overlapping bands", "{ min = 1, max = 2, words = \"some\" }",
       "{ min = 0, max = 2, words = \"some\" }", "overlaps the band before it"},
      {"bands short of the maximum", "{ min = 1, max = 2, words = \"some\" }",
       "{ min = 1, max = 1, words = \"some\" }", "must end at the scale's maximum 2"},
      {"bands past the maximum", "{ min = 1, max = 2, words = \"some\" }",
       "{ min = 1, max = 3, words = \"some\" }", "must end at the scale's maximum 2"},
      {"a band running backwards", "{ min = 1, max = 2, words = \"some\" }",
       "{ min = 1, max = 0, words = \"some\" }", "scales[0].bands[1] runs backwards"},
      {"a negative bound", "{ min = 0, max = 0, words = \"none\" }",
       "{ min = 0, max = -1, words = \"none\" }", "scales[0].bands[0].max must be from 0"},
      {"a LOINC code with a wrong check digit", "loinc = \"44250-9\"", "loinc = \"44250-8\"",
       "items[0].loinc must be a LOINC code"},
      {"a malformed answer code", "{ label = \"No\", value = 0 }",
       "{ label = \"No\", value = 0, loinc = \"X6568-5\" }", "must be a LOINC answer code"},
      {"items out of order", "number = 2", "number = 3", "items[1].number must be 2"},
      {"an unknown option set", "text = \"Two?\"\noptions = \"yesno\"",
       "text = \"Two?\"\noptions = \"maybe\"", "names \"maybe\""},
      {"a scored item in no scale",
       "items = [1, 2]\nbands = [\n  { min = 0, max = 0, words = \"none\" },\n  { min = 1, max = "
       "2,",
       "items = [1]\nbands = [\n  { min = 0, max = 0, words = \"none\" },\n  { min = 1, max = 1,",
       "(item 2) is scored but in no scale"},
      {"a scale naming a missing item", "items = [1, 2]", "items = [1, 2, 3]",
       "names item 3, which does not exist"},
      {"a scale listing an item twice", "items = [1, 2]", "items = [1, 1, 2]",
       "once each, in ascending order"},
      {"an unscored item in a scale", "text = \"Two?\"\noptions = \"yesno\"",
       "text = \"Two?\"\noptions = \"yesno\"\nscored = false", "names item 2, which is not scored"},
      {"a flag that can never be raised", "at_least = 1", "at_least = 2",
       "above item 1's highest value 1"},
      {"a flag on a missing item", "item = 1\nat_least", "item = 7\nat_least",
       "flags[0].item names item 7"},
      {"a change rule beyond the range", "meaningful_points = 1", "meaningful_points = 3",
       "change.meaningful_points must be from 1 to 2"},
      {"a string that is a number", "title = \"Tiny\"", "title = 5", "title must be a string"},
      {"a canonical with a space", "urn:alcove:questionnaire:tiny", "urn:alcove: tiny",
       "canonical must be a URI"},
      {"no scales", "[[scales]]", "[[scalez]]", "scales is missing"},
  };
  for (const Broken& c : cases) {
    std::string text = kValid;
    const std::size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.what;
    text.replace(at, std::string_view(c.from).size(), c.to);
    auto parsed = ParseInstrument(text, "tiny.toml");
    ASSERT_FALSE(parsed) << c.what;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << c.what;
    EXPECT_NE(parsed.error().internal.find(c.says), std::string::npos)
        << c.what << ": " << parsed.error().internal;
    EXPECT_NE(parsed.error().internal.find("tiny.toml"), std::string::npos) << c.what;
  }
}

}  // namespace
}  // namespace alcove::measures
