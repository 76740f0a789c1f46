// Session recordings' pages (docs/recordings.md § Pages) on the real app, both engines: the
// therapist's Recordings tab (a new recording with its participants, the list), a
// recording's page (who is still missing, consent documented in the session, the recorder
// enabled only once everyone consented, playback, withdrawal with a confirm step, "Recording
// withdrawn on …" there and on the record), and the client's consent pages in the portal
// (agree under the version shown, withdraw), with what each role and tenant may not reach.
#include <gtest/gtest.h>

#include <regex>

#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;

std::string TitleOf(const std::string& html) {
  const auto a = html.find("<title>");
  const auto b = html.find("</title>");
  return a == std::string::npos || b == std::string::npos ? "" : html.substr(a + 7, b - a - 7);
}

// What a person reads of a page: tags dropped, spaces squeezed.
std::string TextOf(const std::string& html) {
  std::string s = std::regex_replace(html, std::regex("<[^>]*>"), " ");
  return std::regex_replace(s, std::regex("\\s+"), " ");
}

bool Has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

class RecordingPagesTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("rec-pages-a@alcove.test", "192.0.2.81");
    b_ = h_->SignUpTherapist("rec-pages-b@alcove.test", "192.0.2.82");
    client_ = NewClient(a_, "Quentavia Brumblethorn", "qb@example.net");
    partner_ = NewClient(a_, "Orlando Fairweather", "of@example.net");
  }

  std::string NewClient(AppBrowser& b, const std::string& name, const std::string& email) {
    auto res = h_->Call(b, "POST", "/api/v1/clients",
                        R"({"name":")" + name + R"(","email":")" + email + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  Response Form(AppBrowser& b, const std::string& target, const std::string& fields) {
    return h_->Call(b, "POST", target,
                    "csrf_token=" + b.csrf + (fields.empty() ? "" : "&" + fields),
                    "application/x-www-form-urlencoded");
  }
  Response Get(AppBrowser& b, const std::string& target) { return h_->Call(b, "GET", target); }

  // A recording made on the tab's form; its id from the redirect.
  std::string Create(const std::string& fields) {
    auto res = Form(a_, "/clients/" + client_ + "/recordings", fields);
    EXPECT_EQ(res.status, 303) << res.body;
    const std::string at(res.headers.Get("Location").value_or(""));
    std::smatch m;
    EXPECT_TRUE(std::regex_match(at, m, std::regex("/recordings/([^?]+)\\?done=created"))) << at;
    return m.size() > 1 ? m[1].str() : "";
  }

  // The participants' ids of a recording, in order (the API's answer).
  std::vector<std::string> Participants(const std::string& rec) {
    auto res = Get(a_, "/api/v1/recordings/" + rec);
    EXPECT_EQ(res.status, 200) << res.body;
    std::vector<std::string> out;
    const auto json = testing::ParseJson(res);
    for (const auto& p : json.as_object().at("participants").as_array()) {
      out.emplace_back(p.as_object().at("id").as_string());
    }
    return out;
  }

  // Invites `client` to the portal and signs them in there: their browser.
  AppBrowser Join(const std::string& client, const std::string& ip) {
    auto res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/portal-invite");
    EXPECT_EQ(res.status, 202) << res.body;
    const std::string link = h_->Sent().back().link();
    const auto at = link.find("#token=");
    AppBrowser c{.ip = ip, .cookies = {}, .csrf = {}};
    res = h_->Call(c, "POST", "/api/v1/portal/accept",
                   R"({"token":")" + link.substr(at + 7) + R"("})");
    EXPECT_EQ(res.status, 200) << res.body;
    c.csrf = JsonMember(h_->Call(c, "GET", "/api/v1/me").body, "csrf_token");
    return c;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  AppBrowser b_;
  std::string client_;
  std::string partner_;
};

