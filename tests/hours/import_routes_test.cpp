// The CSV import's routes in process (tests/support/app_harness.hpp), both engines: the
// API as API.md and docs/api.md say, the pages with and without a mapping, errors next
// to their rows, C20 (another therapist's import is a missing one), C50 (pages, titles
// and answers hold initials only), the template file.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "hours/csv.hpp"
#include "support/app_harness.hpp"

namespace alcove::testing {
namespace {

const std::string kFile =
    "Session Date,Duration (min),Type,Client,Site\r\n"
    "2026-03-02,50,Individual,Xylophon Wurzelbaum,Quarzwerk Clinic\r\n"
    "2026-03-03,90,Group Supervision,,Quarzwerk Clinic\r\n"
    "2026-03-04,45,Couples/Family,\"Wurzelbaum, Yolanda\",Quarzwerk Clinic\r\n";

std::string TitleOf(const std::string& html) {
  static const std::regex title("<title>([^<]*)</title>");
  std::smatch m;
  return std::regex_search(html, m, title) ? m[1].str() : std::string("<no title>");
}

std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class ImportRoutesTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("import.a@alcove.test", "192.0.2.41");
    b_ = h_->SignUpTherapist("import.b@alcove.test", "192.0.2.42");
    for (AppBrowser* who : {&a_, &b_}) {
      auto res = h_->Call(*who, "PUT", "/api/v1/hours/profile",
                          R"({"track":"amft","degree_date":"2025-06-01"})");
      ASSERT_EQ(res.status, 200) << res.body;
    }
  }

  web::Response Upload(AppBrowser& who, const std::string& csv, const std::string& query = "") {
    return h_->Call(who, "POST", "/api/v1/hours/imports" + query, csv, "text/csv");
  }
  web::Response Form(AppBrowser& who, const std::string& target, const std::string& fields) {
    return h_->Call(who, "POST", target, "csrf_token=" + who.csrf + (fields.empty() ? "" : "&") +
                                             fields,
                    "application/x-www-form-urlencoded");
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  AppBrowser b_;
};

TEST_P(ImportRoutesTest, C50TheApiStagesConfirmsAndAnswersAsDocumented) {
  auto res = Upload(a_, kFile);
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string id = JsonMember(res.body, "id");
  ASSERT_EQ(id.size(), 32u);
  for (const char* part :
       {R"("row":1,"date":"2026-03-02","minutes":50,"category":"individual","alias":"X.W.")",
        R"("alias":"W.Y.")", R"("errors":[])", R"("new_settings":["Quarzwerk Clinic"])",
        R"x("headers":["Session Date","Duration (min)","Type","Client","Site"])x",
        R"("date":"Session Date")", R"("expires_at":")"}) {
    EXPECT_NE(res.body.find(part), std::string::npos) << part << " in " << res.body;
  }
  EXPECT_EQ(res.body.find("Xylophon"), std::string::npos);
  EXPECT_EQ(res.body.find("Yolanda"), std::string::npos);

  res = h_->Call(a_, "GET", "/api/v1/hours/imports/" + id);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(R"("alias":"X.W.")"), std::string::npos);
  res = h_->Call(a_, "POST", "/api/v1/hours/imports/" + id + "/confirm");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, R"({"created":3})");
  res = h_->Call(a_, "GET", "/api/v1/hours/imports/" + id);
  EXPECT_EQ(res.status, 404);
  res = h_->Call(a_, "GET", "/api/v1/hours/sessions?from=2026-03-01&to=2026-03-31");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(R"("alias":"X.W.")"), std::string::npos) << res.body;
  EXPECT_EQ(res.body.find("Xylophon"), std::string::npos);
  // C40: the audit page says it in words, with counts only.
  res = h_->Call(a_, "GET", "/audit");
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("You uploaded a file of 3 sessions to import"), std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find("You imported 3 sessions from a file"), std::string::npos);
  EXPECT_EQ(res.body.find("Xylophon"), std::string::npos);
}

