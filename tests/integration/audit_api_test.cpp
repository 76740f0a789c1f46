// Black-box tests of the audit API and page (issue #5) through the real binary over
// HTTPS: a therapist reads their own practice's events, newest first, page by page; gets
// a receipt for one that `alcove audit check` accepts offline; and sees nothing of
// another practice's log (another tenant's event answers 404, like a missing one).
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <set>

#include "support/browser.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

constexpr auto npos = std::string::npos;

std::string ErrorCode(const HttpResult& r) {
  const json::value v = JsonOf(r);
  return v.is_object() && v.as_object().if_contains("error") != nullptr
             ? StringAt(v.at("error"), "code")
             : std::string();
}

// One page of GET /api/v1/audit: its events and next_before (null when none).
struct AuditPage {
  long status = 0;
  json::array events;
  json::value next_before;
};

AuditPage ReadAudit(Browser& b, const std::string& query) {
  const HttpResult r = b.Get("/api/v1/audit" + query);
  AuditPage page{.status = r.status, .events = {}, .next_before = {}};
  const json::value v = JsonOf(r);
  if (r.status == 200 && v.is_object() && v.as_object().if_contains("events") != nullptr &&
      v.at("events").is_array() && v.as_object().if_contains("next_before") != nullptr) {
    page.events = v.at("events").as_array();
    page.next_before = v.at("next_before");
  } else if (r.status == 200) {
    ADD_FAILURE() << "GET /api/v1/audit" << query << ": unexpected shape: " << r.body;
  }
  return page;
}

std::vector<std::string> Ids(const json::array& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) {
    ids.push_back(StringAt(e, "id"));
  }
  return ids;
}

std::string FirstIdOf(const json::array& events, std::string_view action) {
  for (const auto& e : events) {
    if (StringAt(e, "action") == action) {
      return StringAt(e, "id");
    }
  }
  return {};
}

class AuditApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<ServerProcess>(ServerProcess::Options{.env = RoomyRateLimits()});
    outbox_ = std::make_unique<Outbox>(server_->data_dir());
  }
  static void TearDownTestSuite() {
    outbox_.reset();
    server_.reset();
  }
  void SetUp() override { ASSERT_TRUE(server_->started()) << server_->Stderr(); }

  static Browser NewBrowser() {
    return Browser(server_->origin(), server_->certificate(), "AuditBrowser/1.0");
  }

  // A new therapist, signed in by the sign-up link in one browser and, after setting a
  // password, by password in `second` (so their newest event is a password sign-in).
  static ::testing::AssertionResult NewTherapist(Browser& first, Browser& second,
                                                 const std::string& email) {
    if (auto r = SignUp(first, *outbox_, email, "Audit Therapist"); !r) {
      return r;
    }
    const std::string password = "juniper falcon orchard 8080";
    const HttpResult set =
        first.SendJson("PUT", "/api/v1/me/password", json::object{{"new_password", password}},
                       {"X-CSRF-Token: " + CsrfToken(first)});
    if (set.status != 204) {
      return ::testing::AssertionFailure()
             << "PUT /api/v1/me/password: " << set.status << " " << set.body;
    }
    const HttpResult in = second.PostJson("/api/v1/auth/password",
                                          json::object{{"email", email}, {"password", password}});
    if (in.status != 200) {
      return ::testing::AssertionFailure()
             << "POST /api/v1/auth/password: " << in.status << " " << in.body;
    }
    return ::testing::AssertionSuccess();
  }

  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::unique_ptr<Outbox> outbox_;
};

