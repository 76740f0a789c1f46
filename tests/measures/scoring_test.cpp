// Scoring (src/measures/scoring.cpp) against cases computed by hand from the instruments'
// sources (docs/measures.md): totals, every band's edges, flags, refused answers, change.

#include "measures/scoring.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "measures/measures_test_util.hpp"

namespace alcove::measures {
namespace {

using test::A;
using test::ForScore;
using test::Get;

struct Edge {
  int score;
  const char* band;
};

// Scores each edge through real answers (ForScore) and checks the value and the words.
void ExpectBands(std::string_view id, std::size_t scale, const std::vector<Edge>& edges) {
  const Instrument& in = Get(id);
  for (const Edge& e : edges) {
    auto s = ScoreAnswers(in, ForScore(in, scale, e.score));
    ASSERT_TRUE(s) << id << " " << e.score << ": " << s.error().internal;
    EXPECT_EQ(s->scales[scale].value, e.score) << id;
    EXPECT_EQ(s->scales[scale].band, e.band) << id << " at " << e.score;
  }
}

// Answers are client content (C01): they cannot be formatted, so no log line can hold them.
static_assert(crypto::IsPhi<Answers>);
static_assert(!fmt::is_formattable<Answers>::value);

// ---- Hand-computed totals, one or more per instrument ---------------------------------

TEST(MeasuresScoring, Phq9SumsNineItemsAndLeavesTheDifficultyQuestionOut) {
  // 0+1+2+3+0+1+2+3+0 = 12; the difficulty answer (3) counts nowhere.
  auto s = ScoreAnswers(Get("phq-9"), A({0, 1, 2, 3, 0, 1, 2, 3, 0, 3}));
  ASSERT_TRUE(s) << s.error().internal;
  ASSERT_EQ(s->scales.size(), 1u);
  EXPECT_EQ(s->scales[0].value, 12);
  EXPECT_EQ(s->scales[0].band, "moderate");
  EXPECT_TRUE(s->flags.empty());
  // The difficulty question may be left unanswered.
  auto t = ScoreAnswers(Get("phq-9"), A({3, 3, 3, 3, 3, 3, 3, 3, 3, -1}));
  ASSERT_TRUE(t) << t.error().internal;
  EXPECT_EQ(t->scales[0].value, 27);
  EXPECT_EQ(t->scales[0].band, "severe");
}

TEST(MeasuresScoring, Phq9Item9FlagsWithATotalOfOne) {
  auto s = ScoreAnswers(Get("phq-9"), A({0, 0, 0, 0, 0, 0, 0, 0, 1, 0}));
  ASSERT_TRUE(s) << s.error().internal;
  EXPECT_EQ(s->scales[0].value, 1);
  EXPECT_EQ(s->scales[0].band, "none to minimal");
  ASSERT_EQ(s->flags.size(), 1u);
  EXPECT_EQ(s->flags[0].id, "self_harm");
  EXPECT_EQ(s->flags[0].words, "self-harm thoughts");
  EXPECT_EQ(s->flags[0].item, 9);
  // Every non-zero answer to item 9 flags; zero does not, whatever the total.
  for (int v : {2, 3}) {
    auto f = ScoreAnswers(Get("phq-9"), A({0, 0, 0, 0, 0, 0, 0, 0, v, -1}));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->flags.size(), 1u) << v;
  }
  auto none = ScoreAnswers(Get("phq-9"), A({3, 3, 3, 3, 3, 3, 3, 3, 0, 3}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->scales[0].value, 24);
  EXPECT_TRUE(none->flags.empty());
}

TEST(MeasuresScoring, Gad7SumsSevenItems) {
  // 1+1+2+2+3+0+1 = 10: moderate, the cut-point.
  auto s = ScoreAnswers(Get("gad-7"), A({1, 1, 2, 2, 3, 0, 1, 2}));
  ASSERT_TRUE(s) << s.error().internal;
  EXPECT_EQ(s->scales[0].value, 10);
  EXPECT_EQ(s->scales[0].band, "moderate");
  EXPECT_TRUE(s->flags.empty());
}

TEST(MeasuresScoring, Phq2AndGad2ScreenAtThree) {
  auto p = ScoreAnswers(Get("phq-2"), A({1, 2}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->scales[0].value, 3);
  EXPECT_EQ(p->scales[0].band, "positive screen: follow with the PHQ-9");
  auto g = ScoreAnswers(Get("gad-2"), A({2, 0}));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->scales[0].value, 2);
  EXPECT_EQ(g->scales[0].band, "negative screen");
}

TEST(MeasuresScoring, Pcl5SumsTwentyItems) {
  // Items 1-5 at 4 (20), 6-10 at 2 (10), 11-13 at 1 (3), the rest 0: 33, the cut-point.
  auto s =
      ScoreAnswers(Get("pcl-5"), A({4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(s) << s.error().internal;
  EXPECT_EQ(s->scales[0].value, 33);
  EXPECT_EQ(s->scales[0].band, "at or above the provisional PTSD cut-point (probable PTSD)");
  EXPECT_TRUE(s->flags.empty());
}

TEST(MeasuresScoring, AuditScoresItems9And10As0Or2Or4) {
  // 2+1+1+0+0+0+1+0 + 2 + 4 = 11: zone II.
  auto s = ScoreAnswers(Get("audit"), A({2, 1, 1, 0, 0, 0, 1, 0, 2, 4}));
  ASSERT_TRUE(s) << s.error().internal;
  EXPECT_EQ(s->scales[0].value, 11);
  EXPECT_EQ(s->scales[0].band, "hazardous drinking (zone II)");
  // 1 and 3 are not answers to items 9 and 10.
  for (int v : {1, 3}) {
    auto bad = ScoreAnswers(Get("audit"), A({0, 0, 0, 0, 0, 0, 0, 0, v, 0}));
    ASSERT_FALSE(bad) << v;
    EXPECT_EQ(bad.error().public_message, "Item 9 has an answer that is not one of its options.");
  }
}

TEST(MeasuresScoring, AuditCNamesBothCutOffsAtThree) {
  auto s = ScoreAnswers(Get("audit-c"), A({1, 1, 1}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->scales[0].value, 3);
  EXPECT_EQ(s->scales[0].band,
            "positive screen for women (3 or more); negative for men (4 or more)");
  auto t = ScoreAnswers(Get("audit-c"), A({4, 4, 4}));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->scales[0].value, 12);
  EXPECT_EQ(t->scales[0].band, "positive screen");
}

TEST(MeasuresScoring, Dass21ScoresThreeScalesTimesTwo) {
  // Items:                1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21
  auto s = ScoreAnswers(Get("dass-21"),
                        A({1, 2, 3, 0, 2, 1, 1, 0, 2, 1, 3, 2, 1, 0, 1, 0, 2, 1, 0, 3, 1}));
  ASSERT_TRUE(s) << s.error().internal;
  ASSERT_EQ(s->scales.size(), 3u);
  // Depression 3,5,10,13,16,17,21: 3+2+1+1+0+2+1 = 10, x2 = 20: moderate (14-20).
  EXPECT_EQ(s->scales[0].scale_id, "depression");
  EXPECT_EQ(s->scales[0].value, 20);
  EXPECT_EQ(s->scales[0].band, "moderate");
  // Anxiety 2,4,7,9,15,19,20: 2+0+1+2+1+0+3 = 9, x2 = 18: severe (15-19).
  EXPECT_EQ(s->scales[1].scale_id, "anxiety");
  EXPECT_EQ(s->scales[1].value, 18);
  EXPECT_EQ(s->scales[1].band, "severe");
  // Stress 1,6,8,11,12,14,18: 1+1+0+3+2+0+1 = 8, x2 = 16: mild (15-18).
  EXPECT_EQ(s->scales[2].scale_id, "stress");
  EXPECT_EQ(s->scales[2].value, 16);
  EXPECT_EQ(s->scales[2].band, "mild");
}

// ---- Every band's edges -------------------------------------------------------------

TEST(MeasuresScoring, BandEdgesPhq9) {
  ExpectBands("phq-9", 0,
              {{0, "none to minimal"},
               {4, "none to minimal"},
               {5, "mild"},
               {9, "mild"},
               {10, "moderate"},
               {14, "moderate"},
               {15, "moderately severe"},
               {19, "moderately severe"},
               {20, "severe"},
               {27, "severe"}});
}

TEST(MeasuresScoring, BandEdgesGad7) {
  ExpectBands("gad-7", 0,
              {{0, "minimal"},
               {4, "minimal"},
               {5, "mild"},
               {9, "mild"},
               {10, "moderate"},
               {14, "moderate"},
               {15, "severe"},
               {21, "severe"}});
}

TEST(MeasuresScoring, BandEdgesPhq2AndGad2) {
  for (const char* id : {"phq-2", "gad-2"}) {
    const std::string positive =
        std::string("positive screen: follow with the ") + (id[0] == 'p' ? "PHQ-9" : "GAD-7");
    ExpectBands(id, 0,
                {{0, "negative screen"},
                 {2, "negative screen"},
                 {3, positive.c_str()},
                 {6, positive.c_str()}});
  }
}

TEST(MeasuresScoring, BandEdgesPcl5) {
  ExpectBands("pcl-5", 0,
              {{0, "below the provisional PTSD cut-point"},
               {32, "below the provisional PTSD cut-point"},
               {33, "at or above the provisional PTSD cut-point (probable PTSD)"},
               {80, "at or above the provisional PTSD cut-point (probable PTSD)"}});
}

TEST(MeasuresScoring, BandEdgesAudit) {
  ExpectBands("audit", 0,
              {{0, "low risk (zone I)"},
               {7, "low risk (zone I)"},
               {8, "hazardous drinking (zone II)"},
               {15, "hazardous drinking (zone II)"},
               {16, "harmful drinking (zone III)"},
               {19, "harmful drinking (zone III)"},
               {20, "possible dependence (zone IV)"},
               {33, "possible dependence (zone IV)"},
               {40, "possible dependence (zone IV)"}});
}

TEST(MeasuresScoring, BandEdgesAuditC) {
  const char* three = "positive screen for women (3 or more); negative for men (4 or more)";
  ExpectBands("audit-c", 0,
              {{0, "negative screen"},
               {2, "negative screen"},
               {3, three},
               {4, "positive screen"},
               {12, "positive screen"}});
}

TEST(MeasuresScoring, BandEdgesDass21) {
  // Scores are even (sums x 2): each edge is the even score nearest the band's bound.
  ExpectBands("dass-21", 0,
              {{0, "normal"},
               {8, "normal"},
               {10, "mild"},
               {12, "mild"},
               {14, "moderate"},
               {20, "moderate"},
               {22, "severe"},
               {26, "severe"},
               {28, "extremely severe"},
               {42, "extremely severe"}});
  ExpectBands("dass-21", 1,
              {{0, "normal"},
               {6, "normal"},
               {8, "mild"},
               {10, "moderate"},
               {14, "moderate"},
               {16, "severe"},
               {18, "severe"},
               {20, "extremely severe"},
               {42, "extremely severe"}});
  ExpectBands("dass-21", 2,
              {{0, "normal"},
               {14, "normal"},
               {16, "mild"},
               {18, "mild"},
               {20, "moderate"},
               {24, "moderate"},
               {26, "severe"},
               {32, "severe"},
               {34, "extremely severe"},
               {42, "extremely severe"}});
}

// ---- Refused answers ----------------------------------------------------------------

TEST(MeasuresScoring, AMissingScoredAnswerIsRefusedNamingTheItem) {
  auto s = ScoreAnswers(Get("phq-9"), A({0, 1, 2, -1, 0, 1, 2, 3, 0, 1}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().public_message, "Item 4 needs an answer.");
  auto g = ScoreAnswers(Get("gad-7"), A({0, 0, 0, 0, 0, 0, -1, -1}));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().public_message, "Item 7 needs an answer.");
  auto d = ScoreAnswers(Get("dass-21"),
                        A({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1}));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().public_message, "Item 21 needs an answer.");
}

TEST(MeasuresScoring, AValueOutsideTheOptionsIsRefused) {
  auto s = ScoreAnswers(Get("phq-9"), A({0, 1, 4, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().public_message, "Item 3 has an answer that is not one of its options.");
  // The unscored question may be skipped, but not answered with a value it lacks.
  auto d = ScoreAnswers(Get("phq-9"), A({0, 0, 0, 0, 0, 0, 0, 0, 0, 4}));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().public_message, "Item 10 has an answer that is not one of its options.");
  auto p =
      ScoreAnswers(Get("pcl-5"), A({5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().public_message, "Item 1 has an answer that is not one of its options.");
}

TEST(MeasuresScoring, TooFewOrTooManyAnswersAreRefused) {
  auto s = ScoreAnswers(Get("phq-9"), A({0, 0, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().public_message, "The answers must cover the 10 questions.");
  auto t = ScoreAnswers(Get("phq-2"), A({0, 0, 0}));
  ASSERT_FALSE(t);
  EXPECT_EQ(ScoreAnswers(Get("phq-2"), A({})).error().code, ErrorCode::kInvalidArgument);
}

TEST(MeasuresScoring, EveryInstrumentScoresItsMinimumAndMaximum) {
  for (const Instrument& in : BuiltInInstruments()) {
    for (std::size_t i = 0; i < in.scales.size(); ++i) {
      for (int score : {in.scales[i].min, in.scales[i].max}) {
        auto s = ScoreAnswers(in, ForScore(in, i, score));
        ASSERT_TRUE(s) << in.id;
        EXPECT_EQ(s->scales[i].value, score) << in.id;
        EXPECT_EQ(s->scales[i].band, score == in.scales[i].min ? in.scales[i].bands.front().words
                                                               : in.scales[i].bands.back().words);
      }
    }
  }
}

// ---- Change ---------------------------------------------------------------------------

Score Phq9(int total) {
  auto s = ScoreAnswers(Get("phq-9"), ForScore(Get("phq-9"), 0, total));
  EXPECT_TRUE(s);
  return s.value_or(Score{});
}

TEST(MeasuresScoring, Phq9ChangeOfFiveIsMeaningfulAndFourIsNot) {
  const Instrument& in = Get("phq-9");
  auto c = CompareScores(in, Phq9(18), Phq9(17), Phq9(13));
  ASSERT_TRUE(c) << c.error().internal;
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].since_first, -5);
  EXPECT_EQ((*c)[0].since_previous, -4);
  EXPECT_EQ((*c)[0].meaningful_since_first, true);
  EXPECT_EQ((*c)[0].meaningful_since_previous, false);
  EXPECT_EQ((*c)[0].response, false);  // 5 of 18 is 28 %
  EXPECT_EQ((*c)[0].words,
            "5 points lower than the first result (a meaningful change); 4 points lower than "
            "the previous result");
  // A worsening of 5 is meaningful too.
  auto w = CompareScores(in, Phq9(6), Phq9(6), Phq9(11));
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)[0].since_first, 5);
  EXPECT_EQ((*w)[0].meaningful_since_first, true);
  EXPECT_EQ((*w)[0].meaningful_since_previous, true);
  EXPECT_EQ((*w)[0].response, false);
}

TEST(MeasuresScoring, Phq9ResponseAtHalfTheFirstScore) {
  const Instrument& in = Get("phq-9");
  // 20 -> 10 is exactly 50 %: a response; 20 -> 11 (45 %) is not; 15 -> 7 (53 %) is.
  auto at = CompareScores(in, Phq9(20), Phq9(14), Phq9(10));
  ASSERT_TRUE(at);
  EXPECT_EQ((*at)[0].response, true);
  EXPECT_NE((*at)[0].words.find("a response: 50 % or more below the first result"),
            std::string::npos);
  auto under = CompareScores(in, Phq9(20), Phq9(14), Phq9(11));
  ASSERT_TRUE(under);
  EXPECT_EQ((*under)[0].response, false);
  auto odd = CompareScores(in, Phq9(15), Phq9(9), Phq9(7));
  ASSERT_TRUE(odd);
  EXPECT_EQ((*odd)[0].response, true);
  auto eight = CompareScores(in, Phq9(15), Phq9(9), Phq9(8));
  ASSERT_TRUE(eight);
  EXPECT_EQ((*eight)[0].response, false);  // 7 of 15 is 46.7 %
  // No reduction is possible from a first score of 0.
  auto zero = CompareScores(in, Phq9(0), Phq9(0), Phq9(0));
  ASSERT_TRUE(zero);
  EXPECT_FALSE((*zero)[0].response.has_value());
  EXPECT_EQ((*zero)[0].words, "the same as the first result; the same as the previous result");
}

TEST(MeasuresScoring, Gad7FollowsThePhq9Convention) {
  const Instrument& in = Get("gad-7");
  auto f = ScoreAnswers(in, ForScore(in, 0, 16));
  auto p = ScoreAnswers(in, ForScore(in, 0, 12));
  auto c = ScoreAnswers(in, ForScore(in, 0, 8));
  ASSERT_TRUE(f && p && c);
  auto ch = CompareScores(in, *f, *p, *c);
  ASSERT_TRUE(ch);
  EXPECT_EQ((*ch)[0].since_first, -8);
  EXPECT_EQ((*ch)[0].meaningful_since_first, true);
  EXPECT_EQ((*ch)[0].meaningful_since_previous, false);
  EXPECT_EQ((*ch)[0].response, true);
}

TEST(MeasuresScoring, InstrumentsWithoutARuleReportNumbersOnly) {
  const Instrument& in = Get("dass-21");
  auto f = ScoreAnswers(in, ForScore(in, 0, 20));
  auto c = ScoreAnswers(in, ForScore(in, 0, 10));
  ASSERT_TRUE(f && c);
  auto ch = CompareScores(in, *f, *f, *c);
  ASSERT_TRUE(ch);
  ASSERT_EQ(ch->size(), 3u);
  EXPECT_EQ((*ch)[0].since_first, -10);
  EXPECT_FALSE((*ch)[0].meaningful_since_first.has_value());
  EXPECT_FALSE((*ch)[0].response.has_value());
  EXPECT_EQ((*ch)[1].since_first, 0);
  // PCL-5: meaningful at 10 points, no response rule.
  const Instrument& pcl = Get("pcl-5");
  auto a = ScoreAnswers(pcl, ForScore(pcl, 0, 50));
  auto b = ScoreAnswers(pcl, ForScore(pcl, 0, 41));
  auto d = ScoreAnswers(pcl, ForScore(pcl, 0, 40));
  ASSERT_TRUE(a && b && d);
  auto pb = CompareScores(pcl, *a, *a, *b);
  auto pd = CompareScores(pcl, *a, *b, *d);
  ASSERT_TRUE(pb && pd);
  EXPECT_EQ((*pb)[0].meaningful_since_first, false);
  EXPECT_EQ((*pd)[0].meaningful_since_first, true);
  EXPECT_EQ((*pd)[0].meaningful_since_previous, false);
  EXPECT_FALSE((*pd)[0].response.has_value());
}

TEST(MeasuresScoring, ScoresOfAnotherInstrumentAreNotCompared) {
  auto g = ScoreAnswers(Get("gad-7"), ForScore(Get("gad-7"), 0, 3));
  ASSERT_TRUE(g);
  auto c = CompareScores(Get("phq-9"), Phq9(3), *g, Phq9(4));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace alcove::measures
