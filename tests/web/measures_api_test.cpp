// The questionnaires' JSON API and schedules page in process on both engines (part
// "api"; API.md § Questionnaires; docs/api.md): happy paths and every error, the link
// mailed on request (C53), the safety flag mail, tenant isolation (C20), answers sealed
// after HTTP-made assignments (C01), FHIR from the route validating against the R4
// schema, and the schedules' housekeeping with real appointments.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <regex>

#include "cli/modules.hpp"
#include "core/clock.hpp"
#include "measures/service.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;
namespace json = boost::json;

constexpr char kOrigin[] = "https://alcove.test";

class MeasuresApiTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("measures@alcove.test", "192.0.2.51");
    b_ = h_->SignUpTherapist("other@alcove.test", "192.0.2.52");
  }

  std::string NewClient(AppBrowser& b, const std::string& name, const std::string& email = "") {
    const std::string extra = email.empty() ? "" : R"(,"email":")" + email + R"(")";
    auto res = h_->Call(b, "POST", "/api/v1/clients", R"({"name":")" + name + R"(")" + extra + "}");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  Response Assign(AppBrowser& b, const std::string& client, const std::string& body) {
    return h_->Call(b, "POST", "/api/v1/clients/" + client + "/assignments", body);
  }

  // Submits through the service the app's routes use (the public form is another part's).
  std::string Submit(const std::string& link, std::vector<std::uint8_t> answers) {
    auto* m = cli::MeasuresOf(h_->modules());
    EXPECT_NE(m, nullptr);
    auto id =
        m->Submit(crypto::SecretString(link.substr(3)), measures::Answers(std::move(answers)),
                  identity::Caller{.ip = "198.51.100.7", .user_agent = "t", .known_browser = ""});
    EXPECT_TRUE(id) << (id ? "" : id.error().internal);
    return id ? *id : "";
  }

  static json::value Parse(const std::string& body) { return json::parse(body); }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_, b_;
};

TEST_P(MeasuresApiTest, InstrumentsAreListed) {
  auto res = h_->Call(a_, "GET", "/api/v1/instruments");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto list = Parse(res.body).as_array();
  ASSERT_GE(list.size(), 5u);
  bool phq = false;
  for (const auto& v : list) {
    const auto& o = v.as_object();
    if (o.at("id") == "phq-9") {
      phq = true;
      EXPECT_EQ(o.at("name"), "PHQ-9");
      EXPECT_EQ(o.at("items").as_int64(), 10);
    }
  }
  EXPECT_TRUE(phq) << res.body;
}

TEST_P(MeasuresApiTest, AssignListAndCancelAsTheApiSays) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic");
  auto res = Assign(a_, c, R"({"instrument":"phq-9","expires_in_hours":48})");
  ASSERT_EQ(res.status, 201) << res.body;
  const auto made = Parse(res.body).as_object();
  const std::string id(made.at("id").as_string());
  const std::string link(made.at("link").as_string());
  EXPECT_TRUE(std::regex_match(link, std::regex("/q/[A-Za-z0-9_-]{43}"))) << link;
  EXPECT_EQ(made.at("emailed"), false);
  ASSERT_TRUE(made.contains("expires_at"));

  res = h_->Call(a_, "GET", "/api/v1/clients/" + c + "/assignments");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body.find(link.substr(3)), std::string::npos) << "the link is shown once";
  EXPECT_EQ(res.body.find("/q/"), std::string::npos);
  const auto list = Parse(res.body).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].as_object().at("id").as_string(), id);
  EXPECT_EQ(list[0].as_object().at("status"), "pending");
  EXPECT_EQ(list[0].as_object().at("instrument"), "phq-9");

  res = h_->Call(a_, "DELETE", "/api/v1/assignments/" + id);
  EXPECT_EQ(res.status, 204) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/clients/" + c + "/assignments");
  EXPECT_NE(res.body.find(R"("status":"cancelled")"), std::string::npos) << res.body;
  res = h_->Call(a_, "DELETE", "/api/v1/assignments/" + id);
  EXPECT_EQ(res.status, 422) << "cancelled already: " << res.body;
  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/assignments/x").status, 404);
}