TEST_F(AuditApi, ListsTheTenantsEventsNewestFirstAndPagesThroughThemWithoutRepeats) {
  Browser a = NewBrowser();
  Browser b = NewBrowser();
  ASSERT_TRUE(NewTherapist(a, b, NewTestAddress("audit-list")));
  const std::string account_id = StringAt(JsonOf(a.Get("/api/v1/me")), "id");
  ASSERT_FALSE(account_id.empty());

  const AuditPage all = ReadAudit(b, "");
  ASSERT_EQ(all.status, 200);
  EXPECT_TRUE(all.next_before.is_null());
  ASSERT_GE(all.events.size(), 6u);
  // Newest first: the password sign-in just made.
  EXPECT_EQ(StringAt(all.events.front(), "action"), "auth.login.succeeded");
  EXPECT_EQ(StringAt(all.events.front().at("details"), "method"), "password");
  std::set<std::string> actions;
  for (std::size_t i = 0; i < all.events.size(); ++i) {
    const auto& e = all.events[i];
    actions.insert(StringAt(e, "action"));
    EXPECT_EQ(e.at("tenant"), all.events.front().at("tenant")) << i;
    if (i > 0) {
      EXPECT_LT(e.at("seq").to_number<std::uint64_t>(),
                all.events[i - 1].at("seq").to_number<std::uint64_t>())
          << i;
    }
  }
  for (const char* action :
       {"auth.account.created", "auth.magic_link.issued", "auth.magic_link.used",
        "auth.login.succeeded", "auth.password.changed"}) {
    EXPECT_TRUE(actions.contains(action)) << action;
  }

  // One by one with before=next_before: the same events in the same order, each once.
  std::vector<std::string> walked;
  std::string query = "?limit=1";
  for (std::size_t step = 0; step <= all.events.size() + 1; ++step) {
    const AuditPage page = ReadAudit(b, query);
    ASSERT_EQ(page.status, 200) << query;
    ASSERT_LE(page.events.size(), 1u);
    for (const auto& id : Ids(page.events)) {
      walked.push_back(id);
    }
    if (page.next_before.is_null()) {
      break;
    }
    query = "?limit=1&before=" + std::to_string(page.next_before.to_number<std::uint64_t>());
  }
  EXPECT_EQ(walked, Ids(all.events));
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()).size(), walked.size());
  // Pages of two end the same way.
  std::vector<std::string> by_two;
  query = "?limit=2";
  for (std::size_t step = 0; step <= all.events.size(); ++step) {
    const AuditPage page = ReadAudit(b, query);
    ASSERT_EQ(page.status, 200) << query;
    for (const auto& id : Ids(page.events)) {
      by_two.push_back(id);
    }
    if (page.next_before.is_null()) {
      break;
    }
    query = "?limit=2&before=" + std::to_string(page.next_before.to_number<std::uint64_t>());
  }
  EXPECT_EQ(by_two, Ids(all.events));

  // Only the events about one object.
  const AuditPage about_account = ReadAudit(b, "?object=" + account_id);
  ASSERT_EQ(about_account.status, 200);
  EXPECT_FALSE(about_account.events.empty());
  for (const auto& e : about_account.events) {
    EXPECT_EQ(StringAt(e, "object_id"), account_id);
  }
  EXPECT_LT(about_account.events.size(), all.events.size());

  for (const char* bad :
       {"?limit=0", "?limit=201", "?limit=x", "?before=x", "?before=-1", "?object=..%2Fx"}) {
    const HttpResult r = b.Get(std::string("/api/v1/audit") + bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
}

TEST_F(AuditApi, AnotherTherapistSeesNoneOfTheFirstOnesEvents) {
  Browser a = NewBrowser();
  Browser a2 = NewBrowser();
  ASSERT_TRUE(NewTherapist(a, a2, NewTestAddress("audit-first")));
  Browser b = NewBrowser();
  Browser b2 = NewBrowser();
  ASSERT_TRUE(NewTherapist(b, b2, NewTestAddress("audit-second")));
  const std::string a_account = StringAt(JsonOf(a.Get("/api/v1/me")), "id");

  const AuditPage mine = ReadAudit(a, "?limit=200");
  const AuditPage theirs = ReadAudit(b, "?limit=200");
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(theirs.status, 200);
  ASSERT_FALSE(mine.events.empty());
  ASSERT_FALSE(theirs.events.empty());
  EXPECT_NE(mine.events.front().at("tenant"), theirs.events.front().at("tenant"));
  const auto my_ids = Ids(mine.events);
  const std::set<std::string> mine_set(my_ids.begin(), my_ids.end());
  for (const auto& e : theirs.events) {
    EXPECT_EQ(e.at("tenant"), theirs.events.front().at("tenant"));
    EXPECT_FALSE(mine_set.contains(StringAt(e, "id")));
    EXPECT_NE(StringAt(e, "object_id"), a_account);
  }
  EXPECT_TRUE(ReadAudit(b, "?object=" + a_account).events.empty());

  // A's event's proof: 404 for B, exactly as an id that does not exist; 200 for A.
  const std::string a_event = FirstIdOf(mine.events, "auth.login.succeeded");
  ASSERT_FALSE(a_event.empty());
  const HttpResult foreign = b.Get("/api/v1/audit/" + a_event + "/proof");
  const HttpResult missing = b.Get("/api/v1/audit/" + std::string(32, '0') + "/proof");
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(ErrorCode(foreign), "not_found");
  EXPECT_EQ(foreign.status, missing.status);
  EXPECT_EQ(foreign.body, missing.body);
  EXPECT_EQ(foreign.body.find(a_event), npos);
  EXPECT_EQ(a.Get("/api/v1/audit/" + a_event + "/proof").status, 200);
}

TEST_F(AuditApi, ProofOfAnOwnEventIsAReceiptThatAlcoveAuditCheckAccepts) {
  Browser a = NewBrowser();
  Browser a2 = NewBrowser();
  ASSERT_TRUE(NewTherapist(a, a2, NewTestAddress("audit-proof")));
  const AuditPage mine = ReadAudit(a, "");
  const std::string login = FirstIdOf(mine.events, "auth.login.succeeded");
  const std::string created = FirstIdOf(mine.events, "auth.account.created");
  ASSERT_FALSE(login.empty());
  ASSERT_FALSE(created.empty());

  const HttpResult r = a.Get("/api/v1/audit/" + login + "/proof");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value proof = JsonOf(r);
  ASSERT_TRUE(proof.is_object()) << r.body;
  for (const char* key : {"event", "event_bytes", "leaf_index", "inclusion_proof", "checkpoint",
                          "verifier_key", "receipt"}) {
    EXPECT_NE(proof.as_object().if_contains(key), nullptr) << key;
  }
  EXPECT_EQ(StringAt(proof.at("event"), "id"), login);
  EXPECT_EQ(StringAt(proof.at("event"), "action"), "auth.login.succeeded");
  EXPECT_EQ(proof.at("leaf_index"), proof.at("event").at("seq"));
  const std::string receipt = StringAt(proof, "receipt");
  const std::string key = StringAt(proof, "verifier_key");
  const std::string event_bytes = StringAt(proof, "event_bytes");
  ASSERT_FALSE(receipt.empty());
  ASSERT_FALSE(key.empty());
  ASSERT_FALSE(event_bytes.empty());
  EXPECT_NE(receipt.find("\nevent " + event_bytes + "\n"), npos) << receipt;

  TempDir tmp;
  const auto file = tmp / "receipt.txt";
  std::ofstream(file) << receipt;
  const auto ok = RunAlcove({"audit", "check", file.string(), "--key", key});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("receipt OK"), npos) << ok.out;
  EXPECT_NE(ok.out.find(login), npos) << ok.out;

  // The receipt holds for its own event only: another event's bytes in it fail.
  const HttpResult other = a.Get("/api/v1/audit/" + created + "/proof");
  ASSERT_EQ(other.status, 200) << other.body;
  const std::string other_bytes = StringAt(JsonOf(other), "event_bytes");
  ASSERT_FALSE(other_bytes.empty());
  std::string swapped = receipt;
  swapped.replace(swapped.find(event_bytes), event_bytes.size(), other_bytes);
  std::ofstream(file, std::ios::trunc) << swapped;
  const auto bad = RunAlcove({"audit", "check", file.string(), "--key", key});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
}

