// Session recordings (docs/recordings.md) on both engines, through the whole app in process
// (the JSON API of API.md § Recordings, the portal's consent) and the service: consent
// before anything is processed (C05), consent of another client or therapist refused
// (C20, C31), withdrawal destroying key, blob, transcript and unreviewed drafts (C04,
// C06's rules), a pre-withdrawal database copy unreadable once old master keys are retired,
// a client's deletion, retention, audit with ids only (C40).
#include "recordings/recordings.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "audit/query.hpp"
#include "cli/modules.hpp"
#include "crypto/field_cipher.hpp"
#include "crypto/key_ring.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"

namespace alcove::recordings {
namespace {

namespace json = boost::json;
using testing::AppBrowser;
using testing::AppHarness;
using testing::ErrorCodeOf;
using testing::JsonMember;
using testing::TestEngine;
using web::Response;

std::string TokenIn(const std::string& link) {
  const auto at = link.find("#token=");
  return at == std::string::npos ? std::string() : link.substr(at + 7);
}

class RecordingsTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("rec-a@alcove.test", "192.0.2.71");
    b_ = h_->SignUpTherapist("rec-b@alcove.test", "192.0.2.72");
    rec_ = cli::RecordingsOf(h_->modules());
    ASSERT_NE(rec_, nullptr);
  }

  std::string NewClient(AppBrowser& b, const std::string& name, const std::string& email) {
    auto res = h_->Call(b, "POST", "/api/v1/clients",
                        R"({"name":")" + name + R"(","email":")" + email + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  // Invites the client to the portal and signs them in there: their browser.
  AppBrowser Join(AppBrowser& owner, const std::string& client, const std::string& ip) {
    auto res = h_->Call(owner, "POST", "/api/v1/clients/" + client + "/portal-invite");
    EXPECT_EQ(res.status, 202) << res.body;
    const auto sent = h_->Sent();
    AppBrowser c{.ip = ip, .cookies = {}, .csrf = {}};
    res = h_->Call(c, "POST", "/api/v1/portal/accept",
                   R"({"token":")" + TokenIn(sent.back().link()) + R"("})");
    EXPECT_EQ(res.status, 200) << res.body;
    auto me = h_->Call(c, "GET", "/api/v1/me");
    c.csrf = JsonMember(me.body, "csrf_token");
    return c;
  }

  // A recording of `client` with the therapist and the clients `others` besides.
  json::object NewRecording(AppBrowser& b, const std::string& client,
                            const std::vector<std::string>& others = {}) {
    std::string parts = R"([{"kind":"therapist"},{"kind":"client"})";
    for (const auto& o : others) {
      parts += R"(,{"kind":"client","client_id":")" + o + R"(","label":"marker-label"})";
    }
    parts += "]";
    auto res = h_->Call(b, "POST", "/api/v1/clients/" + client + "/recordings",
                        R"({"title":"marker-title","participants":)" + parts + "}");
    EXPECT_EQ(res.status, 201) << res.body;
    return res.status == 201 ? json::parse(res.body).as_object() : json::object{};
  }

  static std::string PartId(const json::object& r, std::size_t i) {
    return std::string(r.at("participants").as_array().at(i).as_object().at("id").as_string());
  }

  Response Document(AppBrowser& b, const std::string& rec, const std::string& pid,
                    const std::string& method = "in_session") {
    return h_->Call(b, "POST", "/api/v1/recordings/" + rec + "/participants/" + pid + "/consent",
                    R"({"method":")" + method + R"(","note":"marker-note"})");
  }

  // One count; in therapist A's tenant (row-level security on PostgreSQL).
  std::int64_t Count(const std::string& sql, const std::string& param) {
    auto tx = h_->db().BeginTenant(Scope(a_).tenant());
    EXPECT_TRUE(tx);
    const store::Value p[] = {param};
    auto rows = (*tx)->Query(sql, p);
    EXPECT_TRUE(rows) << sql << ": " << (rows ? "" : rows.error().internal);
    return rows && !rows->empty() ? rows->front().Int(0) : -1;
  }

  std::optional<std::int64_t> KeyOf(const std::string& rec) {
    auto tx = h_->db().BeginTenant(Scope(a_).tenant());
    const store::Value p[] = {rec};
    auto rows = (*tx)->Query("SELECT key_id FROM recordings WHERE id = $1", p);
    EXPECT_TRUE(rows);
    EXPECT_EQ(rows->size(), 1U);
    return rows->empty() ? std::nullopt : rows->front().OptionalInt(0);
  }

  // The rows of the key ring holding a generation of `key`.
  std::int64_t KeyRows(std::int64_t key) {
    auto tx = h_->db().Begin();
    const store::Value k[] = {key};
    auto rows = (*tx)->Query("SELECT count(*) FROM data_keys WHERE family = $1", k);
    EXPECT_TRUE(rows);
    return rows ? rows->front().Int(0) : -1;
  }

  identity::TherapistScope Scope(const AppBrowser& b) {
    return *identity::TherapistScope::From(h_->PrincipalOf(b));
  }

  std::vector<audit::Event> Events(store::TenantId tenant) {
    auto tx = h_->db().Begin();
    auto events = audit::ListEvents(**tx, tenant, std::nullopt, 500);
    EXPECT_TRUE(events);
    std::vector<audit::Event> out;
    for (auto& e : *events) {
      out.push_back(std::move(e.logged.event));
    }
    return out;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_, b_;
  Recordings* rec_ = nullptr;
};

TEST_P(RecordingsTest, C05ProcessingRefusedUntilEveryParticipantConsented) {
  const std::string ann = NewClient(a_, "Ann Couple", "ann@alcove.test");
  const std::string ben = NewClient(a_, "Ben Couple", "ben@alcove.test");
  AppBrowser ben_portal = Join(a_, ben, "198.51.100.21");
  auto r = NewRecording(a_, ann, {ben});
  const std::string id(r.at("id").as_string());
  ASSERT_EQ(r.at("participants").as_array().size(), 3U);
  EXPECT_EQ(r.at("status").as_string(), "awaiting_consent");
  EXPECT_EQ(r.at("consent_missing").as_array().size(), 3U);

  auto transcribe = [&] {
    return h_->Call(a_, "POST", "/api/v1/recordings/" + id + "/transcribe");
  };
  auto res = transcribe();
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "consent_missing");
  EXPECT_FALSE(rec_->RequireConsent(Scope(a_), id));
  EXPECT_TRUE(IsConsentMissing(rec_->RequireConsent(Scope(a_), id).error()));

  // The therapist documents their own and Ann's (a written form); still Ben's missing.
  res = Document(a_, id, PartId(r, 0));
  EXPECT_EQ(res.status, 201) << res.body;
  res = Document(a_, id, PartId(r, 1), "written");
  EXPECT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(JsonMember(res.body, "method"), "written");
  res = Document(a_, id, PartId(r, 1), "written");
  EXPECT_EQ(res.status, 409) << "documented twice: " << res.body;
  res = transcribe();
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "consent_missing");
  // "portal" is the client's own act: the therapist cannot document it.
  res = Document(a_, id, PartId(r, 2), "portal");
  EXPECT_EQ(res.status, 400) << res.body;

