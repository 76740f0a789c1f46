// The security page through the binary (docs/security.md § The security page): built
// from the build's claims manifest and a real results file. A results file in which one
// test proving a promise failed shows that promise as not kept, on the page and in the
// JSON; without a results file every promise is "not verified in this build" and none is
// marked kept; a results file that is not JUnit stops the server with a message.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <string>

#include "security/claims.hpp"
#include "support/https_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A JUnit file in CTest's shape in which every test of the manifest passed but
// `failing` (run twice, as a parameterised test, once failed).
std::string ResultsWithOneFailure(const std::string& failing) {
  auto claims = security::ReadClaimsManifest(ALCOVE_CLAIMS_MANIFEST);
  EXPECT_TRUE(claims);
  std::set<std::string> tests;
  for (const auto& c : *claims) {
    tests.insert(c.tests.begin(), c.tests.end());
  }
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"Linux-c++\" tests=\"" +
      std::to_string(tests.size() + 1) + "\" timestamp=\"2026-12-03T14:03:17\">\n";
  for (const auto& t : tests) {
    if (t == failing) {
      xml += "<testcase name=\"Engines/" + Escape(t) +
             "/sqlite  # GetParam() = 4-byte object &lt;00-00 00-00&gt;\" status=\"fail\">"
             "<failure message=\"Failed\"/></testcase>\n";
      xml += "<testcase name=\"Engines/" + Escape(t) + "/postgres\" status=\"run\"/>\n";
    } else {
      xml += "<testcase name=\"" + Escape(t) +
             "\" status=\"run\"><system-out>ok</system-out>"
             "</testcase>\n";
    }
  }
  return xml + "</testsuite>\n";
}

HttpResult Get(const ServerProcess& server, const std::string& path) {
  return Fetch(server.origin() + path, {.ca_file = server.certificate()});
}

// The JSON of promise `id`.
json::object ClaimOf(const std::string& body, const std::string& id) {
  const json::value v = json::parse(body);
  for (const auto& c : v.at("claims").as_array()) {
    if (c.at("id").as_string() == id) {
      return c.as_object();
    }
  }
  ADD_FAILURE() << "no " << id;
  return {};
}

TEST(SecurityPage, APromiseWhoseProvingTestFailedInTheRunIsShownAsNotKept) {
  const std::string failing = "TransportTest.C12_HstsForAtLeastAYearWithSubdomainsAndPreload";
  TempDir dir;
  const auto results = dir / "test-results.xml";
  std::ofstream(results) << ResultsWithOneFailure(failing);
  ServerProcess server({.env = {{"ALCOVE_SECURITY_TEST_RESULTS", results.string()}}});
  ASSERT_TRUE(server.started()) << server.Stderr();

  auto page = Get(server, "/security");
  ASSERT_EQ(page.status, 200);
  const auto at = page.body.find("id=\"claim-C12\"");
  ASSERT_NE(at, std::string::npos) << page.body;
  const std::string c12 = page.body.substr(at, page.body.find("</li>\n", at) - at);
  EXPECT_NE(c12.find("data-standing=\"not_kept\""), std::string::npos) << c12;
  EXPECT_NE(c12.find("Not kept: a test that proves it failed"), std::string::npos) << c12;
  EXPECT_NE(c12.find(failing + "</code>: failed (2 runs)"), std::string::npos) << c12;
  EXPECT_NE(page.body.find("2026-12-03T14:03:17 UTC"), std::string::npos);
  EXPECT_NE(page.body.find("failed. <strong>"), std::string::npos);
  // The others passed.
  const auto c10 = page.body.find("id=\"claim-C10\"");
  ASSERT_NE(c10, std::string::npos);
  EXPECT_NE(page.body.substr(c10, 200).find("data-standing=\"kept\""), std::string::npos);

  auto api = Get(server, "/api/v1/security");
  ASSERT_EQ(api.status, 200);
  const auto o = json::parse(api.body).as_object();
  EXPECT_TRUE(o.at("verified").as_bool());
  EXPECT_EQ(o.at("run").at("failed").as_int64(), 1);
  EXPECT_EQ(ClaimOf(api.body, "C12").at("standing").as_string(), "not_kept");
  EXPECT_EQ(ClaimOf(api.body, "C10").at("standing").as_string(), "kept");
  const auto claims = o.at("claims").as_array().size();
  EXPECT_EQ(o.at("kept").as_int64(), static_cast<std::int64_t>(claims) - 1);
}