TEST_P(RecordingPagesTest, C05TheRecorderWaitsUntilEveryParticipantConsentedAndSaysWhoIsMissing) {
  auto tab = Get(a_, "/clients/" + client_ + "/recordings");
  ASSERT_EQ(tab.status, 200) << tab.body;
  EXPECT_EQ(TitleOf(tab.body), "Q.B. · Recordings · Alcove");
  EXPECT_TRUE(Has(tab.body, "No recordings yet."));
  EXPECT_TRUE(Has(tab.body, R"(id="recording-with-)" + partner_ + R"(")"));  // a couple
  // The record's page has the tab.
  auto record = Get(a_, "/clients/" + client_);
  EXPECT_TRUE(Has(record.body, R"(href="/clients/)" + client_ + R"(/recordings")"));

  // The therapist, this client and the partner, with labels.
  const std::string rec = Create("title=Session+twelve&therapist=1&label_" + client_ +
                                 "=partner&with_" + partner_ + "=1&label_" + partner_ + "=partner");
  auto page = Get(a_, "/recordings/" + rec + "?done=created");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(TitleOf(page.body), "Q.B. · Recording · Alcove");  // no title, no name
  EXPECT_TRUE(Has(page.body, "Session twelve"));  // the record's own page shows it
  EXPECT_TRUE(Has(TextOf(page.body),
                  "Still waiting for consent from: you, Q.B. (in the portal), O.F. (in the "
                  "portal)"))
      << TextOf(page.body);
  EXPECT_TRUE(Has(page.body, R"(id="recorder-start" disabled)"));
  EXPECT_TRUE(Has(page.body, R"(id="upload-start" disabled)"));
  EXPECT_FALSE(Has(page.body, R"(data-enabled="1")"));
  EXPECT_EQ(page.headers.Get("Permissions-Policy").value_or("").find("microphone=(self)"),
            std::string::npos);
  EXPECT_TRUE(Has(page.body, R"(<script src="/static/recorder.js" defer></script>)"));

  // The therapist documents their own consent in the session, then the two clients'.
  const auto parts = Participants(rec);
  ASSERT_EQ(parts.size(), 3U);
  auto done = Form(a_, "/recordings/" + rec + "/participants/" + parts[0] + "/consent",
                   "method=in_session&note=said+yes+aloud");
  EXPECT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.headers.Get("Location").value_or(""), "/recordings/" + rec + "?done=consented");
  // A second time is refused in words on the page, nothing changed.
  auto again = Form(a_, "/recordings/" + rec + "/participants/" + parts[0] + "/consent",
                    "method=written");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_TRUE(Has(again.body, R"(role="alert")"));
  // A method that is not the therapist's to document.
  auto portal = Form(a_, "/recordings/" + rec + "/participants/" + parts[1] + "/consent",
                     "method=portal");
  EXPECT_EQ(portal.status, 400);
  page = Get(a_, "/recordings/" + rec);
  EXPECT_TRUE(Has(TextOf(page.body), "Still waiting for consent from: Q.B. (in the portal), "
                                     "O.F. (in the portal)"));
  EXPECT_TRUE(Has(TextOf(page.body), "Consented in the session"));
  EXPECT_TRUE(Has(page.body, "said yes aloud"));
  EXPECT_TRUE(Has(page.body, R"(id="recorder-start" disabled)"));
  for (std::size_t i = 1; i < parts.size(); ++i) {
    done = Form(a_, "/recordings/" + rec + "/participants/" + parts[i] + "/consent",
                "method=written");
    EXPECT_EQ(done.status, 303) << done.body;
  }
  page = Get(a_, "/recordings/" + rec);
  EXPECT_FALSE(Has(page.body, "Still waiting for consent"));
  EXPECT_TRUE(Has(page.body, R"(data-enabled="1")"));
  EXPECT_FALSE(Has(page.body, R"(id="recorder-start" disabled)"));
  EXPECT_NE(page.headers.Get("Permissions-Policy").value_or("").find("microphone=(self)"),
            std::string::npos);
  // Once audio is stored the page plays it instead.
  auto put = h_->CallWith(a_, "PUT", "/api/v1/recordings/" + rec + "/audio",
                          std::string(40000, 'a'), "audio/webm",
                          {{"Upload-Offset", "0"}, {"Upload-Complete", "?1"}});
  ASSERT_EQ(put.status, 200) << put.body;
  page = Get(a_, "/recordings/" + rec);
  EXPECT_TRUE(Has(page.body, R"(id="recording-playback" controls preload="metadata" src="/api/v1/recordings/)" +
                                 rec + R"(/audio")"));
  EXPECT_FALSE(Has(page.body, R"(data-enabled="1")"));
  // The list on both partners' records.
  for (const auto& c : {client_, partner_}) {
    tab = Get(a_, "/clients/" + c + "/recordings");
    EXPECT_TRUE(Has(tab.body, R"(href="/recordings/)" + rec + R"(")")) << c;
    EXPECT_FALSE(Has(tab.body, "Session twelve"));  // the list is not an audited read
  }
}