  // Ben, in the portal: sees the recording awaiting consent and the practice's text.
  res = h_->Call(ben_portal, "GET", "/api/v1/portal/consents");
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_EQ(json::parse(res.body).as_array().size(), 1U);
  EXPECT_EQ(res.body.find("marker-title"), std::string::npos) << "the client sees no title";
  EXPECT_EQ(res.body.find("A.C."), std::string::npos) << "nor the other participant";
  res = h_->Call(ben_portal, "GET", "/api/v1/portal/consents/" + id);
  ASSERT_EQ(res.status, 200) << res.body;
  const auto asked = json::parse(res.body).as_object();
  const auto& text = asked.at("consent_text").as_object();
  EXPECT_EQ(text.at("version").as_int64(), 1);
  EXPECT_NE(std::string(text.at("text").as_string()).find("withdraw"), std::string::npos);
  // An outdated version is refused (the text changed while they read it).
  res = h_->Call(ben_portal, "POST", "/api/v1/portal/consents/" + id, R"({"text_version":7})");
  EXPECT_EQ(res.status, 409) << res.body;
  res = h_->Call(ben_portal, "POST", "/api/v1/portal/consents/" + id, R"({"text_version":1})");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(JsonMember(res.body, "method"), "portal");

  // Everyone has consented: the refusal is gone; no transcription service exists here.
  EXPECT_TRUE(rec_->RequireConsent(Scope(a_), id));
  res = transcribe();
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "transcription_unavailable");
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + id);
  ASSERT_EQ(res.status, 200) << res.body;
  const auto got = json::parse(res.body).as_object();
  EXPECT_EQ(got.at("status").as_string(), "consented");
  EXPECT_EQ(got.at("title").as_string(), "marker-title");
  const auto& ben_consent = got.at("participants").as_array().at(2).as_object().at("consent");
  EXPECT_EQ(ben_consent.as_object().at("method").as_string(), "portal");
  EXPECT_EQ(ben_consent.as_object().at("text_version").as_int64(), 1);
  EXPECT_EQ(got.at("participants")
                .as_array()
                .at(1)
                .as_object()
                .at("consent")
                .as_object()
                .at("note")
                .as_string(),
            "marker-note");
}