TEST(SecurityPage, WithoutResultsEveryPromiseIsNotVerifiedInThisBuild) {
  TempDir dir;
  ServerProcess server({.env = {{"ALCOVE_SECURITY_TEST_RESULTS", (dir / "none.xml").string()}}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  auto page = Get(server, "/security");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Not verified in this build."), std::string::npos);
  EXPECT_EQ(page.body.find("data-standing=\"kept\""), std::string::npos) << "no mark without a run";
  EXPECT_EQ(page.body.find("data-standing=\"not_kept\""), std::string::npos);
  EXPECT_NE(page.body.find("id=\"claim-C01\""), std::string::npos);
  auto api = Get(server, "/api/v1/security");
  const auto o = json::parse(api.body).as_object();
  EXPECT_FALSE(o.at("verified").as_bool());
  EXPECT_TRUE(o.at("run").is_null());
  for (const auto& c : o.at("claims").as_array()) {
    EXPECT_EQ(c.at("standing").as_string(), "not_verified");
    EXPECT_FALSE(c.at("tests").as_array().empty()) << c.at("id").as_string();
  }
}

TEST(SecurityPage, AResultsFileThatIsNotJUnitStopsTheServerWithAMessage) {
  TempDir dir;
  const auto results = dir / "test-results.xml";
  std::ofstream(results) << "<html>this is not a results file";
  ServerProcess server({.env = {{"ALCOVE_SECURITY_TEST_RESULTS", results.string()}}});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stderr().find("test results"), std::string::npos) << server.Stderr();
}

// The operator's section: `alcove doctor --web-link` prints a link whose token (in the
// fragment) shows the live posture on the page and as JSON, for an hour; without it, or
// with a wrong one, 401 and nothing of the posture.
TEST(SecurityPage, TheOperatorsLinkShowsTheLivePostureAndNothingElseDoes) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  auto page = Get(server, "/security");
  EXPECT_NE(page.body.find("id=\"posture-form\""), std::string::npos);
  EXPECT_EQ(page.body.find("id=\"posture-heading\""), std::string::npos);

  const auto doctor = RunAlcove({"doctor", "--data-dir", server.data_dir().string(), "--web-link"});
  EXPECT_EQ(doctor.exit_code, 1) << doctor.out << doctor.err;  // the development directory
  const auto at = doctor.out.find("/security#token=");
  ASSERT_NE(at, std::string::npos) << doctor.out;
  const std::string token = doctor.out.substr(at + 16, 43);

  auto post = [&](const std::string& t) {
    return Fetch(server.origin() + "/security/posture",
                 {.method = "POST",
                  .body = "token=" + t,
                  .headers = {"Content-Type: application/x-www-form-urlencoded",
                              "Origin: " + server.origin()},
                  .ca_file = server.certificate()});
  };
  auto shown = post(token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_NE(shown.body.find("id=\"posture-heading\""), std::string::npos);
  EXPECT_NE(shown.body.find("data-item=\"tls.certificate\" data-level=\"warning\""),
            std::string::npos);
  EXPECT_NE(shown.body.find("development certificate for localhost"), std::string::npos);
  EXPECT_NE(shown.body.find("data-item=\"mail\" data-level=\"warning\""), std::string::npos);
  EXPECT_NE(shown.body.find("id=\"claim-C01\""), std::string::npos) << "the same page";

  std::string wrong = token;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  auto refused = post(wrong);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("id=\"posture-refused\""), std::string::npos);
  EXPECT_EQ(refused.body.find("development certificate"), std::string::npos);
  EXPECT_EQ(post("").status, 401);

  auto api =
      Fetch(server.origin() + "/api/v1/security/posture",
            {.headers = {"Authorization: Bearer " + token}, .ca_file = server.certificate()});
  ASSERT_EQ(api.status, 200) << api.body;
  const auto o = json::parse(api.body).as_object();
  EXPECT_TRUE(o.at("needs_attention").as_bool());
  bool cert = false;
  for (const auto& i : o.at("items").as_array()) {
    if (i.at("id").as_string() == "tls.certificate") {
      cert = true;
      EXPECT_EQ(i.at("level").as_string(), "warning");
      EXPECT_TRUE(i.at("fix").is_string());
    }
  }
  EXPECT_TRUE(cert);
  EXPECT_EQ(Fetch(server.origin() + "/api/v1/security/posture",
                  {.headers = {"Authorization: Bearer " + wrong}, .ca_file = server.certificate()})
                .status,
            401);
  EXPECT_EQ(Get(server, "/api/v1/security/posture").status, 401);
}

}  // namespace
}  // namespace alcove::testing