TEST_P(RecordingPagesTest, C20C31AnotherTherapistsRecordingPagesAre404AndOtherRolesAre403) {
  const std::string rec = Create("therapist=1");
  const auto parts = Participants(rec);
  ASSERT_EQ(parts.size(), 2U);
  // Therapist B of another practice: every page of A's is 404, exactly like a missing one.
  for (const std::string& target :
       {"/clients/" + client_ + "/recordings", "/recordings/" + rec,
        "/recordings/" + rec + "/participants/" + parts[0] + "/withdraw",
        std::string("/recordings/nonexistent")}) {
    EXPECT_EQ(Get(b_, target).status, 404) << target;
  }
  EXPECT_EQ(Form(b_, "/recordings/" + rec + "/participants/" + parts[0] + "/consent",
                 "method=in_session")
                .status,
            404);
  EXPECT_EQ(Form(b_, "/recordings/" + rec + "/participants/" + parts[0] + "/withdraw", "").status,
            404);
  EXPECT_EQ(Form(b_, "/clients/" + client_ + "/recordings", "therapist=1").status, 404);
  // B cannot add A's client to a recording of B's own.
  const std::string mine = NewClient(b_, "Bee Client", "bc@example.net");
  auto refused = Form(b_, "/clients/" + mine + "/recordings", "therapist=1&with_" + client_ + "=1");
  EXPECT_EQ(refused.status, 404) << refused.body;
  EXPECT_TRUE(Has(refused.body, R"(role="alert")"));
  // A participant of another recording is not this one's.
  const std::string other = Create("therapist=1");
  const auto other_parts = Participants(other);
  EXPECT_EQ(Get(a_, "/recordings/" + rec + "/participants/" + other_parts[0] + "/withdraw").status,
            404);
  EXPECT_EQ(Form(a_, "/recordings/" + rec + "/participants/" + other_parts[0] + "/consent",
                 "method=in_session")
                .status,
            404);

  // The client cannot use the therapist's pages; the therapist not the client's.
  AppBrowser client = Join(client_, "192.0.2.83");
  EXPECT_EQ(Get(client, "/clients/" + client_ + "/recordings").status, 403);
  EXPECT_EQ(Get(client, "/recordings/" + rec).status, 403);
  EXPECT_EQ(Get(a_, "/portal/recordings").status, 403);
  EXPECT_EQ(Get(a_, "/portal/recordings/" + rec).status, 403);
  // A client who does not take part: 404 (C31).
  AppBrowser partner = Join(partner_, "192.0.2.84");
  EXPECT_EQ(Get(partner, "/portal/recordings/" + rec).status, 404);
  EXPECT_EQ(Form(partner, "/portal/recordings/" + rec + "/consent", "text_version=1").status, 404);
  EXPECT_EQ(Form(partner, "/portal/recordings/" + rec + "/withdraw", "").status, 404);
  EXPECT_EQ(Get(partner, "/portal/recordings/" + rec + "/withdraw").status, 404);
  EXPECT_FALSE(Has(Get(partner, "/portal/recordings").body, rec));
}

