// The rules engine over many weeks (src/hours/engine.cpp): pre-degree limits, the 6-year
// window, maximums, weeks, pace and completion, against totals computed by hand from
// ../shared/domain/bbs-hours-rules.md; each case names its source tags.

#include <gtest/gtest.h>

#include "hours/rules.hpp"
#include "hours/rules_test_log.hpp"

namespace alcove::hours {
namespace {

using std::chrono::days;
using test::D;
using test::Log;

Day Monday(std::string_view first, int week) { return D(first) + days(7 * week); }

std::string WordsOf(const Progress& p, std::string_view id) {
  const Check* c = Log::Find(p, id);
  EXPECT_NE(c, nullptr) << "no check " << id;
  return c == nullptr ? std::string() : c->words;
}

// AMFT: at most 1,300 pre-degree hours [C1 §4980.43(c)(3)–(6)][C5]. 70 trainee weeks of
// 5 direct, 1 supervision and 14 nonclinical hours: 1,400 hours, of which the last 100
// (the last 5 weeks) are over the limit.
TEST(HoursRulesTotals, AmftPreDegreeFourteenHundredHoursCreditThirteenHundred) {
  Log log(Track::kAmft);
  for (int w = 0; w < 70; ++w) {
    log.Add(Monday("2023-01-02", w), 300, Category::kIndividual, "s1", true);
    log.Add(Monday("2023-01-02", w), 60, Category::kSupervisionIndividual, "s1", true);
    log.Add(Monday("2023-01-02", w) + days(1), 840, Category::kNotesReports, "s1", true);
  }
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.logged_minutes, 1400 * 60);
  EXPECT_EQ(p.credited_minutes, 1300 * 60);
  EXPECT_EQ(Log::BarOf(p, "total").counted_minutes, 1300 * 60);
  EXPECT_EQ(Log::BarOf(p, "direct").counted_minutes, 65 * 300);
  EXPECT_EQ(Log::BarOf(p, "nonclinical").counted_minutes, 65 * 900);
  EXPECT_EQ(Log::BarOf(p, "post_degree").counted_minutes, 0);
  EXPECT_EQ(Log::BarOf(p, "post_degree").required_minutes, 1700 * 60);
  EXPECT_EQ(WordsOf(p, "pre_degree_over_cap"),
            "Pre-degree hours come to 1,400 hours; at most 1,300 hours count, so the last 100 "
            "hours are not credited.");
  EXPECT_EQ(Log::Find(p, "pre_degree_direct_over_cap"), nullptr);
  EXPECT_EQ(WordsOf(p, "post_degree_short"),
            "At least 1,700 hours must be post-degree; 0 hours so far.");
  EXPECT_EQ(p.weeks_supervised, 65);  // the last 5 weeks have nothing credited
}

// Of the pre-degree hours at most 750 may be counseling plus direct supervisor contact
// [C1 §4980.43(c)(3)–(6)][C5][CS]: 80 weeks of 8 direct and 2 supervision hours.
TEST(HoursRulesTotals, AmftPreDegreeEightHundredDirectAndSupervisionCreditSevenFifty) {
  Log log(Track::kAmft);
  for (int w = 0; w < 80; ++w) {
    log.Add(Monday("2023-01-02", w), 480, Category::kIndividual, "s1", true);
    log.Add(Monday("2023-01-02", w) + days(1), 120, Category::kSupervisionIndividual, "s1", true);
  }
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.credited_minutes, 750 * 60);
  EXPECT_EQ(WordsOf(p, "pre_degree_direct_over_cap"),
            "Pre-degree counseling and supervision come to 800 hours; at most 750 hours count, "
            "so the last 50 hours are not credited.");
  EXPECT_EQ(Log::Find(p, "pre_degree_over_cap"), nullptr);
}

// APCC: practicum hours count zero [S3][S4][C5].
TEST(HoursRulesTotals, ApccPreDegreeHoursCountZero) {
  Log log(Track::kApcc);
  log.Add("2025-11-03", 300, Category::kIndividual, "s1", true);
  log.Add("2025-11-04", 60, Category::kSupervisionIndividual, "s1", true);
  log.Add("2025-11-10", 300, Category::kIndividual);
  log.Add("2025-11-11", 60, Category::kSupervisionIndividual);
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.credited_minutes, 360);
  EXPECT_EQ(Log::Week(p, "2025-11-03", "s1", true).totals.credited, 0);
  EXPECT_FALSE(Log::Week(p, "2025-11-03", "s1", true).supervised);
  EXPECT_EQ(p.weeks_supervised, 1);
  EXPECT_EQ(WordsOf(p, "pre_degree_not_counted"),
            "Pre-degree hours do not count toward this licence: 6 hours logged before the "
            "degree are not credited.");
  for (const Bar& b : p.bars) {
    EXPECT_NE(b.id, "post_degree");  // no pre-degree hours count: the total says it all
  }
}