TEST_P(MeasuresApiTest, BadInputAnswersJsonErrorsAndMakesNothing) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic");
  struct Case {
    std::string body;
    int status;
    std::string words;
  };
  const std::vector<Case> cases = {
      {R"({"instrument":"phq-10"})", 400, "must be one of"},
      {R"({})", 400, "`instrument` is required"},
      {R"({"instrument":7})", 400, "instrument"},
      {R"({"instrument":"phq-9","expires_in_hours":0})", 400, "1 to 720"},
      {R"({"instrument":"phq-9","expires_in_hours":721})", 400, "1 to 720"},
      {R"({"instrument":"phq-9","expires_in_hours":"2"})", 400, "number of hours"},
      {R"({"instrument":"phq-9","send_email":"yes"})", 400, "true or false"},
      {R"({"instrument":"phq-9","colour":"red"})", 400, "Unknown member"},
      {R"([1])", 400, ""},
  };
  for (const auto& k : cases) {
    auto res = Assign(a_, c, k.body);
    EXPECT_EQ(res.status, k.status) << k.body << ": " << res.body;
    EXPECT_NE(res.body.find(k.words), std::string::npos) << k.body << ": " << res.body;
    EXPECT_TRUE(res.headers.Get("Content-Type").value_or("").starts_with("application/json"));
  }
  auto res = h_->Call(a_, "GET", "/api/v1/clients/" + c + "/assignments");
  EXPECT_EQ(res.body, "[]");
  // A discharged client: 422.
  ASSERT_EQ(h_->Call(a_, "PATCH", "/api/v1/clients/" + c, R"({"status":"archived"})").status, 200);
  res = Assign(a_, c, R"({"instrument":"phq-9"})");
  EXPECT_EQ(res.status, 422) << res.body;
  EXPECT_NE(res.body.find("discharged"), std::string::npos);
  // Results: an unknown instrument filter.
  res = h_->Call(a_, "GET", "/api/v1/clients/" + c + "/results?instrument=nope");
  EXPECT_EQ(res.status, 400) << res.body;
}

// claim: C20 — another therapist's client, assignment, result and schedule are 404.
TEST_P(MeasuresApiTest, C20AnotherTherapistsIdsAreNotFound) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic", "zq@example.net");
  auto res = Assign(a_, c, R"({"instrument":"gad-7"})");
  ASSERT_EQ(res.status, 201);
  const std::string assignment = JsonMember(res.body, "id");
  const std::string result = Submit(JsonMember(res.body, "link"), {1, 1, 1, 1, 1, 1, 1, 0xFF});
  res = h_->Call(a_, "POST", "/api/v1/clients/" + c + "/measure-schedules",
                 R"({"instrument":"phq-9","kind":"every_n_days","every_days":7})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string schedule = JsonMember(res.body, "id");
  for (const auto& [method, target, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", "/api/v1/clients/" + c + "/assignments",
            R"({"instrument":"phq-9","send_email":true})"},
           {"GET", "/api/v1/clients/" + c + "/assignments", ""},
           {"DELETE", "/api/v1/assignments/" + assignment, ""},
           {"GET", "/api/v1/clients/" + c + "/results", ""},
           {"GET", "/api/v1/results/" + result + "/fhir", ""},
           {"GET", "/api/v1/results/" + result + "/fhir/observations", ""},
           {"POST", "/api/v1/clients/" + c + "/measure-schedules",
            R"({"instrument":"phq-9","kind":"every_n_days","every_days":7})"},
           {"GET", "/api/v1/clients/" + c + "/measure-schedules", ""},
           {"DELETE", "/api/v1/measure-schedules/" + schedule, ""}}) {
    res = h_->Call(b_, method, target, body);
    EXPECT_EQ(res.status, 404) << method << " " << target << ": " << res.body;
    EXPECT_EQ(res.body.find("Zorblatt"), std::string::npos);
  }
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/clients/" + c + "/assignments").body.find("cancelled"),
            std::string::npos);
}

