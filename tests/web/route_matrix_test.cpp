// The route facade (issue #11): every route declares its audience, and every route
// answers everyone outside it as declared, changing nothing — generated from the route
// table, in process (no sockets), on both engines. Claim C31.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>
#include <string>

#include "cli/modules.hpp"
#include "measures/service.hpp"
#include "practice/practice.hpp"
#include "store/db.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "web/router.hpp"

namespace alcove::web {
namespace {

using identity::Role;
using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

class RouteHarnessTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("owner@alcove.test", "192.0.2.1");
    ASSERT_FALSE(a_.csrf.empty());
  }

  // A client of A with a note, a summary and a conceptualization; remembers their ids.
  void SeedA() {
    auto res = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Quentin Marker"})");
    ASSERT_EQ(res.status, 201) << res.body;
    client_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "POST", "/api/v1/clients/" + client_ + "/notes",
                   R"({"session_date":"2026-11-20","format":"soap","content":{"subjective":"s"}})");
    ASSERT_EQ(res.status, 201) << res.body;
    note_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "POST", "/api/v1/clients/" + client_ + "/summaries", R"({"text":"t"})");
    ASSERT_EQ(res.status, 201) << res.body;
    summary_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "POST", "/api/v1/clients/" + client_ + "/conceptualizations",
                   R"({"presenting":"p"})");
    ASSERT_EQ(res.status, 201) << res.body;
    res = h_->Call(
        a_, "POST", "/api/v1/appointments",
        R"({"client_id":")" + client_ + R"(","starts_at":"2026-12-01T17:00:00Z","minutes":50})");
    ASSERT_EQ(res.status, 201) << res.body;
    appointment_ = JsonMember(res.body, "id");
    // Supervised hours: a profile, a work setting, a session log and its weekly log.
    res = h_->Call(a_, "PUT", "/api/v1/hours/profile",
                   R"({"track":"amft","degree_date":"2025-06-01"})");
    ASSERT_EQ(res.status, 200) << res.body;
    res = h_->Call(a_, "POST", "/api/v1/hours/settings", R"({"name":"Valley Clinic"})");
    ASSERT_EQ(res.status, 201) << res.body;
    hours_setting_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "POST", "/api/v1/hours/sessions",
                   R"({"date":"2026-11-24","minutes":50,"category":"individual","setting_id":")" +
                       hours_setting_ + R"(","client":"Quentin Marker"})");
    ASSERT_EQ(res.status, 201) << res.body;
    hours_session_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "GET", "/api/v1/hours/weeks?from=2026-11-23&to=2026-11-23");
    ASSERT_EQ(res.status, 200) << res.body;
    hours_week_ = JsonMember(res.body, "id");
    ASSERT_FALSE(hours_setting_.empty() || hours_session_.empty() || hours_week_.empty());
    res = h_->Call(a_, "GET", "/api/v1/sessions");
    ASSERT_EQ(res.status, 200);
    session_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "GET", "/api/v1/audit?limit=1");
    ASSERT_EQ(res.status, 200) << res.body;
    event_ = JsonMember(res.body, "id");
    ASSERT_FALSE(client_.empty() || note_.empty() || summary_.empty() || session_.empty() ||
                 event_.empty() || appointment_.empty());
    // Questionnaires (part "api"): an assignment, a result of another one, a schedule.
    res = h_->Call(a_, "POST", "/api/v1/clients/" + client_ + "/assignments",
                   R"({"instrument":"phq-9"})");
    ASSERT_EQ(res.status, 201) << res.body;
    assignment_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "POST", "/api/v1/clients/" + client_ + "/assignments",
                   R"({"instrument":"gad-7"})");
    ASSERT_EQ(res.status, 201) << res.body;
    auto* measures = cli::MeasuresOf(h_->modules());
    ASSERT_NE(measures, nullptr);
    auto result =
        measures->Submit(crypto::SecretString(JsonMember(res.body, "link").substr(3)),
                         measures::Answers({0, 1, 2, 3, 0, 1, 2, 0xFF}), identity::Caller{});
    ASSERT_TRUE(result) << result.error().internal;
    result_ = *result;
    res = h_->Call(a_, "POST", "/api/v1/clients/" + client_ + "/measure-schedules",
                   R"({"instrument":"phq-9","kind":"every_n_days","every_days":14})");
    ASSERT_EQ(res.status, 201) << res.body;
    measure_schedule_ = JsonMember(res.body, "id");
    ASSERT_FALSE(assignment_.empty() || result_.empty() || measure_schedule_.empty());
  }

  // The route's pattern with A's object of the right kind for each parameter.
  std::string TargetFor(const Route& route) const {
    std::string out;
    std::string previous;
    const bool hours =
        route.pattern.starts_with("/api/v1/hours/") || route.pattern.starts_with("/hours/");
    for (const auto& seg : route.segments) {
      out += "/";
      if (seg.kind == Route::Kind::kLiteral) {
        out += seg.text;
        previous = seg.text;
        continue;
      }
      if (hours && previous == "settings") {
        out += hours_setting_;
      } else if (hours && previous == "sessions") {
        out += hours_session_;
      } else if (hours && previous == "weeks") {
        out += hours_week_;
      } else if (previous == "clients") {
        out += client_;
      } else if (previous == "notes") {
        out += note_;
      } else if (previous == "summaries") {
        out += summary_;
      } else if (previous == "sessions") {
        out += session_;
      } else if (previous == "audit") {
        out += event_;
      } else if (previous == "appointments") {
        out += appointment_;
      } else if (previous == "assignments") {
        out += assignment_;
      } else if (previous == "results") {
        out += result_;
      } else if (previous == "measure-schedules" || previous == "schedules") {
        out += measure_schedule_;
      } else {
        out += "x";
      }
    }
    return out.empty() ? "/" : out;
  }

  static bool HasId(const Route& route) {
    for (const auto& seg : route.segments) {
      if (seg.kind == Route::Kind::kParam) {
        return true;
      }
    }
    return false;
  }

  // A body that every handler of that surface accepts as well-formed, so that what
  // answers is the audience or the object, never the body's shape.
  static std::string BodyFor(const Route& route, const AppBrowser& b, std::string* type) {
    if (route.method == "GET" || route.method == "HEAD" || route.method == "DELETE") {
      return {};
    }
    if (route.pattern.starts_with("/api/")) {
      *type = "application/json";
      return R"({"session_date":"2026-11-21","format":"soap","content":{"subjective":"x"},)"
             R"("text":"x","presenting":"x","notes":"x","reason":"x","target":"note:new",)"
             R"("fields":{"text":"x"}})";
    }
    *type = "application/x-www-form-urlencoded";
    return "csrf_token=" + b.csrf +
           "&format=soap&session_date=2026-11-21&section_subjective=x&text=x"
           "&section_presenting=x&addendum_text=x&void_reason=x&confirm=yes&target=note:new";
  }

  // What must not change when a request is refused: row counts in A's tenant and of the
  // shared tables, and the audit log's length.
  std::map<std::string, std::int64_t> Snapshot() {
    std::map<std::string, std::int64_t> out;
    const auto tenant = h_->PrincipalOf(a_).tenant;
    auto tx = h_->db().BeginTenant(tenant);
    EXPECT_TRUE(tx);
    for (const std::string table : {"clients",
                                    "notes",
                                    "note_versions",
                                    "note_addenda",
                                    "drafts",
                                    "summaries",
                                    "conceptualizations",
                                    "accounts",
                                    "sessions",
                                    "data_keys",
                                    "audit_events",
                                    "appointments",
                                    "schedule_settings",
                                    "hours_profiles",
                                    "hours_settings",
                                    "session_logs",
                                    "weekly_logs",
                                    "measure_assignments",
                                    "measure_results",
                                    "measure_schedules",
                                    "measure_schedule_runs",
                                    "portal_access",
                                    "portal_shares"}) {
      auto rows = (*tx)->Query("SELECT COUNT(*) FROM " + table, {});
      EXPECT_TRUE(rows) << table;
      out[table] = rows ? rows->front().Int(0) : -1;
    }
    return out;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  std::string client_, note_, summary_, session_, event_, appointment_;
  std::string hours_setting_, hours_session_, hours_week_;
  std::string assignment_, result_, measure_schedule_;  // questionnaires (part "api")
};