// Hours count only within the 6 years before the Board receives the application
// [S1][FA][C1][C5]; APCC wording unconfirmed [AR][AH]. 14 Jun 2020 is 6 years and 1 day
// before 15 Jun 2026; 15 Jun 2020 is exactly 6 years before.
TEST(HoursRulesTotals, SixYearWindowDropsHoursSixYearsAndOneDayBeforeTheApplication) {
  auto two_weeks = [](Log& log, bool pre) {
    log.profile.application_date = D("2026-06-15");
    log.Add("2020-06-14", 60, Category::kSupervisionIndividual, "s1", pre);
    log.Add("2020-06-14", 240, Category::kIndividual, "s1", pre);
    log.Add("2020-06-15", 60, Category::kSupervisionIndividual, "s1", pre);
    log.Add("2020-06-15", 240, Category::kIndividual, "s1", pre);
  };
  Log apcc(Track::kApcc);
  two_weeks(apcc, false);
  const Progress p = apcc.Evaluate();
  EXPECT_EQ(p.credited_minutes, 300);
  EXPECT_EQ(Log::Week(p, "2020-06-08").totals.credited, 0);
  EXPECT_EQ(Log::Week(p, "2020-06-15").totals.credited, 300);
  EXPECT_EQ(WordsOf(p, "window_expired"),
            "5 hours logged before 15 Jun 2020 are more than 6 years before the planned "
            "application date, 15 Jun 2026, and not credited (hours count only within the 6 "
            "years before the Board receives the application).");
  EXPECT_EQ(WordsOf(p, "window_expiring"),
            "5 hours logged before 13 Sep 2020 fall outside the 6-year window if the "
            "application is received up to 90 days after the planned application date, 15 Jun "
            "2026.");
  EXPECT_EQ(p.weeks_supervised, 1);

  Log amft_post(Track::kAmft);
  two_weeks(amft_post, false);
  EXPECT_EQ(amft_post.Evaluate().credited_minutes, 300);

  // AMFT: up to 500 pre-degree hours are exempt [C1 §4980.43(c)(7)][S1] (unconfirmed).
  Log amft_pre(Track::kAmft);
  two_weeks(amft_pre, true);
  const Progress q = amft_pre.Evaluate();
  EXPECT_EQ(q.credited_minutes, 600);
  EXPECT_EQ(WordsOf(q, "window_exempt"),
            "5 hours of pre-degree experience from before 15 Jun 2020 count although they are "
            "more than 6 years old: up to 500 hours are exempt.");
}

TEST(HoursRulesTotals, SixYearWindowExemptsAtMostFiveHundredAmftPreDegreeHours) {
  Log log(Track::kAmft);
  log.profile.application_date = D("2026-06-15");
  for (int w = 0; w < 30; ++w) {  // 30 trainee weeks of 20 hours in 2019
    log.Add(Monday("2019-01-07", w), 240, Category::kIndividual, "s1", true);
    log.Add(Monday("2019-01-07", w), 60, Category::kSupervisionIndividual, "s1", true);
    log.Add(Monday("2019-01-07", w) + days(1), 900, Category::kNotesReports, "s1", true);
  }
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.credited_minutes, 500 * 60);  // the earliest 500 hours
  EXPECT_EQ(p.weeks_supervised, 25);
  EXPECT_EQ(WordsOf(p, "window_expired"),
            "100 hours logged before 15 Jun 2020 are more than 6 years before the planned "
            "application date, 15 Jun 2026, and not credited (hours count only within the 6 "
            "years before the Board receives the application). 500 hours of pre-degree "
            "experience from before then still count: up to 500 hours are exempt.");
}