TEST_P(RecordingsTest, C05ConsentIsUnderTheCurrentVersionOfThePracticesText) {
  auto res = h_->Call(a_, "GET", "/api/v1/recording-consent-text");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body).as_object().at("version").as_int64(), 1);
  for (const char* words :
       {"What is recorded", "Who processes it", "How long it is kept", "How to withdraw"}) {
    EXPECT_NE(res.body.find(words), std::string::npos) << words;
  }
  res = h_->Call(a_, "PUT", "/api/v1/recording-consent-text", R"({"text":"Our own words."})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body).as_object().at("version").as_int64(), 2);
  res = h_->Call(a_, "PUT", "/api/v1/recording-consent-text", R"({"text":"  "})");
  EXPECT_EQ(res.status, 400) << res.body;
  // Another practice still has the default.
  res = h_->Call(b_, "GET", "/api/v1/recording-consent-text");
  EXPECT_EQ(json::parse(res.body).as_object().at("version").as_int64(), 1);
  const std::string c = NewClient(a_, "Cora Version", "cora@alcove.test");
  auto r = NewRecording(a_, c);
  res = Document(a_, std::string(r.at("id").as_string()), PartId(r, 1));
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(json::parse(res.body).as_object().at("text_version").as_int64(), 2);
}

TEST_P(RecordingsTest, C20C31ConsentOfAnotherClientOrTherapistIsRefused) {
  const std::string ann = NewClient(a_, "Ann Alone", "ann2@alcove.test");
  const std::string cat = NewClient(a_, "Cat Other", "cat@alcove.test");  // not a participant
  const std::string bobs = NewClient(b_, "Bob Client", "bobc@alcove.test");
  AppBrowser cat_portal = Join(a_, cat, "198.51.100.22");
  auto r = NewRecording(a_, ann);
  const std::string id(r.at("id").as_string());
  // Therapist B: A's recording, its participants and its client are all 404.
  auto res = Document(b_, id, PartId(r, 1));
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(b_, "DELETE",
                 "/api/v1/recordings/" + id + "/participants/" + PartId(r, 1) + "/consent");
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(b_, "GET", "/api/v1/recordings/" + id);
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(b_, "POST", "/api/v1/recordings/" + id + "/transcribe");
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(b_, "POST", "/api/v1/clients/" + ann + "/recordings",
                 R"({"participants":[{"kind":"client"}]})");
  EXPECT_EQ(res.status, 404) << res.body;
  // Therapist A cannot list B's client as a participant.
  res = h_->Call(
      a_, "POST", "/api/v1/clients/" + ann + "/recordings",
      R"({"participants":[{"kind":"client"},{"kind":"client","client_id":")" + bobs + R"("}]})");
  EXPECT_EQ(res.status, 404) << res.body;
  // A participant of another recording is not this one's.
  auto other = NewRecording(a_, cat);
  res = Document(a_, id, PartId(other, 1));
  EXPECT_EQ(res.status, 404) << res.body;
  // Cat (a client of A, not in the session) sees nothing and cannot consent or withdraw.
  res = h_->Call(cat_portal, "GET", "/api/v1/portal/consents/" + id);
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(cat_portal, "POST", "/api/v1/portal/consents/" + id, R"({"text_version":1})");
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(cat_portal, "DELETE", "/api/v1/portal/consents/" + id);
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(cat_portal, "GET", "/api/v1/portal/consents");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.body.find(id), std::string::npos);
  // A client account cannot use the therapist's routes (C31).
  res = Document(cat_portal, id, PartId(r, 1));
  EXPECT_EQ(res.status, 403) << res.body;
  // Nothing changed.
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + id);
  EXPECT_EQ(json::parse(res.body).as_object().at("consent_missing").as_array().size(), 2U);
  // Bad participant lists.
  for (const char* body :
       {R"({"participants":[]})", R"({"participants":[{"kind":"therapist"}]})",
        R"({"participants":[{"kind":"client"},{"kind":"client"}]})",
        R"({"participants":[{"kind":"therapist"},{"kind":"therapist"},{"kind":"client"}]})",
        R"({"participants":[{"kind":"robot"}]})",
        R"({"participants":[{"kind":"client"}],"x":1})"}) {
    res = h_->Call(a_, "POST", "/api/v1/clients/" + ann + "/recordings", body);
    EXPECT_EQ(res.status, 400) << body << ": " << res.body;
  }
}