// Every route has an audience, and the open ones (public or for a token holder) are
// exactly these: a new open route must be added here on purpose.
TEST_P(RouteHarnessTest, C31EveryRouteDeclaresItsAudienceAndOpenRoutesAreListed) {
  const std::set<std::string> open = {
      "GET /healthz",
      "GET /.well-known/security.txt",
      "GET /security",
      // The promises with this build's results, as JSON (the page's data). The operator's
      // posture routes (a token of their own) come only with `alcove serve`'s posture
      // checks: tests/integration/security_page_test.cpp.
      "GET /api/v1/security",
      // The AI transparency page and its JSON (C54): the running configuration, for
      // anyone (the consent text a client reads links to it).
      "GET /ai",
      "GET /api/v1/ai/transparency",
      "GET /static/{*path}",
      "GET /",
      "GET /signup",
      "POST /signup",
      "GET /signin",
      "POST /signin/link",
      "POST /signin/password",
      "GET /check-email",
      "GET /auth/magic",
      "POST /auth/magic",
      "POST /auth/code",
      "POST /auth/resend",
      "POST /api/v1/auth/signup",
      "POST /api/v1/auth/magic-link",
      "POST /api/v1/auth/magic-link/consume",
      "POST /api/v1/auth/password",
      "POST /api/v1/auth/code",
      "POST /api/v1/auth/resend",
      "GET /sign",
      "POST /sign",
      "POST /api/v1/sign",
      "GET /sign/summary",
      "POST /sign/summary",
      "POST /api/v1/sign/summary",
      "GET /verify",
      "POST /verify",
      "POST /api/v1/verify",
      "GET /supervisor/accept",
      "POST /supervisor/accept",
      "POST /api/v1/supervisor/accept",
      // The public questionnaire form (issue #16, docs/measures.md § The public form).
      "GET /q/{token}",
      "POST /q/{token}",
      // The client portal's invitation (issue #17, docs/portal.md § Accepting): its page
      // and its API.
      "GET /portal/accept",
      "POST /portal/accept",
      "POST /api/v1/portal/accept",
  };
  std::set<std::string> found;
  for (const auto& route : h_->app().router().routes()) {
    const std::string name = route.method + " " + route.pattern;
    ASSERT_NE(route.options.audience.kind(), Audience::Kind::kUnset) << name;
    if (route.options.audience.kind() != Audience::Kind::kRoles) {
      found.insert(name);
      // Anyone can send these: every one that takes a body is rate limited per IP (C30).
      if (route.method != "GET") {
        EXPECT_FALSE(route.options.rate_class.empty()) << name << " has no rate-limit class";
      }
    } else {
      EXPECT_FALSE(route.options.audience.roles().empty()) << name;
    }
  }
  EXPECT_EQ(found, open);
}