TEST_P(ImportRoutesTest, RefusalsInWords) {
  auto res = h_->Call(a_, "POST", "/api/v1/hours/imports", kFile, "application/json");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("Content-Type text/csv"), std::string::npos) << res.body;
  res = Upload(a_, "\r\n\r\n");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("The file is empty."), std::string::npos) << res.body;
  // Columns not recognised: 422 with the headers, nothing staged.
  const std::string odd = "When,Mins,What,Where\n2026-03-02,50,Individual,Valley\n";
  res = Upload(a_, odd);
  ASSERT_EQ(res.status, 422) << res.body;
  EXPECT_NE(res.body.find(R"("code":"columns_missing")"), std::string::npos);
  EXPECT_NE(res.body.find(R"("missing":["date","category","setting"])"), std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find(R"("headers":["When","Mins","What","Where"])"), std::string::npos);
  EXPECT_EQ(res.body.find(R"("id")"), std::string::npos);
  // The mapping as query parameters reads it.
  res = Upload(a_, odd, "?map.date=When&map.category=What&map.setting=Where");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_NE(res.body.find(R"("new_settings":["Valley"])"), std::string::npos) << res.body;
  res = Upload(a_, odd, "?map.colour=When");
  EXPECT_EQ(res.status, 400);
  // A row with an error: staged with it, and confirming is refused.
  res = Upload(a_, "date,minutes,category,setting\n13/45/2026,50,individual,Valley\n");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_NE(res.body.find(R"({"row":1,"message":"row 1: 13/45/2026 is not a date"})"),
            std::string::npos)
      << res.body;
  const std::string id = JsonMember(res.body, "id");
  res = h_->Call(a_, "POST", "/api/v1/hours/imports/" + id + "/confirm");
  EXPECT_EQ(res.status, 422) << res.body;
  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/hours/imports/" + id).status, 204);
  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/hours/imports/" + id).status, 404);
}

TEST_P(ImportRoutesTest, C20AnotherTherapistsImportAnswersLikeAMissingOne) {
  auto res = Upload(a_, kFile);
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string id = JsonMember(res.body, "id");
  const std::string missing(32, '0');
  for (const auto& [method, suffix] : std::vector<std::pair<std::string, std::string>>{
           {"GET", ""}, {"POST", "/confirm"}, {"DELETE", ""}}) {
    const auto theirs = h_->Call(b_, method, "/api/v1/hours/imports/" + id + suffix);
    const auto none = h_->Call(b_, method, "/api/v1/hours/imports/" + missing + suffix);
    EXPECT_EQ(theirs.status, 404) << method << suffix;
    EXPECT_EQ(theirs.body, none.body) << method << suffix;
  }
  EXPECT_EQ(h_->Call(b_, "GET", "/hours/import/" + id).status, 404);
  EXPECT_EQ(Form(b_, "/hours/import/" + id + "/confirm", "").status, 404);
  // a's import is still there, and b's setting is not a default for a.
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/imports/" + id).status, 200);
  AppBrowser anonymous{.ip = "192.0.2.43", .cookies = {}, .csrf = ""};
  EXPECT_EQ(h_->Call(anonymous, "GET", "/api/v1/hours/imports/" + id).status, 401);
  EXPECT_EQ(h_->Call(anonymous, "GET", "/hours/import").status, 303);
}

