// The licensure rules files and their parser (rules/ca-bbs/*.toml, src/hours/rules.cpp),
// and the rules engine on single weeks (src/hours/week.cpp, engine.cpp), against cases
// computed by hand from ../shared/domain/bbs-hours-rules.md; each names its source tags.
// Totals over many weeks: rules_totals_test.cpp.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hours/rules.hpp"
#include "hours/words.hpp"
#include "hours/rules_test_log.hpp"

namespace alcove::hours {
namespace {

using test::D;
using test::Log;

std::string ReadSource(const std::string& path) {
  std::ifstream in(std::string(ALCOVE_SOURCE_DIR) + "/rules/" + path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- The files ---------------------------------------------------------------------

TEST(HoursRulesFiles, TheThreeFilesParseAndTheBinaryEmbedsTheirCurrentText) {
  ASSERT_EQ(BuiltInRulesFiles().size(), 3u);
  for (const RulesFile& f : BuiltInRulesFiles()) {
    const std::string text = ReadSource(std::string(f.path));
    EXPECT_EQ(f.text, text) << f.path << ": the build embeds a stale copy";
    auto parsed = ParseRules(text, "rules/" + std::string(f.path));
    ASSERT_TRUE(parsed) << parsed.error().internal;
    EXPECT_EQ("ca-bbs/" + std::string(TrackName(parsed->track)) + ".toml", f.path);
    EXPECT_EQ(parsed->version, 1);
  }
}

TEST(HoursRulesFiles, AmftNumbersAndSourcesAsInTheDomainFile) {
  const Rules& r = RulesFor(Track::kAmft);
  EXPECT_EQ(r.id, "ca-bbs/amft");
  ASSERT_EQ(r.requirements.size(), 4u);
  EXPECT_EQ(r.requirements[0].id, "total");
  EXPECT_EQ(r.requirements[0].hours.value, 3000);
  EXPECT_EQ(r.requirements[1].hours.value, 1750);
  EXPECT_EQ(r.requirements[1].hours.source, "[C1 §4980.43(c)(8)][T1]");
  EXPECT_EQ(r.requirements[2].hours.value, 500);
  EXPECT_EQ(r.requirements[3].kind, Requirement::Kind::kMaximum);
  EXPECT_EQ(r.requirements[3].hours.value, 1250);
  EXPECT_EQ(r.requirements[3].categories.size(), 8u);  // supervision included
  EXPECT_EQ(r.min_weeks.value, 104);
  EXPECT_EQ(r.min_individual_triadic_weeks.value, 52);
  EXPECT_EQ(r.pre_degree_max.value, 1300);
  EXPECT_EQ(r.pre_degree_direct_max.value, 750);
  EXPECT_EQ(r.post_degree_min.value, 1700);
  ASSERT_TRUE(r.trainee_direct_per_unit);
  EXPECT_EQ(r.trainee_direct_per_unit->value, 5);
  ASSERT_TRUE(r.window_exempt_pre_degree);
  EXPECT_EQ(r.window_exempt_pre_degree->value, 500);
  EXPECT_TRUE(r.window_exempt_pre_degree->unconfirmed);
  // The UNCONFIRMED items of bbs-hours-rules.md §1, §3, §6, §8.
  EXPECT_TRUE(r.max_supervision_per_week.unconfirmed);
  EXPECT_NE(r.max_supervision_per_week.note.find("SB 775"), std::string::npos);
  EXPECT_TRUE(r.week_definition.unconfirmed);
  EXPECT_TRUE(r.group_min_segment_minutes.unconfirmed);
  EXPECT_TRUE(r.workshop_weeks_basis.unconfirmed);
  EXPECT_FALSE(r.min_weeks.unconfirmed);
}

TEST(HoursRulesFiles, AswHasItsLcswRulesAndApccCountsNoPreDegreeHours) {
  const Rules& asw = RulesFor(Track::kAsw);
  ASSERT_TRUE(asw.min_license_weeks);
  EXPECT_EQ(asw.min_license_weeks->value, 13);
  EXPECT_EQ(asw.license_weeks_license, SupervisorLicense::kLcsw);
  const Requirement* lcsw = nullptr;
  const Requirement* psychotherapy = nullptr;
  for (const Requirement& q : asw.requirements) {
    if (q.id == "lcsw_hours") {
      lcsw = &q;
    } else if (q.id == "psychotherapy") {
      psychotherapy = &q;
    }
  }
  ASSERT_NE(lcsw, nullptr);
  EXPECT_EQ(lcsw->hours.value, 1700);
  EXPECT_EQ(lcsw->under_license, SupervisorLicense::kLcsw);
  EXPECT_TRUE(lcsw->hours.unconfirmed);
  ASSERT_NE(psychotherapy, nullptr);
  EXPECT_EQ(psychotherapy->hours.value, 750);
  EXPECT_TRUE(psychotherapy->hours.unconfirmed);
  EXPECT_EQ(asw.requirements.back().hours.value, 1000);  // non-clinical maximum
  const Rules& apcc = RulesFor(Track::kApcc);
  EXPECT_EQ(apcc.pre_degree_max.value, 0);
  EXPECT_FALSE(apcc.trainee_direct_per_unit);
  EXPECT_FALSE(apcc.window_exempt_pre_degree);
  EXPECT_TRUE(apcc.window_years.unconfirmed);
}

struct Broken {
  const char* what;
  const char* from;
  const char* to;
  const char* key;  // the error names it
};

class HoursRulesBroken : public testing::TestWithParam<Broken> {};

TEST_P(HoursRulesBroken, ParseRulesRefusesNamingFileAndKey) {
  const Broken& b = GetParam();
  std::string text = ReadSource("ca-bbs/amft.toml");
  const auto at = text.find(b.from);
  ASSERT_NE(at, std::string::npos) << b.from;
  text.replace(at, std::string_view(b.from).size(), b.to);
  auto parsed = ParseRules(text, "rules/ca-bbs/amft.toml");
  ASSERT_FALSE(parsed) << b.what;
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.error().internal.find("rules/ca-bbs/amft.toml"), std::string::npos)
      << parsed.error().internal;
  EXPECT_NE(parsed.error().internal.find(b.key), std::string::npos) << parsed.error().internal;
  EXPECT_NE(parsed.error().public_message.find(b.key), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HoursRulesBroken,
    testing::Values(
        Broken{"missing hours", "hours = 1750\n", "", "requirement[1].hours"},
        Broken{"hours as text", "hours = 1750", "hours = \"1750\"", "requirement[1].hours"},
        Broken{"zero hours", "hours = 500", "hours = 0", "requirement[2].hours"},
        Broken{"unknown category", "[\"couples_family_children\"]\n", "[\"couples\"]\n",
               "requirement[2].categories"},
        Broken{"a bar's id", "id = \"cfc\"", "id = \"weeks\"", "requirement[2].id"},
        Broken{"bad kind", "kind = \"maximum\"", "kind = \"max\"", "requirement[3].kind"},
        Broken{"source without tags", "source = \"[S1][C1]\"", "source = \"S1\"",
               "requirement[0].source"},
        Broken{"version as text", "version = 1", "version = \"one\"", "version"},
        Broken{"not a day", "effective_from = \"2026-01-01\"",
               "effective_from = \"2026-13-01\"", "effective_from"},
        Broken{"misspelt key", "title = ", "unconfimed = true\ntitle = ", "unconfimed"},
        Broken{"group size out of range", "value = 8\n", "value = 100\n",
               "supervision.group_max_size.value"},
        Broken{"fractional group size", "value = 8\n", "value = 8.5\n",
               "supervision.group_max_size.value"},
        Broken{"missing section", "[weeks.supervised]\nvalue = 104", "[weeks.supervisd]\nvalue = 104",
               "weeks.supervised"},
        Broken{"unconfirmed without a note", "source = \"[S1][FA][C1][C5]\"",
               "source = \"[S1][FA][C1][C5]\"\nunconfirmed = true", "window.years.note"},
        Broken{"another week cut", "value = \"monday\"", "value = \"sunday\"",
               "weeks.definition.value"},
        Broken{"supervision as direct", "direct_categories = [\"individual\"",
               "direct_categories = [\"supervision_individual\", \"individual\"",
               "direct_categories"},
        Broken{"pre-degree direct above its total", "value = 750", "value = 1400",
               "pre_degree.direct_and_supervision_max_hours.value"},
        Broken{"workshop flag as number", "value = true", "value = 1",
               "supervision.workshop_weeks_without_supervision.value"},
        Broken{"not TOML", "version = 1", "version = = 1", "amft.toml:11"}),
    [](const testing::TestParamInfo<Broken>& param) {
      std::string name;
      for (const char* p = param.param.what; *p != '\0'; ++p) {
        name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
      }
      return name;
    });

TEST(HoursRulesWords, HoursAndDaysAsAPersonReadsThem) {
  EXPECT_EQ(HoursWords(720), "12 hours");
  EXPECT_EQ(HoursWords(90), "1.5 hours");
  EXPECT_EQ(HoursWords(60), "1 hour");
  EXPECT_EQ(HoursWords(45), "0.75 hours");
  EXPECT_EQ(HoursWords(100), "1.67 hours");
  EXPECT_EQ(HoursWords(1300 * 60), "1,300 hours");
  EXPECT_EQ(HoursWords(600, "direct"), "10 direct hours");
  EXPECT_EQ(DayWords(D("2025-11-03")), "3 Nov 2025");
  EXPECT_EQ(WeekdayWords(D("2025-11-07")), "Fri 7 Nov 2025");
  EXPECT_EQ(WeekStart(D("2025-11-09")), D("2025-11-03"));  // Sunday -> Monday
  EXPECT_EQ(WeekStart(D("2025-11-03")), D("2025-11-03"));
  EXPECT_FALSE(ParseDay("2026-02-29"));
  EXPECT_FALSE(ParseDay("2026-2-01"));
  EXPECT_EQ(DayText(D("2024-02-29")), "2024-02-29");
}

// ---- One week at one setting ([C1 §4980.43.2], [S5]) ---------------------------------

// Associates: 1 unit in a week with hours, 2 with more than 10 direct hours [C1][S5][CS].
TEST(HoursRulesWeek, ExactlyTenDirectHoursNeedOneUnit) {
  Log log(Track::kAmft);
  log.Add("2025-11-03", 600, Category::kIndividual);
  log.Add("2025-11-04", 60, Category::kSupervisionIndividual);
  const Progress p = log.Evaluate();
  const WeekResult& w = log.Week(p, "2025-11-03");
  EXPECT_EQ(w.totals.direct, 600);
  EXPECT_EQ(w.totals.supervision_units, 1.0);
  EXPECT_EQ(w.totals.credited, 660);
  EXPECT_TRUE(w.supervised);
  EXPECT_TRUE(w.individual_triadic);
  EXPECT_TRUE(w.checks.empty()) << w.checks.front().words;
}

TEST(HoursRulesWeek, TenAndAHalfDirectHoursNeedTwoUnits) {
  Log log(Track::kAmft);
  log.Add("2025-11-03", 630, Category::kIndividual);
  log.Add("2025-11-04", 60, Category::kSupervisionIndividual);
  const Progress p = log.Evaluate();
  const WeekResult& w = log.Week(p, "2025-11-03");
  // One unit covers 10 direct hours: 600 of the 630 direct minutes, and the supervision.
  EXPECT_EQ(w.totals.credited, 660);
  EXPECT_TRUE(w.supervised);  // it had qualifying supervision
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_EQ(w.checks[0].id, "supervision_short");
  EXPECT_EQ(w.checks[0].level, Check::Level::kProblem);
  EXPECT_EQ(w.checks[0].words,
            "Week of 3 Nov 2025 at Valley Clinic: 10.5 direct hours need 2 hours of supervision; "
            "1 logged. 1 hour of supervision covers 10 direct hours, so 0.5 direct hours are not "
            "credited.");
  Log two(Track::kAmft);
  two.Add("2025-11-03", 630, Category::kIndividual);
  two.Add("2025-11-04", 120, Category::kSupervisionTriadic);
  EXPECT_EQ(two.Week(two.Evaluate(), "2025-11-03").totals.credited, 750);
}

TEST(HoursRulesWeek, TwelveDirectHoursWithOneHourOfSupervisionSayWhatIsMissing) {
  Log log(Track::kAmft);
  log.Add("2025-11-03", 360, Category::kIndividual, "s1", false, {}, "J.D.");
  log.Add("2025-11-05", 360, Category::kCouplesFamilyChildren, "s1", false, {}, "A.B.");
  log.Add("2025-11-06", 60, Category::kSupervisionIndividual);
  const Progress p = log.Evaluate();
  const WeekResult& w = log.Week(p, "2025-11-03");
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_EQ(w.checks[0].words,
            "Week of 3 Nov 2025 at Valley Clinic: 12 direct hours need 2 hours of supervision; 1 "
            "logged. 1 hour of supervision covers 10 direct hours, so 2 direct hours are not "
            "credited.");
  EXPECT_EQ(w.checks[0].setting_id, "s1");
  EXPECT_EQ(w.checks[0].week, D("2025-11-03"));
  // The earliest direct hours are the covered ones: 6 individual, then 4 of the 6 CFC.
  EXPECT_EQ(w.totals.credited, 660);
  EXPECT_EQ(log.BarOf(p, "cfc").counted_minutes, 240);
  for (const Check& c : log.AllChecks(p)) {
    EXPECT_EQ(c.words.find("J.D."), std::string::npos);
    EXPECT_EQ(c.words.find("A.B."), std::string::npos);
  }
}

// Short of the two units, each whole unit covers 10 direct hours: 1.5 units cover 10, not
// 15 (docs/hours-rules.md § Partial cover, an interpretation) [C1][S5].
TEST(HoursRulesWeek, OneAndAHalfUnitsCoverTenDirectHours) {
  Log log(Track::kApcc);
  log.Add("2025-11-03", 720, Category::kIndividual);
  log.Add("2025-11-04", 60, Category::kSupervisionIndividual);
  log.Add("2025-11-05", 60, Category::kSupervisionGroup, "s1", false, 5);
  const Progress p = log.Evaluate();
  const WeekResult& w = log.Week(p, "2025-11-03");
  EXPECT_EQ(w.totals.supervision_units, 1.5);
  EXPECT_EQ(w.totals.credited, 600 + 60 + 60);
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_EQ(w.checks[0].words,
            "Week of 3 Nov 2025 at Valley Clinic: 12 direct hours need 2 hours of supervision; "
            "1.5 logged (2 hours of group supervision count as 1). 1 hour of supervision covers "
            "10 direct hours, so 2 direct hours are not credited.");
}

// Group supervision: 2 hours with no more than 8 supervisees make 1 unit
// [C1 §4980.43.2(b)(1)][G1][S5].
TEST(HoursRulesWeek, GroupOfEightMakesAUnitGroupOfNineDoesNot) {
  Log eight(Track::kAmft);
  eight.Add("2025-11-03", 300, Category::kIndividual);
  eight.Add("2025-11-04", 120, Category::kSupervisionGroup, "s1", false, 8);
  const Progress p_w8 = eight.Evaluate();
  const WeekResult& w8 = eight.Week(p_w8, "2025-11-03");
  EXPECT_EQ(w8.totals.supervision_units, 1.0);
  EXPECT_EQ(w8.totals.credited, 420);
  EXPECT_TRUE(w8.supervised);
  EXPECT_FALSE(w8.individual_triadic);
  EXPECT_TRUE(w8.checks.empty());

  Log nine(Track::kAmft);
  nine.Add("2025-11-03", 300, Category::kIndividual);
  nine.Add("2025-11-04", 120, Category::kSupervisionGroup, "s1", false, 9);
  const Progress p = nine.Evaluate();
  const WeekResult& w9 = nine.Week(p, "2025-11-03");
  EXPECT_EQ(w9.totals.supervision_units, 0.0);
  EXPECT_EQ(w9.totals.credited, 0);
  EXPECT_FALSE(w9.supervised);
  ASSERT_EQ(w9.checks.size(), 2u);
  EXPECT_EQ(w9.checks[0].id, "group_too_large");
  EXPECT_EQ(w9.checks[0].words,
            "Week of 3 Nov 2025 at Valley Clinic: 2 hours of group supervision with more than 8 "
            "supervisees are not counted (a supervision group may have at most 8).");
  EXPECT_EQ(w9.checks[1].id, "supervision_missing");
  EXPECT_EQ(p.weeks_supervised, 0);
}

// A group hour is half a unit; 1.5 group hours are 0.75 of a unit, short of the weekly
// minimum of 1 on their own (docs/hours-rules.md § Units) [C1 §4980.43.2(b)(1)][T7].
TEST(HoursRulesWeek, GroupOfOneAndAHalfHoursIsThreeQuartersOfAUnit) {
  Log alone(Track::kAmft);
  alone.Add("2025-11-03", 300, Category::kIndividual);
  alone.Add("2025-11-04", 90, Category::kSupervisionGroup, "s1", false, 6);
  const Progress p_w = alone.Evaluate();
  const WeekResult& w = alone.Week(p_w, "2025-11-03");
  EXPECT_EQ(w.totals.supervision_units, 0.75);
  EXPECT_EQ(w.totals.credited, 0);
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_EQ(w.checks[0].words,
            "Week of 3 Nov 2025 at Valley Clinic: 6.5 hours need 1 hour of supervision; 0.75 "
            "logged (2 hours of group supervision count as 1). So 6.5 hours are not credited: "
            "supervision must be in the same week as the hours it covers.");

  Log mixed(Track::kAmft);  // half an hour individual + 1.5 group = 1.25 units
  mixed.Add("2025-11-03", 300, Category::kIndividual);
  mixed.Add("2025-11-04", 90, Category::kSupervisionGroup, "s1", false, 6);
  mixed.Add("2025-11-05", 30, Category::kSupervisionIndividual);
  const Progress p_m = mixed.Evaluate();
  const WeekResult& m = mixed.Week(p_m, "2025-11-03");
  EXPECT_EQ(m.totals.supervision_units, 1.25);
  EXPECT_EQ(m.totals.credited, 420);
  EXPECT_FALSE(m.individual_triadic);  // under an hour of individual/triadic
}

// A group segment under 60 minutes cannot be claimed [T7][S5] (unconfirmed).
TEST(HoursRulesWeek, GroupSegmentUnderAnHourIsNotClaimable) {
  Log log(Track::kApcc);
  log.Add("2025-11-03", 300, Category::kIndividual);
  log.Add("2025-11-04", 60, Category::kSupervisionIndividual);
  log.Add("2025-11-05", 45, Category::kSupervisionGroup, "s1", false, 4);
  log.Add("2025-11-06", 120, Category::kSupervisionGroup);  // no size: assumed <= 8
  const Progress p_w = log.Evaluate();
  const WeekResult& w = log.Week(p_w, "2025-11-03");
  EXPECT_EQ(w.totals.supervision_group, 165);
  EXPECT_EQ(w.totals.supervision_units, 2.0);
  EXPECT_EQ(w.totals.credited, 300 + 60 + 120);
  ASSERT_EQ(w.checks.size(), 2u);
  EXPECT_EQ(w.checks[0].words,
            "Week of 3 Nov 2025 at Valley Clinic: 1 group supervision session shorter than 60 "
            "minutes (0.75 hours in all) cannot be claimed.");
  EXPECT_EQ(w.checks[1].id, "group_size_unknown");
  EXPECT_EQ(w.checks[1].level, Check::Level::kInfo);
}

// The same-week rule: no supervision, nothing credited [C1 §4980.43.2(e)][C2]; workshop
// hours count in a week without supervision [T8] (unconfirmed).
TEST(HoursRulesWeek, WeekWithoutSupervisionCreditsNothingButItsWorkshops) {
  Log log(Track::kAmft);
  log.Add("2025-11-03", 480, Category::kIndividual);
  log.Add("2025-11-07", 180, Category::kWorkshop);
  const Progress p = log.Evaluate();
  const WeekResult& w = log.Week(p, "2025-11-03");
  EXPECT_EQ(w.totals.total, 660);
  EXPECT_EQ(w.totals.credited, 180);
  EXPECT_FALSE(w.supervised);
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_EQ(w.checks[0].id, "supervision_missing");
  EXPECT_EQ(w.checks[0].words,
            "Week of 3 Nov 2025 at Valley Clinic: 8 hours need 1 hour of supervision; none "
            "logged. So 8 hours are not credited: supervision must be in the same week as the "
            "hours it covers.");
  EXPECT_EQ(p.credited_minutes, 180);
  EXPECT_EQ(p.logged_minutes, 660);
}

TEST(HoursRulesWeek, WeekWithOnlyAWorkshopIsCreditedWithoutSupervision) {
  Log log(Track::kAmft);
  log.Add("2025-11-05", 480, Category::kWorkshop);
  const Progress p = log.Evaluate();
  const WeekResult& w = log.Week(p, "2025-11-03");
  EXPECT_EQ(w.totals.credited, 480);
  EXPECT_TRUE(w.checks.empty());
  EXPECT_FALSE(w.supervised);  // no supervision: not one of the 104 weeks
  EXPECT_EQ(p.weeks_supervised, 0);
  EXPECT_EQ(log.BarOf(p, "nonclinical").counted_minutes, 480);
}

// AMFT trainees: 1 unit for every 5 direct hours [C1 §4980.43.2][CS].
TEST(HoursRulesWeek, TraineeNeedsOneUnitPerFiveDirectHours) {
  Log log(Track::kAmft);
  log.Add("2025-11-03", 720, Category::kIndividual, "s1", true);
  log.Add("2025-11-04", 120, Category::kSupervisionIndividual, "s1", true);
  const Progress p_w = log.Evaluate();
  const WeekResult& w = log.Week(p_w, "2025-11-03", "s1", true);
  EXPECT_EQ(w.totals.credited, 600 + 120);
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_EQ(w.checks[0].words,
            "Week of 3 Nov 2025 at Valley Clinic (pre-degree): 12 direct hours need 3 hours of "
            "supervision (1 for every 5 direct hours); 2 logged. 2 hours of supervision cover 10 "
            "direct hours, so 2 direct hours are not credited.");
  Log five(Track::kAmft);  // exactly 5 direct hours: 1 unit
  five.Add("2025-11-03", 300, Category::kIndividual, "s1", true);
  five.Add("2025-11-04", 60, Category::kSupervisionIndividual, "s1", true);
  EXPECT_EQ(five.Week(five.Evaluate(), "2025-11-03", "s1", true).totals.credited, 360);
}

// ---- One calendar week across settings ---------------------------------------------

// At most 6 hours of supervision credited a week, across settings
// [C1 §4980.43.2(a)(2)–(3)][S4][S5] (possibly removed by SB 775: unconfirmed).
TEST(HoursRulesWeek, SevenHoursOfSupervisionCreditSix) {
  Log log(Track::kAmft);
  log.Add("2025-11-03", 300, Category::kIndividual, "s1");
  log.Add("2025-11-03", 240, Category::kSupervisionIndividual, "s1");
  log.Add("2025-11-05", 300, Category::kIndividual, "s2");
  log.Add("2025-11-05", 180, Category::kSupervisionTriadic, "s2");
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.credited_minutes, 300 + 240 + 300 + 120);  // the latest hour goes
  EXPECT_EQ(log.Week(p, "2025-11-03", "s1").totals.credited, 540);
  EXPECT_EQ(log.Week(p, "2025-11-03", "s2").totals.credited, 420);
  ASSERT_EQ(p.checks.size(), 1u);
  EXPECT_EQ(p.checks[0].id, "supervision_over_weekly_cap");
  EXPECT_EQ(p.checks[0].level, Check::Level::kWarning);
  EXPECT_EQ(p.checks[0].words,
            "Week of 3 Nov 2025: 7 hours of supervision across work settings; at most 6 count in "
            "a week, so 1 hour is not credited.");
  EXPECT_FALSE(p.checks[0].setting_id);
  // Both settings' weeks show it.
  EXPECT_EQ(log.Week(p, "2025-11-03", "s1").checks.size(), 1u);
  EXPECT_EQ(log.Week(p, "2025-11-03", "s2").checks.size(), 1u);
}

// 40 hours in any 7 consecutive days [S1][C1 §4980.43(c)(2)]: Fri 7 to Thu 13 Nov hold 41
// hours although each calendar week holds fewer than 40.
TEST(HoursRulesWeek, FortyOneHoursInSevenDaysAcrossTwoCalendarWeeks) {
  Log log(Track::kAmft);
  log.Add("2025-11-07", 120, Category::kSupervisionIndividual);
  log.Add("2025-11-08", 540, Category::kIndividual);
  log.Add("2025-11-09", 540, Category::kIndividual);
  log.Add("2025-11-10", 120, Category::kSupervisionIndividual);
  log.Add("2025-11-11", 540, Category::kIndividual);
  log.Add("2025-11-12", 600, Category::kIndividual);
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.credited_minutes, 41 * 60);  // each calendar week is under 40: all credited
  ASSERT_EQ(p.checks.size(), 1u);
  EXPECT_EQ(p.checks[0].id, "over_40_in_7_days");
  EXPECT_EQ(p.checks[0].level, Check::Level::kProblem);
  EXPECT_EQ(p.checks[0].words,
            "Fri 7 Nov 2025 to Thu 13 Nov 2025: 41 hours in 7 consecutive days; at most 40 hours "
            "may be claimed in any 7 consecutive days. Move or remove hours on these days.");
  EXPECT_EQ(log.Week(p, "2025-11-03").checks.size(), 1u);
  EXPECT_EQ(log.Week(p, "2025-11-10").checks.size(), 1u);
}

TEST(HoursRulesWeek, ACalendarWeekCreditsAtMostFortyHours) {
  Log log(Track::kAmft);
  log.Add("2025-11-03", 120, Category::kSupervisionIndividual, "s1");
  log.Add("2025-11-04", 1200, Category::kIndividual, "s1");
  log.Add("2025-11-05", 60, Category::kSupervisionIndividual, "s2");
  log.Add("2025-11-06", 600, Category::kIndividual, "s2");
  log.Add("2025-11-07", 660, Category::kNotesReports, "s2");
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.credited_minutes, 40 * 60);
  EXPECT_EQ(log.Week(p, "2025-11-03", "s2").totals.credited, 60 + 600 + 420);
  bool capped = false;
  for (const Check& c : p.checks) {
    if (c.id == "over_40_in_week") {
      capped = true;
      EXPECT_EQ(c.words,
                "Week of 3 Nov 2025: 44 hours across work settings; at most 40 count in a week, so "
                "the last 4 hours of the week are not credited.");
    }
  }
  EXPECT_TRUE(capped);
}

}  // namespace
}  // namespace alcove::hours