TEST(RouterAudience, C31ARouteWithoutAnAudienceDoesNotRegister) {
  Router router;
  EXPECT_THROW(router.Add("GET", "/x", [](Request&) { return Response::Text(200, ""); }),
               std::invalid_argument);
  EXPECT_THROW(router.Add(
                   "GET", "/y", [](Request&) { return Response::Text(200, ""); },
                   RouteOptions{.audience = Audience::Roles({})}),
               std::invalid_argument);
  EXPECT_THROW(router.Add(
                   "GET", "/z", [](Request&) { return Response::Text(200, ""); },
                   RouteOptions{.audience = Audience::Token("")}),
               std::invalid_argument);
  EXPECT_TRUE(router.routes().empty());
  router.Add(
      "GET", "/ok", [](Request&) { return Response::Text(200, ""); },
      RouteOptions{.audience = Audience::Public()});
  EXPECT_EQ(router.routes().size(), 1u);
}

TEST(Scopes, C31AScopeIsMadeOnlyForItsRole) {
  const identity::Principal therapist{
      .account_id = "a", .tenant = 7, .role = Role::kTherapist, .session_id = "s"};
  identity::Principal supervisor = therapist;
  supervisor.role = Role::kSupervisor;
  identity::Principal client = therapist;
  client.role = Role::kClient;
  const identity::Principal unset{.account_id = "a", .tenant = 7, .session_id = "s"};
  EXPECT_TRUE(identity::TherapistScope::From(therapist));
  for (const auto& p : {supervisor, client, unset}) {
    auto s = identity::TherapistScope::From(p);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kPermissionDenied);
  }
  EXPECT_TRUE(identity::SupervisorScope::From(supervisor));
  EXPECT_FALSE(identity::SupervisorScope::From(therapist));
  EXPECT_TRUE(identity::ClientScope::From(client));
  EXPECT_FALSE(identity::ClientScope::From(unset));
  static_assert(!std::is_default_constructible_v<identity::TherapistScope>);
  static_assert(!std::is_constructible_v<identity::TherapistScope, identity::Principal>);
}