TEST_P(RecordingsTest, C04WithdrawalDestroysKeyBlobTranscriptAndUnreviewedDrafts) {
  const std::string ann = NewClient(a_, "Ann Withdraw", "annw@alcove.test");
  AppBrowser ann_portal = Join(a_, ann, "198.51.100.23");
  auto r = NewRecording(a_, ann);
  const std::string id(r.at("id").as_string());
  ASSERT_EQ(Document(a_, id, PartId(r, 0)).status, 201);
  ASSERT_EQ(
      h_->Call(ann_portal, "POST", "/api/v1/portal/consents/" + id, R"({"text_version":1})").status,
      201);
  const auto key = KeyOf(id);
  ASSERT_TRUE(key);
  const auto tenant = Scope(a_).tenant();
  // The audio blob, transcript and drafts.
  auto writer = h_->blobs().Create();
  ASSERT_TRUE(writer);
  const std::string blob = (*writer)->id();
  const std::vector<std::uint8_t> bytes(1000, 0x5a);
  ASSERT_TRUE((*writer)->Append(bytes));
  ASSERT_TRUE((*writer)->Commit());
  const crypto::FieldCipher cipher(h_->keys(), static_cast<crypto::KeyId>(*key));
  auto sealed = cipher.Seal("marker-transcript", {tenant, "recording_transcripts", "text", id});
  ASSERT_TRUE(sealed);
  auto draft =
      h_->Call(a_, "POST", "/api/v1/clients/" + ann + "/summaries", R"({"text":"marker-draft"})");
  auto reviewed = h_->Call(a_, "POST", "/api/v1/clients/" + ann + "/summaries",
                           R"({"text":"marker-reviewed"})");
  const std::string draft_id = JsonMember(draft.body, "id");
  const std::string reviewed_id = JsonMember(reviewed.body, "id");
  ASSERT_EQ(h_->Call(a_, "POST", "/api/v1/summaries/" + reviewed_id + "/review").status, 200);
  {
    auto tx = h_->db().BeginTenant(tenant);
    ASSERT_TRUE(tx);
    const store::Value up[] = {blob, id, tenant};
    ASSERT_TRUE(
        (*tx)->Execute("UPDATE recordings SET blob_id = $1, audio_bytes = 1000, "
                       "audio_stored_at = 1 WHERE id = $2 AND tenant_id = $3",
                       up));
    const store::Value tr[] = {id, tenant, *sealed};
    ASSERT_TRUE(
        (*tx)->Execute("INSERT INTO recording_transcripts (recording_id, tenant_id, "
                       "status, text, requested_at, completed_at) VALUES ($1, $2, 'done', "
                       "$3, 1, 2)",
                       tr));
    for (const std::string& s : {draft_id, reviewed_id}) {
      const store::Value link[] = {tenant, id, s};
      ASSERT_TRUE(
          (*tx)->Execute("INSERT INTO recording_summaries (tenant_id, recording_id, "
                         "summary_id) VALUES ($1, $2, $3)",
                         link));
    }
    ASSERT_TRUE((*tx)->Commit());
  }
  ASSERT_TRUE(cipher.Open(*sealed, {tenant, "recording_transcripts", "text", id}))
      << "before withdrawal the transcript opens";

  // Ann withdraws in the portal.
  auto res = h_->Call(ann_portal, "DELETE", "/api/v1/portal/consents/" + id);
  ASSERT_EQ(res.status, 200) << res.body;

  EXPECT_EQ(KeyRows(*key), 0) << "the recording's key is gone";
  EXPECT_FALSE(cipher.Open(*sealed, {tenant, "recording_transcripts", "text", id}))
      << "nothing sealed under the key opens";
  auto open = h_->blobs().Open(blob);
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().code, ErrorCode::kNotFound) << "the blob is deleted";
  EXPECT_FALSE(std::filesystem::exists(h_->blobs_dir() / blob));
  EXPECT_EQ(Count("SELECT count(*) FROM recording_transcripts WHERE recording_id = $1", id), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM recording_summaries WHERE recording_id = $1", id), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM summaries WHERE id = $1", draft_id), 0)
      << "the unreviewed draft is deleted";
  EXPECT_EQ(Count("SELECT count(*) FROM summaries WHERE id = $1", reviewed_id), 1)
      << "the reviewed summary stays, the therapist's own record";
  EXPECT_EQ(Count("SELECT count(*) FROM recording_participants WHERE recording_id = $1 AND "
                  "(consented_at IS NOT NULL OR consent_note IS NOT NULL OR label IS NOT NULL)",
                  id),
            0);
  // The API: the recording says withdrawn; anything asked of it is 410.
  res = h_->Call(a_, "GET", "/api/v1/clients/" + ann + "/recordings");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto listed = json::parse(res.body).as_array().at(0).as_object();
  EXPECT_EQ(listed.at("status").as_string(), "withdrawn");
  EXPECT_FALSE(listed.at("withdrawn_at").is_null());
  EXPECT_EQ(res.body.find("marker"), std::string::npos);
  res = Document(a_, id, PartId(r, 0));
  EXPECT_EQ(res.status, 410) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "recording_withdrawn");
  res = h_->Call(a_, "POST", "/api/v1/recordings/" + id + "/transcribe");
  EXPECT_EQ(res.status, 410) << res.body;
  res = h_->Call(a_, "DELETE",
                 "/api/v1/recordings/" + id + "/participants/" + PartId(r, 0) + "/consent");
  EXPECT_EQ(res.status, 410) << res.body;
  res = h_->Call(ann_portal, "GET", "/api/v1/portal/consents");
  EXPECT_EQ(json::parse(res.body).as_array().at(0).as_object().at("status").as_string(),
            "withdrawn");

  // C40: consent.given twice and consent.withdrawn once, ids only.
  int given = 0;
  int withdrawn = 0;
  for (const auto& e : Events(tenant)) {
    if (e.object_type == "recording_participant") {
      given += e.action == audit::Action::kConsentGiven ? 1 : 0;
      withdrawn += e.action == audit::Action::kConsentWithdrawn ? 1 : 0;
      const auto& d = e.details.entries();
      ASSERT_TRUE(d.contains("recording"));
      EXPECT_EQ(d.at("recording"), id);
      EXPECT_EQ(d.at("client"), ann);
      for (const auto& [k, v] : d) {
        EXPECT_EQ(v.find("marker"), std::string::npos) << k;
      }
    }
  }
  EXPECT_EQ(given, 2);
  EXPECT_EQ(withdrawn, 1);
}

