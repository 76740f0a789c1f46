// Supervised hours through the real binary over HTTPS (issue #14): session logs typed with
// a client's full name, a week grid, an edit, a picked client, a submitted week; then a
// raw scan of the SQLite database file and its WAL (while the server runs and after it
// stopped), the server's log and `alcove audit export` finds the name nowhere: only its
// initials were ever stored (C50, C51; C43 for the log and the audit records).
#include <gtest/gtest.h>

#include <algorithm>

#include "support/browser.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

constexpr char kUserAgent[] = "HoursTest/1.0";
constexpr auto npos = std::string::npos;

TEST(HoursAtRest, C50C51NoNameInTheDatabaseFilesWalServerLogOrAuditExport) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  Browser browser(server.origin(), server.certificate(), kUserAgent);
  ASSERT_TRUE(SignUp(browser, outbox, NewTestAddress("hours.rest"), "Hours Associate"));
  const std::string csrf = CsrfToken(browser);
  ASSERT_FALSE(csrf.empty());
  auto send = [&](const std::string& method, const std::string& path, const json::value& body) {
    return browser.SendJson(method, path, body, {"X-CSRF-Token: " + csrf});
  };
  std::string answers;  // every answer, scanned at the end
  auto keep = [&](const HttpResult& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    answers += r.body;
    return JsonOf(r);
  };

  keep(send("PUT", "/api/v1/hours/profile",
            json::object{{"track", "amft"}, {"degree_date", "2025-06-01"}}),
       200);
  const std::string setting = StringAt(
      keep(send("POST", "/api/v1/hours/settings", json::object{{"name", "Valley Clinic"}}), 201),
      "id");
  ASSERT_FALSE(setting.empty());
  auto session = [&](const std::string& date, const std::string& client) {
    return json::object{{"date", date},
                        {"minutes", 50},
                        {"category", "individual"},
                        {"setting_id", setting},
                        {"client", client}};
  };

  // One by one, as a week grid, and as an edit: always the full name.
  const json::value one = keep(send("POST", "/api/v1/hours/sessions",
                                    session("2026-11-23", "Johanna Doeberg")),
                               201);
  EXPECT_EQ(StringAt(one, "alias"), "J.D.");
  const std::string first = StringAt(one, "id");
  keep(send("POST", "/api/v1/hours/sessions",
            json::object{{"sessions", json::array{session("2026-11-24", "Johanna Doeberg"),
                                                  session("2026-11-25", "johanna doeberg"),
                                                  session("2026-11-26", "  Johanna   Doeberg ")}}}),
       201);
  keep(send("PATCH", "/api/v1/hours/sessions/" + first,
            json::object{{"minutes", 55}, {"client", "Johanna Doeberg"}}),
       200);
  // A client of the practice picked: its alias is copied (the record keeps the name
  // sealed, C01).
  const HttpResult client =
      send("POST", "/api/v1/clients", json::object{{"name", "Johanna Doeberg"}});
  ASSERT_EQ(client.status, 201) << client.body;
  json::object picked = session("2026-11-27", "");
  picked.erase("client");
  picked["client_id"] = StringAt(JsonOf(client), "id");
  EXPECT_EQ(StringAt(keep(send("POST", "/api/v1/hours/sessions", picked), 201), "alias"), "J.D.");
  // The week, submitted, and everything read back.
  const json::value weeks =
      keep(browser.Get("/api/v1/hours/weeks?from=2026-11-01&to=2026-11-30"), 200);
  ASSERT_EQ(weeks.as_array().size(), 1u);
  const std::string week(weeks.as_array()[0].at("id").as_string());
  keep(browser.Request("POST", "/api/v1/hours/weeks/" + week + "/submit", std::nullopt,
                       {"X-CSRF-Token: " + csrf}),
       200);
  const json::value listed =
      keep(browser.Get("/api/v1/hours/sessions?from=2026-11-01&to=2026-11-30"), 200);
  ASSERT_EQ(listed.as_array().size(), 5u);
  for (const auto& s : listed.as_array()) {
    EXPECT_EQ(s.at("alias"), "J.D.");
  }
  keep(browser.Get("/api/v1/hours/summary"), 200);
  const HttpResult audit = browser.Get("/api/v1/audit?limit=100");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find(first), npos) << "the audit names the session log by id";
  answers += audit.body;

  const std::vector<std::string> forbidden = {"Johanna", "Doeberg", "johanna", "doeberg",
                                              "JOHANNA", "DOEBERG"};
  auto expect_clean = [&](std::string_view what, const std::string& haystack) {
    for (const auto& f : forbidden) {
      EXPECT_EQ(haystack.find(f), npos) << what << " holds " << f;
    }
  };
  expect_clean("the answers", answers);

  const auto db_path = server.data_dir() / "alcove.db";
  {
    const DatabaseFiles files = ReadDatabaseFiles(db_path);
    EXPECT_NE(std::find(files.names.begin(), files.names.end(), "alcove.db-wal"),
              files.names.end());
    EXPECT_TRUE(files.Contains(first)) << "the scan does not see the session logs";
    EXPECT_TRUE(files.Contains("J.D.")) << "the scan does not see the aliases";
    for (const auto& f : forbidden) {
      EXPECT_FALSE(files.Contains(f)) << "a database file of the running server holds " << f;
    }
  }
  ASSERT_EQ(server.Stop(), 0);
  {
    const DatabaseFiles files = ReadDatabaseFiles(db_path);
    EXPECT_TRUE(files.Contains(first));
    for (const auto& f : forbidden) {
      EXPECT_FALSE(files.Contains(f)) << "a database file holds " << f;
    }
  }
  const std::string err = server.Stderr();
  EXPECT_NE(err.find("route=/api/v1/hours/sessions"), npos)
      << "the log holds no hours access lines: the scan is hollow";
  expect_clean("the server's log (stderr)", err);
  expect_clean("the server's stdout", server.Stdout());

  const CommandResult exported =
      RunAlcove({"audit", "export", "--data-dir", server.data_dir().string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("session_log.created"), npos);
  EXPECT_NE(exported.out.find(first), npos);
  EXPECT_NE(exported.out.find("weekly_log.status_changed"), npos);
  expect_clean("alcove audit export", exported.out);
  expect_clean("alcove audit export (stderr)", exported.err);
}

}  // namespace
}  // namespace alcove::testing