TEST_P(RecordingPagesTest, C05C04TheClientAgreesInThePortalThenWithdrawsAndEveryPageSaysSo) {
  AppBrowser client = Join(client_, "192.0.2.85");
  auto home = Get(client, "/portal");
  EXPECT_FALSE(Has(home.body, "/portal/recordings"));  // nothing asked yet

  const std::string rec = Create("therapist=1");
  home = Get(client, "/portal");
  ASSERT_EQ(home.status, 200);
  EXPECT_TRUE(Has(TextOf(home.body), "Your therapist asks your consent to record a session."));
  EXPECT_TRUE(Has(home.body, R"(href="/portal/recordings")"));
  auto list = Get(client, "/portal/recordings");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(TitleOf(list.body), "Recordings · Alcove");
  EXPECT_TRUE(Has(list.body, R"(href="/portal/recordings/)" + rec + R"(")"));
  auto page = Get(client, "/portal/recordings/" + rec);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(TitleOf(page.body), "A recording · Alcove");
  EXPECT_TRUE(Has(page.body, "Consent text, version 1"));
  EXPECT_TRUE(Has(page.body, R"(name="text_version" value="1")"));
  EXPECT_TRUE(Has(page.body, R"(id="consent-agree">I agree</button>)"));

  // The practice changed its text while the client read: refused in words, the new text shown.
  auto text = h_->Call(a_, "PUT", "/api/v1/recording-consent-text",
                       R"({"text":"Version two of the consent text."})");
  ASSERT_EQ(text.status, 200) << text.body;
  auto stale = Form(client, "/portal/recordings/" + rec + "/consent", "text_version=1");
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_TRUE(Has(stale.body, "The consent text was changed meanwhile"));
  EXPECT_TRUE(Has(stale.body, "Version two of the consent text."));
  EXPECT_TRUE(Has(stale.body, R"(name="text_version" value="2")"));
  EXPECT_EQ(Form(client, "/portal/recordings/" + rec + "/consent", "text_version=x").status, 400);

  auto agreed = Form(client, "/portal/recordings/" + rec + "/consent", "text_version=2");
  EXPECT_EQ(agreed.status, 303) << agreed.body;
  EXPECT_EQ(agreed.headers.Get("Location").value_or(""),
            "/portal/recordings/" + rec + "?done=agreed");
  page = Get(client, "/portal/recordings/" + rec + "?done=agreed");
  EXPECT_TRUE(Has(page.body, "to version 2 of the consent text"));
  EXPECT_FALSE(Has(page.body, R"(id="consent-agree")"));
  EXPECT_TRUE(Has(page.body, R"(href="/portal/recordings/)" + rec + R"(/withdraw")"));
  // The therapist's page: consented in the portal; only the therapist missing now.
  auto therapist = Get(a_, "/recordings/" + rec);
  EXPECT_TRUE(Has(TextOf(therapist.body), "Consented in the portal"));
  EXPECT_TRUE(Has(TextOf(therapist.body), "Still waiting for consent from: you"));

  // Withdrawal: a confirm step that says what is destroyed, then the POST.
  auto confirm = Get(client, "/portal/recordings/" + rec + "/withdraw");
  ASSERT_EQ(confirm.status, 200) << confirm.body;
  EXPECT_TRUE(Has(confirm.body, "the recording and everything made from it will be destroyed"));
  EXPECT_TRUE(Has(confirm.body, R"(id="consent-withdraw-confirm")"));
  auto gone = Form(client, "/portal/recordings/" + rec + "/withdraw", "");
  EXPECT_EQ(gone.status, 303) << gone.body;
  EXPECT_EQ(gone.headers.Get("Location").value_or(""), "/portal/recordings?done=withdrawn");
  list = Get(client, "/portal/recordings?done=withdrawn");
  EXPECT_TRUE(Has(list.body, "Your consent is withdrawn."));
  EXPECT_TRUE(Has(list.body, "Recording withdrawn on "));
  EXPECT_FALSE(Has(list.body, R"(href="/portal/recordings/)" + rec + R"(")"));
  page = Get(client, "/portal/recordings/" + rec);
  EXPECT_TRUE(Has(page.body, "Recording withdrawn on "));
  EXPECT_FALSE(Has(page.body, R"(id="consent-form")"));
  // A second withdrawal is 410 in words.
  auto twice = Form(client, "/portal/recordings/" + rec + "/withdraw", "");
  EXPECT_EQ(twice.status, 410);
  // The therapist's recording page, tab and record say so.
  therapist = Get(a_, "/recordings/" + rec);
  ASSERT_EQ(therapist.status, 200) << therapist.body;
  EXPECT_TRUE(Has(therapist.body, R"(id="recording-withdrawn")"));
  EXPECT_TRUE(Has(therapist.body, "Recording withdrawn on "));
  EXPECT_FALSE(Has(therapist.body, "recorder.js"));
  EXPECT_TRUE(Has(Get(a_, "/clients/" + client_ + "/recordings").body, "Recording withdrawn on "));
  EXPECT_TRUE(Has(Get(a_, "/clients/" + client_).body, "Recording withdrawn on "));
  EXPECT_EQ(Get(a_, "/api/v1/recordings/" + rec + "/audio").status, 410);
}

TEST_P(RecordingPagesTest, C04TheTherapistWithdrawsAfterAConfirmStepThatSaysWhatIsDestroyed) {
  const std::string rec = Create("therapist=1");
  const auto parts = Participants(rec);
  for (const auto& p : parts) {
    ASSERT_EQ(Form(a_, "/recordings/" + rec + "/participants/" + p + "/consent",
                   "method=in_session")
                  .status,
              303);
  }
  auto page = Get(a_, "/recordings/" + rec);
  EXPECT_TRUE(Has(page.body, R"(id="withdraw-therapist" href="/recordings/)" + rec +
                                 "/participants/" + parts[0] + R"(/withdraw")"));
  auto confirm = Get(a_, "/recordings/" + rec + "/participants/" + parts[1] + "/withdraw");
  ASSERT_EQ(confirm.status, 200) << confirm.body;
  EXPECT_EQ(TitleOf(confirm.body), "Q.B. · Withdraw consent · Alcove");
  EXPECT_TRUE(Has(confirm.body, "its audio, its key, its transcript"));
  EXPECT_TRUE(Has(confirm.body, R"(id="withdraw-confirm")"));
  // Nothing happened by opening the confirm page.
  EXPECT_FALSE(Has(Get(a_, "/recordings/" + rec).body, "Recording withdrawn on"));
  auto done = Form(a_, "/recordings/" + rec + "/participants/" + parts[1] + "/withdraw", "");
  EXPECT_EQ(done.status, 303) << done.body;
  page = Get(a_, "/recordings/" + rec + "?done=withdrawn");
  EXPECT_TRUE(Has(page.body, "Consent withdrawn."));
  EXPECT_TRUE(Has(page.body, "Recording withdrawn on "));
  // The confirm page of a withdrawn recording leads back to it.
  auto after = Get(a_, "/recordings/" + rec + "/participants/" + parts[0] + "/withdraw");
  EXPECT_EQ(after.status, 303);
}

INSTANTIATE_TEST_SUITE_P(Engines, RecordingPagesTest,
                         ::testing::Values(testing::TestEngine::kSqlite,
                                           testing::TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == testing::TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