TEST(HoursRulesTotals, SixYearWindowLooksBackFromTodayWithoutAnApplicationDate) {
  Log log(Track::kAmft);  // today 2 Dec 2026: the window starts on 2 Dec 2020
  log.Add("2020-12-01", 60, Category::kSupervisionIndividual);
  log.Add("2020-12-01", 240, Category::kIndividual);
  log.Add("2020-12-02", 240, Category::kIndividual);
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.credited_minutes, 240);
  EXPECT_EQ(WordsOf(p, "window_expiring"),
            "4 hours logged before 2 Mar 2021 fall outside the 6-year window within the next "
            "90 days.");
  EXPECT_NE(WordsOf(p, "window_expired").find("more than 6 years before today, 2 Dec 2026"),
            std::string::npos);
}

// At most 1,250 nonclinical hours, supervision included [C1 §4980.43(c)(10)][T1]; hours
// over it count toward the total neither.
TEST(HoursRulesTotals, NonclinicalOverTwelveFiftyCountsTwelveFifty) {
  Log log(Track::kAmft);
  for (int w = 0; w < 65; ++w) {
    log.Add(Monday("2024-01-01", w), 60, Category::kSupervisionIndividual);
    log.Add(Monday("2024-01-01", w) + days(1), 1140, Category::kNotesReports);
  }
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.logged_minutes, 1300 * 60);
  EXPECT_EQ(Log::BarOf(p, "nonclinical").counted_minutes, 1250 * 60);
  EXPECT_EQ(Log::BarOf(p, "nonclinical").kind, Requirement::Kind::kMaximum);
  EXPECT_EQ(Log::BarOf(p, "total").counted_minutes, 1250 * 60);
  EXPECT_EQ(p.credited_minutes, 1250 * 60);
  EXPECT_EQ(WordsOf(p, "over_maximum"),
            "Nonclinical practice (supervision included): at most 1,250 hours count and 1,300 "
            "hours would, so the last 50 hours count neither here nor toward the total.");
}

// ASW: 13 weeks of individual/triadic supervision under an LCSW [T5][G1][C2 §4996.23.1(g)],
// 1,700 hours under an LCSW [C2 §4996.23(d)(1)(A)][E1] (unconfirmed). s3's supervisor is an
// LCSW, s1's licence is unknown.
TEST(HoursRulesTotals, AswCountsWeeksAndHoursUnderAnLcsw) {
  Log log(Track::kAsw);
  auto week = [&](int w, const char* setting, Category supervision, std::int64_t minutes) {
    log.Add(Monday("2025-01-06", w), 300, Category::kIndividual, setting);
    log.Add(Monday("2025-01-06", w) + days(1), minutes, supervision, setting, false, 6);
  };
  week(0, "s3", Category::kSupervisionIndividual, 60);
  week(1, "s3", Category::kSupervisionTriadic, 60);
  week(2, "s3", Category::kSupervisionIndividual, 60);
  week(3, "s1", Category::kSupervisionIndividual, 60);
  week(4, "s1", Category::kSupervisionIndividual, 60);
  week(5, "s3", Category::kSupervisionGroup, 120);  // supervised, not individual/triadic
  week(6, "s3", Category::kSupervisionIndividual, 60);
  week(6, "s1", Category::kSupervisionIndividual, 60);  // the same week: counted once
  const Progress p = log.Evaluate();
  EXPECT_EQ(p.weeks_supervised, 7);
  EXPECT_EQ(p.weeks_individual_triadic, 6);
  EXPECT_EQ(p.weeks_under_license, 4);
  const Bar& weeks = Log::BarOf(p, "license_weeks");
  EXPECT_EQ(weeks.counted_minutes, 4);  // weeks bars count weeks
  EXPECT_EQ(weeks.required_minutes, 13);
  EXPECT_EQ(weeks.label, "Weeks of individual or triadic supervision by an LCSW");
  EXPECT_EQ(Log::BarOf(p, "lcsw_hours").counted_minutes, 3 * 360 + 420 + 360);
  EXPECT_EQ(Log::BarOf(p, "lcsw_hours").required_minutes, 1700 * 60);
  EXPECT_EQ(Log::BarOf(p, "psychotherapy").counted_minutes, 8 * 300);
  EXPECT_EQ(Log::BarOf(p, "direct").required_minutes, 2000 * 60);
  EXPECT_EQ(Log::BarOf(p, "nonclinical").required_minutes, 1000 * 60);
}