TEST_F(AuditApi, AuditPageShowsTheEventsInWords) {
  Browser a = NewBrowser();
  Browser a2 = NewBrowser();
  ASSERT_TRUE(NewTherapist(a, a2, NewTestAddress("audit-page")));
  const HttpResult page = a2.Get("/audit");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("You signed in"), npos) << page.body;
  EXPECT_NE(page.body.find("You changed the password"), npos);
  const std::string newest = ReadAudit(a2, "?limit=1").events.empty()
                                 ? std::string()
                                 : StringAt(ReadAudit(a2, "?limit=1").events.front(), "id");
  ASSERT_FALSE(newest.empty());
  // Words, not machine text: no event ids, no ISO times (the API has both).
  EXPECT_EQ(page.body.find(newest), npos);
  EXPECT_NE(page.body.find(" UTC</td>"), npos);
  EXPECT_EQ(page.body.find("Z</td>"), npos);
}

TEST_F(AuditApi, WithoutASessionTheAuditIsClosed) {
  Browser v = NewBrowser();
  const HttpResult list = v.Get("/api/v1/audit");
  EXPECT_EQ(list.status, 401);
  EXPECT_EQ(ErrorCode(list), "unauthenticated");
  EXPECT_EQ(v.Get("/api/v1/audit/" + std::string(32, '0') + "/proof").status, 401);
  const HttpResult page = v.Get("/audit");
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.Header("Location"), "/signin");
  // A session ended by logout opens nothing either.
  Browser a = NewBrowser();
  ASSERT_TRUE(SignUp(a, *outbox_, NewTestAddress("audit-closed"), "Closed Audit"));
  ASSERT_EQ(a.Get("/api/v1/audit").status, 200);
  const auto cookies = a.cookies();
  ASSERT_EQ(
      a.Request("POST", "/api/v1/auth/logout", std::nullopt, {"X-CSRF-Token: " + CsrfToken(a)})
          .status,
      204);
  a.set_cookies(cookies);
  EXPECT_EQ(a.Get("/api/v1/audit").status, 401);
}

}  // namespace
}  // namespace alcove::testing