TEST_P(RecordingsTest, C04TheTherapistRecordsAWithdrawalAndTheKeyIsGoneFromTheWal) {
  const std::string ann = NewClient(a_, "Ann Wal", "annwal@alcove.test");
  auto r = NewRecording(a_, ann);
  const std::string id(r.at("id").as_string());
  const auto key = KeyOf(id);
  ASSERT_TRUE(key);
  // The wrapped key's bytes, to look for in every file of the database.
  store::Bytes wrapped;
  {
    auto tx = h_->db().Begin();
    const store::Value k[] = {*key};
    auto rows = (*tx)->Query("SELECT wrapped FROM data_keys WHERE family = $1", k);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1U);
    wrapped = rows->front().Blob(0);
  }
  auto res = h_->Call(a_, "DELETE",
                      "/api/v1/recordings/" + id + "/participants/" + PartId(r, 1) + "/consent");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(KeyRows(*key), 0);
  if (GetParam() == TestEngine::kSqlite) {
    for (const char* suffix : {"", "-wal", "-journal"}) {
      std::filesystem::path p = h_->sqlite_path();
      p += suffix;
      if (!std::filesystem::exists(p)) {
        continue;
      }
      std::ifstream in(p, std::ios::binary);
      const std::string file((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(file.find(std::string(wrapped.begin(), wrapped.end())), std::string::npos)
          << "the wrapped key is still in " << p;
    }
  }
}

// A copy of the SQLite files taken before the withdrawal: once the master key is rotated
// and the old version retired, the copy's recording key (wrapped by the retired version)
// does not open, so nothing sealed under it does.
// PostgreSQL: a dump holds the key's rows of data_keys as they were; restoring it puts
// them back. The copy is those rows, read before the withdrawal and inserted again after.
TEST_P(RecordingsTest, C04ARestoredDumpFromBeforeWithdrawalIsUnreadableOnceOldMasterKeysRetire) {
  const std::string ann = NewClient(a_, "Ann Dump", "anndump@alcove.test");
  auto r = NewRecording(a_, ann);
  const std::string id(r.at("id").as_string());
  const auto key = static_cast<crypto::KeyId>(*KeyOf(id));
  const auto tenant = Scope(a_).tenant();
  const crypto::Place place{tenant, "recording_transcripts", "text", id};
  auto sealed = crypto::FieldCipher(h_->keys(), key).Seal("marker-transcript", place);
  ASSERT_TRUE(sealed);
  constexpr const char* kColumns =
      "key_id, dek_id, tenant_id, purpose, family, generation, master_version, wrapped, "
      "seal_count, created_at";
  std::vector<std::vector<store::Value>> dump;
  {
    auto tx = h_->db().Begin();
    ASSERT_TRUE(tx);
    const store::Value k[] = {static_cast<std::int64_t>(key)};
    auto rows =
        (*tx)->Query(std::string("SELECT ") + kColumns + " FROM data_keys WHERE family = $1", k);
    ASSERT_TRUE(rows);
    ASSERT_FALSE(rows->empty());
    for (const auto& row : *rows) {
      dump.push_back({row.Int(0), row.Text(1), row.Int(2), row.Text(3), row.Int(4), row.Int(5),
                      row.Int(6), row.Blob(7), row.Int(8), row.Int(9)});
    }
  }
  auto res = h_->Call(a_, "DELETE",
                      "/api/v1/recordings/" + id + "/participants/" + PartId(r, 0) + "/consent");
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_EQ(KeyRows(key), 0);
  auto restore = [&](bool put_back) {
    auto tx = h_->db().Begin();
    ASSERT_TRUE(tx);
    for (const auto& row : dump) {
      if (put_back) {
        auto st = (*tx)->Execute(std::string("INSERT INTO data_keys (") + kColumns +
                                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                 row);
        ASSERT_TRUE(st) << st.error().internal;
      } else {
        const store::Value k[] = {row[0]};
        ASSERT_TRUE((*tx)->Execute("DELETE FROM data_keys WHERE key_id = $1", k));
      }
    }
    ASSERT_TRUE((*tx)->Commit());
  };
  auto open_dump = [&]() -> Result<crypto::PhiString> {
    ALCOVE_TRY_ASSIGN(auto ring, crypto::KeyRing::OpenWithKeyFile(h_->db(), h_->key_file(),
                                                                  SystemClock::Instance()));
    return crypto::FieldCipher(*ring, key).Open(*sealed, place);
  };
  restore(true);
  ASSERT_TRUE(open_dump()) << "before retirement the restored dump still opens (the test can fail)";
  restore(false);
  auto report = crypto::RotateMasterKey(h_->db(), h_->key_file());
  ASSERT_TRUE(report) << report.error().internal;
  auto retired = crypto::RetireMasterKeys(h_->db(), h_->key_file(),
                                          SystemClock::Instance().Now() + 1, /*apply=*/true);
  ASSERT_TRUE(retired) << retired.error().internal;
  ASSERT_FALSE(retired->retire.empty());
  restore(true);
  EXPECT_FALSE(open_dump()) << "the pre-withdrawal dump still opens the recording's key";
  restore(false);
}

TEST_P(RecordingsTest, C04ADatabaseCopyFromBeforeWithdrawalIsUnreadableOnceOldMasterKeysRetire) {
  if (GetParam() != TestEngine::kSqlite) {
    GTEST_SKIP() << "the copy is of the SQLite files; on PostgreSQL the restored-dump test";
  }
  const std::string ann = NewClient(a_, "Ann Copy", "anncopy@alcove.test");
  auto r = NewRecording(a_, ann);
  const std::string id(r.at("id").as_string());
  const auto key = static_cast<crypto::KeyId>(*KeyOf(id));
  const auto tenant = Scope(a_).tenant();
  const crypto::Place place{tenant, "recording_transcripts", "text", id};
  auto sealed = crypto::FieldCipher(h_->keys(), key).Seal("marker-transcript", place);
  ASSERT_TRUE(sealed);
  testing::TempDir copy_dir;
  const auto copy_path = copy_dir / "copy.db";
  for (const char* suffix : {"", "-wal"}) {
    std::filesystem::path from = h_->sqlite_path();
    from += suffix;
    std::filesystem::path to = copy_path;
    to += suffix;
    if (std::filesystem::exists(from)) {
      std::filesystem::copy_file(from, to);
    }
  }
  auto res = h_->Call(a_, "DELETE",
                      "/api/v1/recordings/" + id + "/participants/" + PartId(r, 0) + "/consent");
  ASSERT_EQ(res.status, 200) << res.body;
  auto open_copy = [&]() -> Result<crypto::PhiString> {
    ALCOVE_TRY_ASSIGN(auto db, store::OpenSqlite(copy_path));
    ALCOVE_TRY_ASSIGN(
        auto ring, crypto::KeyRing::OpenWithKeyFile(*db, h_->key_file(), SystemClock::Instance()));
    return crypto::FieldCipher(*ring, key).Open(*sealed, place);
  };
  ASSERT_TRUE(open_copy()) << "before retirement the old copy still opens (the test can fail)";
  auto report = crypto::RotateMasterKey(h_->db(), h_->key_file());
  ASSERT_TRUE(report) << report.error().internal;
  auto retired = crypto::RetireMasterKeys(h_->db(), h_->key_file(),
                                          SystemClock::Instance().Now() + 1, /*apply=*/true);
  ASSERT_TRUE(retired) << retired.error().internal;
  ASSERT_FALSE(retired->retire.empty());
  EXPECT_FALSE(open_copy()) << "the pre-withdrawal copy still opens the recording's key";
}

TEST_P(RecordingsTest, C06DeletingAParticipantsRecordDestroysTheirRecordingsAndKeys) {
  const std::string ann = NewClient(a_, "Ann Delete", "annd@alcove.test");
  const std::string ben = NewClient(a_, "Ben Delete", "bend@alcove.test");
  auto r = NewRecording(a_, ann, {ben});
  const std::string id(r.at("id").as_string());
  const auto key = KeyOf(id);
  ASSERT_TRUE(key);
  // Ben's record deleted: the couple's recording (Ann's) goes with it.
  auto res = h_->Call(a_, "DELETE", "/api/v1/clients/" + ben);
  ASSERT_TRUE(res.status == 200 || res.status == 204) << res.body;
  EXPECT_EQ(Count("SELECT count(*) FROM recordings WHERE id = $1", id), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM recording_participants WHERE recording_id = $1", id), 0);
  h_->modules().Housekeeping(SystemClock::Instance().Now());
  EXPECT_EQ(KeyRows(*key), 0);
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + id);
  EXPECT_EQ(res.status, 404) << res.body;
}

TEST_P(RecordingsTest, RetentionDeletesAudioDaysAfterTranscriptionDefaultZero) {
  auto res = h_->Call(a_, "GET", "/api/v1/recording-settings");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body).as_object().at("keep_audio_days").as_int64(), 0);
  res = h_->Call(a_, "PUT", "/api/v1/recording-settings", R"({"keep_audio_days":-1})");
  EXPECT_EQ(res.status, 400) << res.body;
  res = h_->Call(a_, "PUT", "/api/v1/recording-settings", R"({"keep_audio_days":3})");
  ASSERT_EQ(res.status, 200) << res.body;
  const std::string ann = NewClient(a_, "Ann Keep", "annk@alcove.test");
  auto r = NewRecording(a_, ann);
  const std::string id(r.at("id").as_string());
  const auto tenant = Scope(a_).tenant();
  auto writer = h_->blobs().Create();
  ASSERT_TRUE(writer);
  const std::string blob = (*writer)->id();
  ASSERT_TRUE((*writer)->Append(std::vector<std::uint8_t>(10, 1)));
  ASSERT_TRUE((*writer)->Commit());
  const Micros now = SystemClock::Instance().Now();
  const Micros day = 24LL * 3600 * kMicrosPerSecond;
  {
    auto tx = h_->db().BeginTenant(tenant);
    const store::Value up[] = {blob, id, tenant};
    ASSERT_TRUE(
        (*tx)->Execute("UPDATE recordings SET blob_id = $1, audio_stored_at = 1 WHERE "
                       "id = $2 AND tenant_id = $3",
                       up));
    const store::Value tr[] = {id, tenant, now - 2 * day};
    ASSERT_TRUE(
        (*tx)->Execute("INSERT INTO recording_transcripts (recording_id, tenant_id, "
                       "status, requested_at, completed_at) VALUES ($1, $2, 'done', $3, $3)",
                       tr));
    ASSERT_TRUE((*tx)->Commit());
  }
  h_->modules().Housekeeping(now);
  EXPECT_TRUE(h_->blobs().Open(blob)) << "kept 3 days; transcribed 2 days ago";
  h_->modules().Housekeeping(now + 2 * day);
  EXPECT_FALSE(h_->blobs().Open(blob)) << "past its 3 days";
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + id);
  EXPECT_FALSE(json::parse(res.body).as_object().at("audio_deleted_at").is_null());
  EXPECT_TRUE(KeyOf(id)) << "the transcript stays readable: the key stays";
}