// The matrix: every route for roles × anonymous, a supervisor and a client of A's
// practice, and another therapist. Refused callers get 401 (API) or a redirect to sign
// in (pages), 403 for a role outside the audience, 404 for another's object; and no
// refused request changes anything.
TEST_P(RouteHarnessTest, C31RoleMatrixFromTheRouteTable) {
  SeedA();
  AppBrowser anonymous{.ip = "192.0.2.9", .cookies = {}, .csrf = {}};
  AppBrowser other = h_->SignUpTherapist("other@alcove.test", "192.0.2.2");
  AppBrowser supervisor =
      h_->AddMember(a_, Role::kSupervisor, "supervisor@alcove.test", "192.0.2.3");
  AppBrowser client = h_->AddMember(a_, Role::kClient, "client@alcove.test", "192.0.2.4");
  ASSERT_EQ(h_->PrincipalOf(supervisor).role, Role::kSupervisor);
  ASSERT_EQ(h_->PrincipalOf(client).role, Role::kClient);
  ASSERT_EQ(h_->PrincipalOf(client).tenant, h_->PrincipalOf(a_).tenant);

  struct Caller {
    std::string name;
    AppBrowser* browser;
    std::optional<Role> role;
  };
  const std::vector<Caller> callers = {{"anonymous", &anonymous, std::nullopt},
                                       {"supervisor", &supervisor, Role::kSupervisor},
                                       {"client", &client, Role::kClient},
                                       {"other therapist", &other, Role::kTherapist}};
  int checked = 0;
  for (const auto& route : h_->app().router().routes()) {
    if (route.options.audience.kind() != Audience::Kind::kRoles) {
      continue;
    }
    const bool api = route.pattern.starts_with("/api/");
    for (const auto& c : callers) {
      int expected = 0;
      if (!c.role) {
        expected = api ? 401 : 303;
      } else if (!route.options.audience.Allows(*c.role)) {
        expected = 403;
      } else if (HasId(route)) {
        expected = 404;  // A's object, seen by someone else
      } else if (route.method == "GET") {
        // Their own thing (e.g. their sessions): allowed, but a supervisor or client of
        // A's practice must see nothing of A's records or log in it.
        const Response res = h_->Call(*c.browser, "GET", TargetFor(route));
        for (const std::string& id :
             {client_, note_, summary_, event_, appointment_, hours_setting_, hours_session_,
              hours_week_, assignment_, result_, measure_schedule_}) {
          EXPECT_EQ(res.body.find(id), std::string::npos)
              << c.name << " GET " << route.pattern << " shows A's object " << id;
        }
        continue;
      } else {
        continue;
      }
      const std::string target = TargetFor(route);
      std::string type;
      const std::string body = BodyFor(route, *c.browser, &type);
      const auto before = Snapshot();
      const Response res = h_->Call(*c.browser, route.method, target, body, type);
      const std::string what = c.name + " " + route.method + " " + route.pattern;
      EXPECT_EQ(res.status, expected) << what << ": " << res.body;
      if (expected == 303) {
        EXPECT_EQ(res.headers.Get("Location").value_or(""), "/signin") << what;
      }
      EXPECT_EQ(Snapshot(), before) << what << " changed something";
      EXPECT_EQ(res.body.find("Quentin"), std::string::npos) << what;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  // The home page offers each role only what its routes allow.
  for (AppBrowser* b : {&supervisor, &client}) {
    const Response home = h_->Call(*b, "GET", "/");
    ASSERT_EQ(home.status, 200);
    EXPECT_EQ(home.body.find("href=\"/clients\""), std::string::npos);
    EXPECT_EQ(home.body.find("href=\"/audit\""), std::string::npos);
    EXPECT_NE(home.body.find("href=\"/settings\""), std::string::npos);
  }
  const Response home = h_->Call(a_, "GET", "/");
  EXPECT_NE(home.body.find("href=\"/clients\""), std::string::npos);
}

// A 5xx answers only the generic words and the request id; the log has the id and the
// internal message (never client content).
TEST_P(RouteHarnessTest, ServerFaultsLeakNoInternalTextAndAreLoggedWithTheRequestId) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  struct Restore {
    std::shared_ptr<spdlog::logger> logger;
    ~Restore() { spdlog::set_default_logger(logger); }
  } restore{previous};

  for (const std::string target : {"/api/v1/clients", "/clients"}) {
    h_->faults().FailStatement(1, ErrorCode::kInternal);
    const Response res = h_->Call(a_, "GET", target);
    h_->faults().FailStatement(0);
    ASSERT_EQ(res.status, 500) << target << ": " << res.body;
    const std::string id(res.headers.Get("X-Request-Id").value_or(""));
    ASSERT_FALSE(id.empty());
    EXPECT_NE(res.body.find(id), std::string::npos) << "the request id is quoted";
    EXPECT_NE(res.body.find("Something went wrong on our side."), std::string::npos);
    for (const std::string leak : {"injected", "statement", "database error", "sqlite", "SELECT"}) {
      EXPECT_EQ(res.body.find(leak), std::string::npos) << target << " leaks " << leak;
    }
    spdlog::default_logger()->flush();
    const std::string logged = log.str();
    const auto line = logged.find("id=" + id);
    ASSERT_NE(line, std::string::npos) << logged;
    EXPECT_NE(logged.find("injected fault: statement failed", line), std::string::npos) << logged;
  }
}

// Create and delete a client with every statement and commit of the way failing in
// turn: a failed create leaves no client and no key; a deletion whose key destruction
// failed leaves the key to the sweeper, which destroys it (C06).
TEST_P(RouteHarnessTest, C06KeyCreationAndDestructionFailuresLeaveNothingBehind) {
  const auto tenant = h_->PrincipalOf(a_).tenant;
  auto count = [&](const std::string& sql) {
    auto tx = h_->db().BeginTenant(tenant);
    EXPECT_TRUE(tx);
    auto rows = (*tx)->Query(sql, {});
    EXPECT_TRUE(rows) << sql;
    return rows ? rows->front().Int(0) : -1;
  };
  const std::string kClients = "SELECT COUNT(*) FROM clients";
  const std::string kKeys = "SELECT COUNT(*) FROM data_keys WHERE purpose = 'client'";
  for (const bool commit : {false, true}) {
    for (int n = 1;; ++n) {
      ASSERT_LT(n, 60) << "creating a client never succeeded";
      const auto clients = count(kClients);
      const auto keys = count(kKeys);
      commit ? h_->faults().FailCommit(n) : h_->faults().FailStatement(n);
      const auto injected = h_->faults().injected();
      const Response res = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Ada Lovelace"})");
      const bool fired = h_->faults().injected() > injected;
      commit ? h_->faults().FailCommit(0) : h_->faults().FailStatement(0);
      if (!fired) {
        ASSERT_EQ(res.status, 201) << res.body;
        break;
      }
      EXPECT_GE(res.status, 500) << "n=" << n << " " << res.body;
      EXPECT_EQ(count(kClients), clients) << "n=" << n;
      // An unused key is destroyed at once, or (when that very statement failed) by the
      // sweeper.
      ASSERT_TRUE(h_->practice().SweepOrphanKeys(std::numeric_limits<Micros>::max()));
      EXPECT_EQ(count(kKeys), keys) << "n=" << n;
    }
  }
  // Deletion: find the statement numbers at which it fails; at some, the rows are gone
  // but the key's destruction failed — the sweeper must finish it.
  bool destruction_failed_once = false;
  bool forget_failed_once = false;
  for (int n = 1;; ++n) {
    ASSERT_LT(n, 60) << "deleting a client never succeeded";
    auto created = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Grace Hopper"})");
    ASSERT_EQ(created.status, 201);
    const std::string id = JsonMember(created.body, "id");
    const auto keys = count(kKeys);
    h_->faults().FailStatement(n);
    const auto injected = h_->faults().injected();
    const Response res = h_->Call(a_, "DELETE", "/api/v1/clients/" + id);
    const bool fired = h_->faults().injected() > injected;
    h_->faults().FailStatement(0);
    if (!fired) {
      ASSERT_EQ(res.status, 204) << res.body;
      EXPECT_EQ(count(kKeys), keys - 1);
      break;
    }
    EXPECT_GE(res.status, 500) << res.body;
    const bool gone = h_->Call(a_, "GET", "/api/v1/clients/" + id).status == 404;
    if (gone && count(kKeys) == keys) {
      // The key's deletion failed: the sweeper finishes it.
      destruction_failed_once = true;
      auto swept = h_->practice().SweepOrphanKeys(std::numeric_limits<Micros>::max());
      ASSERT_TRUE(swept);
      EXPECT_EQ(*swept, 1);
      EXPECT_EQ(count(kKeys), keys - 1) << "the sweeper destroyed it";
    } else if (gone) {
      // The key's rows went but truncating the WAL failed (Db::ForgetDeleted): the answer
      // was an error, and the server's housekeeping truncates it within a minute.
      forget_failed_once = true;
      EXPECT_EQ(count(kKeys), keys - 1);
      EXPECT_TRUE(h_->db().ForgetDeleted());
    } else {
      EXPECT_EQ(count(kKeys), keys) << "a failed deletion keeps the client and its key";
      ASSERT_EQ(h_->Call(a_, "DELETE", "/api/v1/clients/" + id).status, 204);
    }
  }
  EXPECT_TRUE(destruction_failed_once);
  EXPECT_TRUE(forget_failed_once);
}