// claim: C53 — send_email mails the link alone to the record's address; a record without
// one is 422 and no assignment is made.
TEST_P(MeasuresApiTest, C53SendEmailMailsTheLinkOnlyAndNeedsAnAddress) {
  const std::string quiet = NewClient(a_, "Nora Nomail");
  const std::size_t before = h_->Sent().size();
  auto res = Assign(a_, quiet, R"({"instrument":"phq-9","send_email":true})");
  EXPECT_EQ(res.status, 422) << res.body;
  EXPECT_NE(res.body.find("no email address"), std::string::npos) << res.body;
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/clients/" + quiet + "/assignments").body, "[]");
  EXPECT_EQ(h_->Sent().size(), before);

  const std::string c = NewClient(a_, "Zorblatt Quixotic", "zq@example.net");
  res = Assign(a_, c, R"({"instrument":"gad-7","send_email":true})");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_NE(res.body.find(R"("emailed":true)"), std::string::npos) << res.body;
  const auto sent = h_->Sent();
  ASSERT_EQ(sent.size(), before + 1);
  const auto& m = sent.back();
  EXPECT_EQ(m.kind(), mail::MailKind::kQuestionnaireLink);
  EXPECT_EQ(m.to(), "zq@example.net");
  EXPECT_EQ(m.link(), std::string(kOrigin) + JsonMember(res.body, "link"));
  const std::string text = m.Body() + std::string(m.subject());
  for (const char* content : {"Zorblatt", "Z.Q.", "GAD", "gad"}) {
    EXPECT_EQ(text.find(content), std::string::npos) << content;
  }
}

// claim: C30 — questionnaire mail to clients is budgeted per therapist.
TEST_P(MeasuresApiTest, C30MailedAssignmentsAreRateLimitedPerTherapist) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic", "zq@example.net");
  int created = 0;
  Response res;
  for (int i = 0; i < 40; ++i) {
    res = Assign(a_, c, R"({"instrument":"phq-9","send_email":true})");
    if (res.status != 201) {
      break;
    }
    ++created;
  }
  EXPECT_EQ(res.status, 429) << res.body;
  EXPECT_TRUE(res.headers.Has("Retry-After"));
  EXPECT_GE(created, 1);
  EXPECT_LT(created, 40);
  // Without mail there is no such budget.
  EXPECT_EQ(Assign(a_, c, R"({"instrument":"phq-9"})").status, 201);
}

TEST_P(MeasuresApiTest, ResultsCarryTotalBandFlagsAndChangeAndTheFlagMailsTheTherapist) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic");
  const std::size_t before = h_->Sent().size();
  auto first = Assign(a_, c, R"({"instrument":"phq-9"})");
  auto second = Assign(a_, c, R"({"instrument":"phq-9"})");
  auto gad = Assign(a_, c, R"({"instrument":"gad-7"})");
  ASSERT_EQ(first.status, 201);
  const std::string r1 = Submit(JsonMember(first.body, "link"), {3, 3, 3, 3, 3, 3, 2, 2, 0, 1});
  EXPECT_EQ(h_->Sent().size(), before) << "no flag, no mail";
  const std::string r2 = Submit(JsonMember(second.body, "link"), {1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  Submit(JsonMember(gad.body, "link"), {0, 0, 0, 0, 0, 0, 0, 0xFF});
  const auto sent = h_->Sent();
  ASSERT_EQ(sent.size(), before + 1) << "one flag, one mail";
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kMeasureFlag);
  EXPECT_EQ(sent.back().to(), "measures@alcove.test");
  EXPECT_EQ(sent.back().link(), std::string(kOrigin) + "/clients/" + c + "/measures");

  auto res = h_->Call(a_, "GET", "/api/v1/clients/" + c + "/results?instrument=phq-9");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto list = Parse(res.body).as_array();
  ASSERT_EQ(list.size(), 2u);
  const auto& one = list[0].as_object();
  EXPECT_EQ(one.at("id").as_string(), r1);
  EXPECT_EQ(one.at("instrument"), "phq-9");
  EXPECT_EQ(one.at("total").as_int64(), 22);
  EXPECT_EQ(one.at("band"), "severe");
  EXPECT_TRUE(one.at("flags").as_array().empty());
  const auto& two = list[1].as_object();
  EXPECT_EQ(two.at("id").as_string(), r2);
  EXPECT_EQ(two.at("total").as_int64(), 9);
  ASSERT_EQ(two.at("flags").as_array().size(), 1u);
  EXPECT_EQ(two.at("flags").as_array()[0].as_object().at("item").as_int64(), 9);
  ASSERT_EQ(two.at("change").as_array().size(), 1u);
  EXPECT_EQ(two.at("change").as_array()[0].as_object().at("since_first").as_int64(), -13);
  res = h_->Call(a_, "GET", "/api/v1/clients/" + c + "/results");
  EXPECT_EQ(Parse(res.body).as_array().size(), 3u);
}

