// The security page's data (security/claims.hpp): CTest's JUnit file read as CTest writes
// it, each test of the sources matched to its runs (parameters, "# GetParam()"), and a
// promise kept only when a test proving it passed and none failed; without results, not
// verified. The manifest the build made holds every promise of CLAIMS.md with its tests.
#include "security/claims.hpp"

#include <gtest/gtest.h>

#include <string>

namespace alcove::security {
namespace {

// The shape of `ctest --output-junit` (CMake 3.25), names escaped as CTest escapes them.
constexpr std::string_view kRun = R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="Linux-c++" tests="5" failures="1" disabled="0" skipped="1" hostname="" time="3" timestamp="2026-12-03T14:03:17">
	<testcase name="TransportTest.C12_HstsForAtLeastAYearWithSubdomainsAndPreload" classname="TransportTest.C12_HstsForAtLeastAYearWithSubdomainsAndPreload" time="0.5" status="run">
		<system-out>[ RUN      ] ok &lt;fine&gt;</system-out>
	</testcase>
	<testcase name="Engines/PortalApiTest.C22NoRoute/sqlite  # GetParam() = 4-byte object &lt;00-00 00-00&gt;" classname="x" time="0.08" status="fail">
		<failure message="Failed"/>
		<system-out>Expected equality</system-out>
	</testcase>
	<testcase name="Engines/PortalApiTest.C22NoRoute/postgres  # GetParam() = 4-byte object &lt;01-00 00-00&gt;" classname="x" time="0.3" status="run">
	</testcase>
	<testcase name="Engines/AiJobsTest.C54NoFile/postgres" classname="x" time="0" status="notrun">
		<skipped message="Skipped"/>
	</testcase>
	<testcase name="Framing.OnlyUnambiguousFramingPasses" classname="x" time="0.01" status="run"/>
</testsuite>
)";

std::vector<Claim> Claims() {
  return {
      {.id = "C12",
       .section = "Transport",
       .text = "HSTS.",
       .tests = {"TransportTest.C12_HstsForAtLeastAYearWithSubdomainsAndPreload"}},
      {.id = "C22",
       .section = "Access control",
       .text = "Notes never shared.",
       .tests = {"PortalApiTest.C22NoRoute",
                 "TransportTest.C12_HstsForAtLeastAYearWithSubdomainsAndPreload"}},
      {.id = "C54", .section = "Privacy", .text = "AI.", .tests = {"AiJobsTest.C54NoFile"}},
      {.id = "C14", .section = "Transport", .text = "Limits.", .tests = {"Limits.NotInThisRun"}},
  };
}

TEST(JUnit, ReadsEveryCaseWithItsOutcomeAsCTestWritesIt) {
  auto run = ParseJUnit(kRun);
  ASSERT_TRUE(run) << run.error().internal;
  EXPECT_EQ(run->timestamp, "2026-12-03T14:03:17");
  ASSERT_EQ(run->cases.size(), 5U);
  EXPECT_EQ(run->cases[0].outcome, Outcome::kPassed);
  EXPECT_EQ(run->cases[1].name,
            "Engines/PortalApiTest.C22NoRoute/sqlite  # GetParam() = 4-byte object <00-00 00-00>");
  EXPECT_EQ(run->cases[1].outcome, Outcome::kFailed);
  EXPECT_EQ(run->cases[2].outcome, Outcome::kPassed);
  EXPECT_EQ(run->cases[3].outcome, Outcome::kSkipped);
  EXPECT_EQ(run->cases[4].name, "Framing.OnlyUnambiguousFramingPasses");
}

TEST(JUnit, RefusesWhatIsNotAResultsFile) {
  EXPECT_FALSE(ParseJUnit(""));
  EXPECT_FALSE(ParseJUnit("<html><body>no</body></html>"));
  EXPECT_FALSE(ParseJUnit("<testsuite><testcase name=\"a\" status=\"run\">"));    // cut short
  EXPECT_FALSE(ParseJUnit("<testsuite><testcase status=\"run\"/></testsuite>"));  // no name
  EXPECT_EQ(ReadJUnit("/nonexistent/results.xml").error().code, ErrorCode::kNotFound);
}

TEST(JUnit, LoadsNoExternalEntity) {
  // An entity naming a file is not read into a test's name (XXE).
  auto run = ParseJUnit(
      "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
      "<testsuite><testcase name=\"A.B&x;\" status=\"run\"/></testsuite>");
  if (run) {
    ASSERT_EQ(run->cases.size(), 1U);
    EXPECT_EQ(run->cases[0].name, "A.B");
  }
}

TEST(JUnit, ATestIsMatchedToItsRunsOnly) {
  EXPECT_TRUE(IsRunOf("Suite.Name", "Suite.Name"));
  EXPECT_TRUE(
      IsRunOf("Engines/Suite.Name/sqlite  # GetParam() = 4-byte object <00>", "Suite.Name"));
  EXPECT_TRUE(IsRunOf("Prefix/Suite.Name", "Suite.Name"));
  EXPECT_FALSE(IsRunOf("Suite.NameLonger", "Suite.Name"));
  EXPECT_FALSE(IsRunOf("OtherSuite.Name", "Suite.Name"));
  EXPECT_FALSE(IsRunOf("Engines/Suite.Name2/sqlite", "Suite.Name"));
  EXPECT_FALSE(IsRunOf("Suite.Name", ""));
}

TEST(Standing, APromiseWithAFailedTestIsNotKeptAndOneWithoutAPassingTestNeither) {
  auto run = ParseJUnit(kRun);
  ASSERT_TRUE(run);
  const auto report = Evaluate(Claims(), *run);
  EXPECT_TRUE(report.verified);
  EXPECT_EQ(report.run_tests, 5);
  EXPECT_EQ(report.run_failed, 1);
  ASSERT_EQ(report.claims.size(), 4U);
  EXPECT_EQ(report.claims[0].standing, Standing::kKept);
  EXPECT_EQ(report.claims[0].tests[0].result, "passed");
  // One run of C22's test failed, the other passed: not kept.
  EXPECT_EQ(report.claims[1].standing, Standing::kNotKept);
  EXPECT_EQ(report.claims[1].tests[0].result, "failed");
  EXPECT_EQ(report.claims[1].tests[0].runs, 2);
  // Only skipped: not kept. Not in the run at all: not kept.
  EXPECT_EQ(report.claims[2].standing, Standing::kNotKept);
  EXPECT_EQ(report.claims[2].tests[0].result, "skipped");
  EXPECT_EQ(report.claims[3].standing, Standing::kNotKept);
  EXPECT_EQ(report.claims[3].tests[0].result, "not run");
  EXPECT_EQ(report.kept, 1);
}

TEST(Standing, WithoutResultsNothingIsMarkedKept) {
  const auto report = Evaluate(Claims(), std::nullopt);
  EXPECT_FALSE(report.verified);
  EXPECT_EQ(report.kept, 0);
  for (const auto& c : report.claims) {
    EXPECT_EQ(c.standing, Standing::kNotVerified) << c.claim.id;
  }
}

TEST(ClaimsManifest, TheBuildsManifestHoldsEveryPromiseWithATest) {
  auto claims = ReadClaimsManifest(ALCOVE_CLAIMS_MANIFEST);
  ASSERT_TRUE(claims) << claims.error().internal;
  ASSERT_GE(claims->size(), 30U);
  bool c12 = false;
  for (const auto& c : *claims) {
    EXPECT_FALSE(c.tests.empty()) << c.id << " has no test";
    EXPECT_EQ(c.text.find("**"), std::string::npos) << c.id << ": plain words";
    if (c.id == "C12") {
      c12 = true;
      EXPECT_EQ(c.section, "Transport");
      EXPECT_NE(std::find(c.tests.begin(), c.tests.end(),
                          "TransportTest.C12_HstsForAtLeastAYearWithSubdomainsAndPreload"),
                c.tests.end());
    }
  }
  EXPECT_TRUE(c12);
  EXPECT_FALSE(ParseClaimsManifest("{\"claims\": 3}"));
  EXPECT_FALSE(ParseClaimsManifest("not json"));
  EXPECT_EQ(ReadClaimsManifest("/nonexistent.json").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace alcove::security