// The export holds every note (it stopped at 500), and a client page is one audit event.
TEST_P(RouteHarnessTest, ExportHoldsAllNotesAndAClientPageIsOneAuditEvent) {
  auto res = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Many Notes"})");
  ASSERT_EQ(res.status, 201);
  const std::string id = JsonMember(res.body, "id");
  auto scope = identity::TherapistScope::From(h_->PrincipalOf(a_));
  ASSERT_TRUE(scope);
  const identity::Caller caller{.ip = "192.0.2.1", .user_agent = "test"};
  constexpr int kNotes = 1200;
  for (int i = 0; i < kNotes; ++i) {
    practice::Sections s;
    s.emplace_back("text", crypto::PhiString("note " + std::to_string(i)));
    ASSERT_TRUE(h_->practice().CreateNote(*scope, id, "2026-01-01", practice::NoteFormat::kFree,
                                          std::move(s), caller));
  }
  auto events = [&] {
    auto tx = h_->db().Begin();
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM audit_events", {});
    return rows->front().Int(0);
  };
  auto before = events();
  res = h_->Call(a_, "GET", "/api/v1/clients/" + id + "/export");
  ASSERT_EQ(res.status, 200);
  std::size_t notes = 0;
  for (auto at = res.body.find("\"format\":\"free\""); at != std::string::npos;
       at = res.body.find("\"format\":\"free\"", at + 1)) {
    ++notes;
  }
  EXPECT_EQ(notes, static_cast<std::size_t>(kNotes));
  EXPECT_EQ(events(), before + 1) << "an export is one event";
  before = events();
  res = h_->Call(a_, "GET", "/clients/" + id);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(events(), before + 1) << "a client page is one event";
  // A string `content` is only for free notes: the note's own format decides.
  res = h_->Call(a_, "POST", "/api/v1/clients/" + id + "/notes",
                 R"({"session_date":"2026-11-20","format":"soap","content":{"subjective":"s"}})");
  ASSERT_EQ(res.status, 201);
  const std::string soap = JsonMember(res.body, "id");
  res = h_->Call(a_, "PATCH", "/api/v1/notes/" + soap, R"({"content":"plain text"})");
  EXPECT_EQ(res.status, 400) << res.body;
  res = h_->Call(a_, "PATCH", "/api/v1/notes/" + soap, R"({"content":{"plan":"p"}})");
  EXPECT_EQ(res.status, 200) << res.body;
}

INSTANTIATE_TEST_SUITE_P(Engines, RouteHarnessTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web

namespace alcove::web {
namespace {

// A request is parsed and matched once: PlanFor leaves its routing in the request, and
// Handle follows that routing instead of parsing the target again.
TEST(RoutingOnce, PlanForRoutesTheRequestAndHandleReusesIt) {
  auto h = testing::AppHarness::Create(testing::TestEngine::kSqlite, nullptr);
  ASSERT_TRUE(h) << h.error().internal;
  Request req;
  req.method = "GET";
  req.target = "/healthz";
  req.remote_address = "192.0.2.1";
  (void)(*h)->app().PlanFor(req);
  ASSERT_NE(req.routing, nullptr);
  ASSERT_TRUE(req.routing->target);
  EXPECT_EQ(req.routing->match.route->pattern, "/healthz");
  // Plant the routing of another target: the answer follows it, so no second parse ran.
  Request other;
  other.method = "GET";
  other.target = "/.well-known/security.txt";
  (void)(*h)->app().PlanFor(other);
  req.routing = other.routing;
  const Response res = (*h)->app().Handle(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(req.route, "/.well-known/security.txt");
}

}  // namespace
}  // namespace alcove::web