// Audio bytes without repeats (a linear congruential sequence's high bytes).
std::string Audio(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1103515245U + 12345U;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

TEST_P(RecordingsTest,
       C05C03UploadRefusedUntilConsentedThenStoredEncryptedResumedAndPlayedWithRange) {
  const std::string ann = NewClient(a_, "Ann Audio", "anna@alcove.test");
  auto r = NewRecording(a_, ann);
  const std::string id(r.at("id").as_string());
  const std::string path = "/api/v1/recordings/" + id + "/audio";
  const std::string audio = Audio(100000);
  // C05: not consented: the upload (and so the recorder) is refused and nothing is stored.
  auto res = h_->CallWith(a_, "PUT", path, audio, "audio/webm", {});
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "consent_missing");
  EXPECT_TRUE(std::filesystem::is_empty(h_->blobs_dir())) << "nothing stored before consent";
  ASSERT_EQ(Document(a_, id, PartId(r, 0)).status, 201);
  res = h_->CallWith(a_, "PUT", path, audio, "audio/webm", {});
  EXPECT_EQ(res.status, 409) << "one participant still missing: " << res.body;
  ASSERT_EQ(Document(a_, id, PartId(r, 1), "written").status, 201);
  // Pieces as the recorder sends them: 40000 bytes, not complete; 2 whole chunks stored.
  res = h_->CallWith(a_, "PUT", path, audio.substr(0, 40000), "audio/webm;codecs=opus",
                     {{"Upload-Offset", "0"}, {"Upload-Complete", "?0"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.headers.Get("Upload-Offset"), "32768");
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + id + "/upload");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body).as_object().at("offset").as_int64(), 32768);
  // A piece at the wrong offset: 409 with where to resume.
  res = h_->CallWith(a_, "PUT", path, audio.substr(40000), "audio/webm",
                     {{"Upload-Offset", "40000"}, {"Upload-Complete", "?1"}});
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(res.headers.Get("Upload-Offset"), "32768");
  // The rest from there, complete.
  res = h_->CallWith(a_, "PUT", path, audio.substr(32768), "audio/webm;codecs=opus",
                     {{"Upload-Offset", "32768"}, {"Upload-Complete", "?1"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body).as_object().at("bytes").as_int64(), 100000);
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + id);
  EXPECT_EQ(json::parse(res.body).as_object().at("status").as_string(), "recorded");
  // Stored: one blob, ciphertext holding no run of the audio.
  std::vector<std::filesystem::path> files;
  for (const auto& f : std::filesystem::directory_iterator(h_->blobs_dir())) {
    files.push_back(f.path());
  }
  ASSERT_EQ(files.size(), 1U);
  std::ifstream in(files[0], std::ios::binary);
  const std::string stored((std::istreambuf_iterator<char>(in)), {});
  for (std::size_t at = 0; at + 32 <= audio.size(); at += 4099) {
    ASSERT_EQ(stored.find(audio.substr(at, 32)), std::string::npos) << "plaintext at " << at;
  }
  // A second upload is refused.
  res = h_->CallWith(a_, "PUT", path, "x", "audio/webm", {});
  EXPECT_EQ(res.status, 409) << res.body;
  // Playback: whole, and a range.
  res = h_->Call(a_, "GET", path);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.headers.Get("Content-Type"), "audio/webm;codecs=opus");
  EXPECT_EQ(AppHarness::BodyOf(res), audio);
  res = h_->CallWith(a_, "GET", path, "", "", {{"Range", "bytes=50000-50099"}});
  ASSERT_EQ(res.status, 206) << res.body;
  EXPECT_EQ(res.headers.Get("Content-Range"), "bytes 50000-50099/100000");
  EXPECT_EQ(AppHarness::BodyOf(res), audio.substr(50000, 100));
  res = h_->CallWith(a_, "GET", path, "", "", {{"Range", "bytes=100000-"}});
  EXPECT_EQ(res.status, 416);
  // Another therapist: 404; a bad type: 400.
  res = h_->Call(b_, "GET", path);
  EXPECT_EQ(res.status, 404) << res.body;
  // Withdrawal: the blob goes, the audio answers 410.
  res = h_->Call(a_, "DELETE",
                 "/api/v1/recordings/" + id + "/participants/" + PartId(r, 1) + "/consent");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(std::filesystem::is_empty(h_->blobs_dir()));
  res = h_->Call(a_, "GET", path);
  EXPECT_EQ(res.status, 410) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "recording_withdrawn");
}