// FHIR from the routes validates against HL7's R4 schema (tests/measures/fhir_validate.py).
TEST_P(MeasuresApiTest, FhirFromTheRoutesValidatesAgainstTheR4Schema) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic");
  testing::TempDir dir;
  std::vector<std::string> files;
  for (const auto& [instrument, answers] :
       std::vector<std::pair<std::string, std::vector<std::uint8_t>>>{
           {"phq-9", {1, 2, 3, 0, 1, 2, 3, 0, 1, 2}},
           {"dass-21", std::vector<std::uint8_t>(21, 2)}}) {
    auto res = Assign(a_, c, R"({"instrument":")" + instrument + R"("})");
    ASSERT_EQ(res.status, 201) << res.body;
    const std::string id = Submit(JsonMember(res.body, "link"), answers);
    for (const std::string suffix : {"/fhir", "/fhir/observations"}) {
      res = h_->Call(a_, "GET", "/api/v1/results/" + id + suffix);
      ASSERT_EQ(res.status, 200) << res.body;
      EXPECT_EQ(res.headers.Get("Content-Type").value_or(""),
                "application/fhir+json; charset=utf-8");
      const auto doc = Parse(res.body).as_object();
      EXPECT_EQ(doc.at("resourceType"), suffix == "/fhir" ? "QuestionnaireResponse" : "Bundle");
      EXPECT_EQ(res.body.find("Zorblatt"), std::string::npos);
      const auto path = dir.path() / (instrument + (suffix == "/fhir" ? ".qr.json" : ".obs.json"));
      std::ofstream(path) << res.body;
      files.push_back(path.string());
    }
  }
  const char* shared = std::getenv("ALCOVE_SHARED_DIR");
  const std::filesystem::path schema =
      (shared != nullptr && *shared ? std::filesystem::path(shared) / "testvectors"
                                    : std::filesystem::path(ALCOVE_TESTVECTORS_DIR)) /
      "fhir" / "fhir.schema.json";
  ASSERT_TRUE(std::filesystem::exists(schema)) << schema;
  std::string command = "/usr/bin/python3 '" + std::string(ALCOVE_SOURCE_DIR) +
                        "/tests/measures/fhir_validate.py' '" + schema.string() + "'";
  for (const auto& f : files) {
    command += " '" + f + "'";
  }
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  EXPECT_EQ(::pclose(p), 0) << out;
  for (const auto& f : files) {
    EXPECT_NE(out.find(f + ": valid\n"), std::string::npos) << f << ":\n" << out;
  }
}