TEST_P(ImportRoutesTest, C50ThePagesWithoutScriptPasteMapPreviewAndConfirm) {
  auto res = h_->Call(a_, "GET", "/hours/import");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(TitleOf(res.body), "Import hours \xC2\xB7 Alcove");
  EXPECT_NE(res.body.find(R"(<textarea id="csv" name="csv")"), std::string::npos);
  EXPECT_NE(res.body.find(R"(href="/static/hours-template.csv")"), std::string::npos);
  EXPECT_NE(res.body.find(R"(<script src="/static/hours-import.js" defer></script>)"),
            std::string::npos);
  EXPECT_EQ(std::regex_search(res.body, std::regex("<script>|<script [^s]|onclick=|style=")),
            false);

  // Pasted with headers the import does not know: the mapping form, the text kept.
  const std::string odd = "When,Mins,What,Where,Who\n2026-03-02,50,Individual,Valley,Ana Lima\n"
                          "2026-03-03,5x,Individual,Valley,Bo Chen\n";
  res = Form(a_, "/hours/import", "csv=" + UrlEncode(odd));
  ASSERT_EQ(res.status, 422) << res.body;
  EXPECT_EQ(TitleOf(res.body), "Import hours \xC2\xB7 Alcove");
  EXPECT_NE(res.body.find(R"(name="map.date")"), std::string::npos);
  EXPECT_NE(res.body.find(R"(<option value="When">When</option>)"), std::string::npos);
  EXPECT_NE(res.body.find("We could not tell which column holds Date, Category and Work "
                          "setting."),
            std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find("Ana Lima"), std::string::npos);  // in the text area, for its author
  res = Form(a_, "/hours/import",
             "csv=" + UrlEncode(odd) +
                 "&map.date=When&map.category=What&map.setting=Where&map.client=Who");
  ASSERT_EQ(res.status, 303) << res.body;
  const std::string location(res.headers.Get("Location").value_or(""));
  ASSERT_TRUE(location.starts_with("/hours/import/")) << location;
  EXPECT_EQ(location.find("Ana"), std::string::npos);

  res = h_->Call(a_, "GET", location);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(TitleOf(res.body), "Check the import \xC2\xB7 Alcove");
  EXPECT_NE(res.body.find("A.L."), std::string::npos);
  EXPECT_EQ(res.body.find("Ana Lima"), std::string::npos);
  EXPECT_EQ(res.body.find("Bo Chen"), std::string::npos);
  EXPECT_NE(res.body.find("row 2: the minutes are not a number"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("1 row has errors"), std::string::npos);
  EXPECT_NE(res.body.find("expires in 15 minutes"), std::string::npos);
  EXPECT_NE(res.body.find("<strong>Valley</strong>"), std::string::npos);  // a new setting
  EXPECT_EQ(res.body.find("/confirm"), std::string::npos);  // no confirm while rows have errors
  res = Form(a_, location + "/cancel", "");
  ASSERT_EQ(res.status, 303);
  EXPECT_EQ(res.headers.Get("Location").value_or(""), "/hours/import?cancelled=1");
  res = h_->Call(a_, "GET", "/hours/import?cancelled=1");
  EXPECT_NE(res.body.find("The import was cancelled"), std::string::npos);

  // A clean file: preview, confirm, and the count on the upload page.
  res = Form(a_, "/hours/import", "csv=" + UrlEncode(kFile));
  ASSERT_EQ(res.status, 303) << res.body;
  const std::string preview(res.headers.Get("Location").value_or(""));
  res = h_->Call(a_, "GET", preview);
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("Import 3 sessions"), std::string::npos) << res.body;
  res = Form(a_, preview + "/confirm", "");
  ASSERT_EQ(res.status, 303) << res.body;
  EXPECT_EQ(res.headers.Get("Location").value_or(""), "/hours/import?imported=3");
  res = h_->Call(a_, "GET", "/hours/import?imported=3");
  EXPECT_NE(res.body.find("Imported 3 sessions."), std::string::npos);
  EXPECT_EQ(h_->Call(a_, "GET", preview).status, 404);
}

// The import page is one of the hours pages: their tabs, with Import marked as shown.
TEST_P(ImportRoutesTest, TheImportPageCarriesTheHoursTabs) {
  const auto res = h_->Call(a_, "GET", "/hours/import");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("<nav class=\"tabs\" aria-label=\"Hours\">"), std::string::npos);
  EXPECT_NE(res.body.find("href=\"/hours/import\" aria-current=\"page\""), std::string::npos);
  EXPECT_NE(res.body.find("href=\"/hours/weeks\""), std::string::npos);
}

TEST_P(ImportRoutesTest, TheTemplateFileIsServedAndImportsCleanly) {
  auto res = h_->Call(a_, "GET", "/static/hours-template.csv");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.Get("Content-Type").value_or(""), "text/csv; charset=utf-8");
  auto parsed = hours::ParseImportCsv(crypto::PhiString(std::string(res.body)), {});
  ASSERT_TRUE(parsed) << parsed.error().public_message;
  EXPECT_TRUE(parsed->missing.empty());
  EXPECT_TRUE(parsed->errors.empty());
  EXPECT_EQ(parsed->rows.size(), 5u);
  EXPECT_EQ(parsed->mapping.size(), 9u);  // every column of the template is read
}

INSTANTIATE_TEST_SUITE_P(Engines, ImportRoutesTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::testing