// Recent pace: 20 weeks of 20 credited hours each up to today (Sun 29 Nov 2026). The
// longest remaining time is the total: 2,600 hours at 20 a week = 130 weeks = 910 days
// (direct: 1,550 / 20 = 77.5 weeks; weeks: 84; individual/triadic: 32).
TEST(HoursRulesTotals, ProjectedCompletionAtASteadyPace) {
  Log log(Track::kApcc);
  log.today = D("2026-11-29");
  log.Add("2025-06-02", 60, Category::kWorkshop);  // long before the last 12 weeks
  for (int w = 0; w < 20; ++w) {
    const Day monday = Monday("2026-07-13", w);
    log.Add(monday, 600, Category::kIndividual);
    log.Add(monday + days(1), 60, Category::kSupervisionIndividual);
    log.Add(monday + days(2), 540, Category::kNotesReports);
  }
  const Progress p = log.Evaluate();
  EXPECT_EQ(Log::BarOf(p, "total").counted_minutes, 400 * 60 + 60);
  EXPECT_EQ(p.recent_hours_per_week, 20.0);
  EXPECT_FALSE(p.complete);
  ASSERT_TRUE(p.projected_completion);
  EXPECT_EQ(DayText(*p.projected_completion), "2029-05-27");

  Log empty(Track::kApcc);
  const Progress none = empty.Evaluate();
  EXPECT_EQ(none.recent_hours_per_week, 0.0);
  EXPECT_FALSE(none.projected_completion);
  EXPECT_FALSE(none.complete);
}

// Complete when every minimum is met [S4]: 104 weeks of 17 direct, 2 supervision and 10
// nonclinical hours: 3,016 hours, 1,768 direct, 1,248 nonclinical (at most 1,250).
TEST(HoursRulesTotals, CompleteWhenEveryMinimumIsMet) {
  auto two_years = [](Log& log, bool last_week_supervised) {
    log.today = D("2026-11-29");
    for (int w = 0; w < 104; ++w) {
      const Day monday = Monday("2024-11-25", w);
      log.Add(monday, 480, Category::kIndividual);
      log.Add(monday + days(1), 540, Category::kGroup);
      if (w < 103 || last_week_supervised) {
        log.Add(monday + days(2), 120, Category::kSupervisionIndividual);
      }
      log.Add(monday + days(3), 600, Category::kNotesReports);
    }
  };
  Log done(Track::kApcc);
  two_years(done, true);
  const Progress p = done.Evaluate();
  EXPECT_EQ(p.credited_minutes, 3016 * 60);
  EXPECT_EQ(Log::BarOf(p, "direct").counted_minutes, 1768 * 60);
  EXPECT_EQ(Log::BarOf(p, "nonclinical").counted_minutes, 1248 * 60);
  EXPECT_EQ(p.weeks_supervised, 104);
  EXPECT_EQ(p.weeks_individual_triadic, 104);
  EXPECT_TRUE(p.complete);
  EXPECT_FALSE(p.projected_completion);

  // Without the last week's supervision that week counts for nothing: 103 weeks and
  // 2,987 hours. Pace: 11 weeks of 29 hours and one of 0 over the last 12 = 26.58 a week;
  // 13 hours take 4 days, the missing week 7: done on 6 Dec 2026.
  Log short_one(Track::kApcc);
  two_years(short_one, false);
  const Progress q = short_one.Evaluate();
  EXPECT_EQ(q.credited_minutes, 2987 * 60);
  EXPECT_EQ(q.weeks_supervised, 103);
  EXPECT_FALSE(q.complete);
  EXPECT_DOUBLE_EQ(q.recent_hours_per_week, 11.0 * 29 / 12);
  ASSERT_TRUE(q.projected_completion);
  EXPECT_EQ(DayText(*q.projected_completion), "2026-12-06");
}

TEST(HoursRulesTotals, AmftBarsInOrderWithTheirSources) {
  Log log(Track::kAmft);
  const Progress p = log.Evaluate();
  std::vector<std::string> ids;
  for (const Bar& b : p.bars) {
    ids.push_back(b.id);
    EXPECT_FALSE(b.source.empty()) << b.id;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"total", "direct", "cfc", "nonclinical", "post_degree",
                                           "weeks", "individual_triadic_weeks"}));
  EXPECT_EQ(p.rules_id, "ca-bbs/amft");
  EXPECT_EQ(p.rules_version, 1);
}

}  // namespace
}  // namespace alcove::hours