TEST_P(RecordingsTest, C04WithdrawalDuringAnUploadDeletesTheUnfinishedUpload) {
  const std::string ann = NewClient(a_, "Ann Midway", "annm@alcove.test");
  auto r = NewRecording(a_, ann);
  const std::string id(r.at("id").as_string());
  ASSERT_EQ(Document(a_, id, PartId(r, 0)).status, 201);
  ASSERT_EQ(Document(a_, id, PartId(r, 1)).status, 201);
  auto res = h_->CallWith(a_, "PUT", "/api/v1/recordings/" + id + "/audio", Audio(50000),
                          "audio/webm", {{"Upload-Offset", "0"}, {"Upload-Complete", "?0"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_FALSE(std::filesystem::is_empty(h_->blobs_dir()));
  res = h_->Call(a_, "DELETE",
                 "/api/v1/recordings/" + id + "/participants/" + PartId(r, 0) + "/consent");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(std::filesystem::is_empty(h_->blobs_dir())) << "the unfinished upload stays";
  res = h_->CallWith(a_, "PUT", "/api/v1/recordings/" + id + "/audio", Audio(10), "audio/webm",
                     {{"Upload-Offset", "32768"}, {"Upload-Complete", "?1"}});
  EXPECT_EQ(res.status, 410) << res.body;
}

INSTANTIATE_TEST_SUITE_P(Engines, RecordingsTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::recordings