// claim: C01 — after assignments made over HTTP and submitted, no table holds the answers
// or the scores in the clear (SQLite: every file; PostgreSQL: every row of the measures'
// and the audit tables as text).
TEST_P(MeasuresApiTest, C01NoAnswerInTheClearAfterHttpAssignments) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic");
  const std::vector<std::uint8_t> pattern = {0, 1, 2, 3, 4, 3, 2, 1, 0, 1,
                                             2, 3, 4, 3, 2, 1, 0, 1, 2, 3};
  auto res = Assign(a_, c, R"({"instrument":"pcl-5"})");
  ASSERT_EQ(res.status, 201);
  const std::string id = Submit(JsonMember(res.body, "link"), pattern);
  res = Assign(a_, c, R"({"instrument":"phq-9"})");
  Submit(JsonMember(res.body, "link"), {3, 3, 3, 3, 3, 3, 3, 3, 3, 2});
  ASSERT_EQ(h_->Call(a_, "GET", "/api/v1/clients/" + c + "/results").status, 200);
  ASSERT_EQ(h_->Call(a_, "GET", "/api/v1/results/" + id + "/fhir").status, 200);

  std::string bytes;
  if (GetParam() == TestEngine::kSqlite) {
    for (const auto& f : testing::ReadDatabaseFiles(h_->sqlite_path()).contents) {
      bytes.append(f.begin(), f.end());
    }
  } else {
    auto tx = h_->db().BeginTenant(h_->PrincipalOf(a_).tenant);
    ASSERT_TRUE(tx);
    for (const std::string table : {"measure_results", "measure_assignments", "audit_events",
                                    "measure_schedules", "measure_schedule_runs", "tokens"}) {
      auto rows = (*tx)->Query("SELECT * FROM " + table, {});
      ASSERT_TRUE(rows) << table << ": " << rows.error().internal;
      for (const auto& r : *rows) {
        for (std::size_t i = 0; i < r.size(); ++i) {
          if (const auto* s = std::get_if<std::string>(&r.at(i))) {
            bytes += *s;
          } else if (const auto* b = std::get_if<store::Bytes>(&r.at(i))) {
            bytes.append(b->begin(), b->end());
          }
          bytes += '\n';
        }
      }
    }
  }
  EXPECT_NE(bytes.find("pcl-5"), std::string::npos) << "the scan sees the results (self-check)";
  const std::string raw(pattern.begin(), pattern.end());
  EXPECT_EQ(bytes.find(raw), std::string::npos) << "the PCL-5 answers are stored in the clear";
  for (const char* marker : {"total 38", "total 27", "!self_harm", "Zorblatt"}) {
    EXPECT_EQ(bytes.find(marker), std::string::npos) << marker << " is stored in the clear";
  }
}

TEST_P(MeasuresApiTest, SchedulesApiAndHousekeepingWithRealAppointments) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic", "zq@example.net");
  const std::string base = "/api/v1/clients/" + c + "/measure-schedules";
  for (const auto& [body, words] : std::vector<std::pair<std::string, std::string>>{
           {R"({"instrument":"phq-9"})", "`kind`"},
           {R"({"instrument":"phq-9","kind":"every_n_days"})", "every_days"},
           {R"({"instrument":"phq-9","kind":"every_n_days","every_days":0})", "1 to 365"},
           {R"({"instrument":"phq-9","kind":"every_n_days","every_days":366})", "1 to 365"},
           {R"({"instrument":"phq-9","kind":"before_appointments","hours_before":337})",
            "1 to 336"},
           {R"({"instrument":"phq-9","kind":"before_appointments","every_days":3})",
            "hours_before"},
           {R"({"instrument":"nope","kind":"every_n_days","every_days":3})", "must be one of"},
           {R"({"instrument":"phq-9","kind":"every_n_days","every_days":3,"x":1})",
            "Unknown member"}}) {
    auto res = h_->Call(a_, "POST", base, body);
    EXPECT_EQ(res.status, 400) << body << ": " << res.body;
    EXPECT_NE(res.body.find(words), std::string::npos) << body << ": " << res.body;
  }
  EXPECT_EQ(h_->Call(a_, "GET", base).body, "[]");

  // An appointment in 20 hours, one cancelled in 10: a 24-hour schedule assigns once.
  const Micros now = SystemClock::Instance().Now();
  auto book = [&](Micros at) {
    auto res = h_->Call(
        a_, "POST", "/api/v1/appointments",
        R"({"client_id":")" + c + R"(","starts_at":")" + FormatRfc3339(at) + R"(","minutes":50})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  };
  book(now + 20 * 3600 * kMicrosPerSecond);
  const std::string cancelled = book(now + 10 * 3600 * kMicrosPerSecond);
  ASSERT_EQ(h_->Call(a_, "PATCH", "/api/v1/appointments/" + cancelled, R"({"status":"cancelled"})")
                .status,
            200);
  auto res = h_->Call(
      a_, "POST", base,
      R"({"instrument":"gad-7","kind":"before_appointments","hours_before":24,"send_email":true})");
  ASSERT_EQ(res.status, 201) << res.body;
  const auto s = Parse(res.body).as_object();
  EXPECT_EQ(s.at("kind"), "before_appointments");
  EXPECT_EQ(s.at("hours_before").as_int64(), 24);
  EXPECT_EQ(s.at("send_email"), true);
  const std::string sid(s.at("id").as_string());
  const std::size_t before = h_->Sent().size();
  h_->modules().Housekeeping(now);
  h_->modules().Housekeeping(now);
  res = h_->Call(a_, "GET", "/api/v1/clients/" + c + "/assignments");
  const auto list = Parse(res.body).as_array();
  ASSERT_EQ(list.size(), 1u) << res.body;
  EXPECT_EQ(list[0].as_object().at("instrument"), "gad-7");
  const auto sent = h_->Sent();
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kQuestionnaireLink);
  EXPECT_EQ(sent.back().to(), "zq@example.net");
  res = h_->Call(a_, "GET", base);
  EXPECT_NE(res.body.find("last_assigned_at"), std::string::npos) << res.body;

  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/measure-schedules/" + sid).status, 204);
  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/measure-schedules/" + sid).status, 404);
  EXPECT_EQ(h_->Call(a_, "GET", base).body, "[]");
  // send_email for a record without an address: 422, nothing made.
  const std::string quiet = NewClient(a_, "Nora Nomail");
  res =
      h_->Call(a_, "POST", "/api/v1/clients/" + quiet + "/measure-schedules",
               R"({"instrument":"phq-9","kind":"every_n_days","every_days":7,"send_email":true})");
  EXPECT_EQ(res.status, 422) << res.body;
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/clients/" + quiet + "/measure-schedules").body, "[]");
}

TEST_P(MeasuresApiTest, SchedulesPageListsAddsAndStopsWithoutJavaScript) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic");
  const std::string page = "/clients/" + c + "/measures/schedules";
  auto res = h_->Call(a_, "GET", page);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("<title>Questionnaire schedules · Alcove</title>"), std::string::npos);
  EXPECT_NE(res.body.find("No schedules yet"), std::string::npos);
  EXPECT_NE(res.body.find("name=\"csrf_token\""), std::string::npos);
  EXPECT_EQ(res.body.find("Zorblatt"), std::string::npos);
  auto form = [&](const std::string& target, const std::string& fields) {
    return h_->Call(a_, "POST", target, "csrf_token=" + a_.csrf + "&" + fields,
                    "application/x-www-form-urlencoded");
  };
  res = form(page, "instrument=phq-9&kind=every_n_days&every_days=400");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("a number from 1 to 365"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("value=\"400\""), std::string::npos) << "what was typed stays";
  res = form(page, "instrument=phq-9&kind=every_n_days&every_days=14&send_email=1");
  EXPECT_EQ(res.status, 422);
  EXPECT_NE(res.body.find("no email address"), std::string::npos) << res.body;
  res = h_->Call(a_, "POST", page, "instrument=phq-9&kind=every_n_days&every_days=14",
                 "application/x-www-form-urlencoded");
  EXPECT_EQ(res.status, 403) << "no CSRF token";
  res = form(page, "instrument=phq-9&kind=every_n_days&every_days=14");
  ASSERT_EQ(res.status, 303) << res.body;
  EXPECT_EQ(res.headers.Get("Location").value_or(""), page);
  res = h_->Call(a_, "GET", page);
  EXPECT_NE(res.body.find("Every 14 days"), std::string::npos) << res.body;
  const std::smatch m = [&] {
    std::smatch out;
    static const std::regex stop("schedules/([0-9a-f]{32})/stop");
    std::regex_search(res.body, out, stop);
    return out;
  }();
  ASSERT_EQ(m.size(), 2u) << res.body;
  const std::string sid = m[1];
  const std::string other = NewClient(a_, "Olga Other");
  EXPECT_EQ(form("/clients/" + other + "/measures/schedules/" + sid + "/stop", "").status, 404)
      << "a schedule of another client";
  res = form(page + "/" + sid + "/stop", "");
  EXPECT_EQ(res.status, 303);
  EXPECT_NE(h_->Call(a_, "GET", page).body.find("No schedules yet"), std::string::npos);
  EXPECT_EQ(h_->Call(b_, "GET", page).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Engines, MeasuresApiTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
