// Consent (C05) and withdrawal (C04): the practice's consent text, documented consents,
// the destruction on withdrawal, the client's side in the portal (recordings.hpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "core/utf8.hpp"
#include "practice/practice.hpp"
#include "recordings/internal.hpp"
#include "recordings/recordings.hpp"

namespace alcove::recordings {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::ClientScope;
using identity::TherapistScope;

namespace internal {

std::unexpected<Error> NotFound() {
  return Fail(ErrorCode::kNotFound, "recording or participant not found",
              "There is no such recording.");
}

std::unexpected<Error> Invalid(std::string internal, std::string public_message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(internal), std::move(public_message));
}

constexpr std::string_view kWithdrawnInternal = "recording withdrawn";

std::unexpected<Error> Withdrawn() {
  return Fail(ErrorCode::kFailedPrecondition, std::string(kWithdrawnInternal),
              "Consent to this recording was withdrawn: it was destroyed and cannot be used.");
}

audit::Details RecordingDetails(std::string_view client_id, std::string_view recording_id) {
  audit::Details d = identity::ClientDetails(client_id);
  (void)d.SetToken("recording", recording_id);  // an id: always a token
  return d;
}

}  // namespace internal

bool IsWithdrawn(const Error& e) {
  return e.code == ErrorCode::kFailedPrecondition && e.internal == internal::kWithdrawnInternal;
}

// ---- The practice's consent text and retention ----

Result<ConsentText> Recordings::ConsentTextIn(store::Transaction& tx, store::TenantId tenant) {
  const store::Value p[] = {tenant};
  ALCOVE_TRY_ASSIGN(const auto rows,
                    tx.Query("SELECT version, text, created_at FROM recording_consent_texts "
                             "WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1",
                             p));
  if (!rows.empty()) {
    return ConsentText{.version = rows[0].Int(0), .text = rows[0].Text(1),
                       .created_at = rows[0].Int(2)};
  }
  // The default is version 1 of every practice, stored on first use so that a consent
  // always names a text the database holds.
  const Micros now = clock_.Now();
  const store::Value row[] = {tenant, std::string(kDefaultConsentText), now};
  ALCOVE_TRY(tx.Execute("INSERT INTO recording_consent_texts (tenant_id, version, text, "
                        "created_at) VALUES ($1, 1, $2, $3) ON CONFLICT DO NOTHING",
                        row));
  return ConsentText{.version = 1, .text = std::string(kDefaultConsentText), .created_at = now};
}

Result<ConsentText> Recordings::CurrentConsentText(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto text, ConsentTextIn(*tx, who.tenant()));
  ALCOVE_TRY(tx->Commit());
  return text;
}

Result<ConsentText> Recordings::SetConsentText(const TherapistScope& who, std::string_view text,
                                               const Caller& caller) {
  if (text.empty() || text.size() > kMaxConsentTextBytes || !IsValidUtf8(text) ||
      std::ranges::all_of(text, [](char c) { return c == ' ' || c == '\n' || c == '\r'; })) {
    return internal::Invalid("consent text empty, too long or not UTF-8",
                             "Write the consent text (at most about 3,000 words).");
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<ConsentText>> {
    ALCOVE_TRY_ASSIGN(const auto current, ConsentTextIn(tx, who.tenant()));
    const ConsentText next{.version = current.version + 1, .text = std::string(text),
                           .created_at = clock_.Now()};
    const store::Value row[] = {who.tenant(), next.version, next.text, next.created_at,
                                who.account_id()};
    ALCOVE_TRY(tx.Execute("INSERT INTO recording_consent_texts (tenant_id, version, text, "
                          "created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
                          row));
    audit::Details d;
    (void)d.SetInt("version", next.version);
    return Audited<ConsentText>{next, AuditNote{audit::Action::kRecordUpdated, "consent_text",
                                                fmt::format("{}", next.version), std::move(d)}};
  });
}

Result<RecordingSettings> Recordings::GetSettings(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value p[] = {who.tenant()};
  ALCOVE_TRY_ASSIGN(const auto rows,
                    tx->Query("SELECT keep_audio_days FROM recording_settings WHERE tenant_id = $1",
                              p));
  return RecordingSettings{.keep_audio_days = rows.empty() ? 0 : rows[0].Int(0)};
}

Status Recordings::SetSettings(const TherapistScope& who, const RecordingSettings& settings,
                               const Caller& caller) {
  if (settings.keep_audio_days < 0 || settings.keep_audio_days > kMaxKeepAudioDays) {
    return internal::Invalid("keep_audio_days out of range",
                             "Keep audio for 0 to 3650 days after transcription.");
  }
  ALCOVE_TRY(work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<int>> {
    const store::Value row[] = {who.tenant(), settings.keep_audio_days, clock_.Now()};
    ALCOVE_TRY(tx.Execute("INSERT INTO recording_settings (tenant_id, keep_audio_days, "
                          "updated_at) VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO UPDATE SET "
                          "keep_audio_days = $2, updated_at = $3",
                          row));
    audit::Details d;
    (void)d.SetInt("keep_audio_days", settings.keep_audio_days);
    return Audited<int>{0, AuditNote{audit::Action::kRecordUpdated, "recording_settings",
                                     who.account_id(), std::move(d)}};
  }));
  return {};
}

// ---- Documented consent ----

Result<std::optional<Consent>> Recordings::Document(store::Transaction& tx,
                                                    store::TenantId tenant, const Recording& r,
                                                    std::string_view participant_id,
                                                    const Consent& consent,
                                                    const store::Bytes* note) {
  const auto it = std::ranges::find(r.participants, participant_id, &Participant::id);
  if (it == r.participants.end()) {
    return internal::NotFound();  // a participant of another recording (C20, C31)
  }
  if (it->consent) {
    return Fail(ErrorCode::kAlreadyExists, "participant consented already",
                "This participant's consent is documented already.");
  }
  const store::Value row[] = {std::string(ConsentMethodName(consent.method)),
                              consent.text_version,
                              consent.given_at,
                              consent.given_by,
                              note != nullptr ? store::Value(*note) : store::Value(),
                              std::string(participant_id),
                              r.id,
                              tenant};
  ALCOVE_TRY_ASSIGN(const auto n,
                    tx.Execute("UPDATE recording_participants SET consent_method = $1, "
                               "consent_version = $2, consented_at = $3, consented_by = $4, "
                               "consent_note = $5 WHERE id = $6 AND recording_id = $7 AND "
                               "tenant_id = $8 AND consented_at IS NULL",
                               row));
  if (n != 1) {
    return Fail(ErrorCode::kConflict, "participant consent changed meanwhile",
                "This participant's consent changed meanwhile: reload and try again.");
  }
  return std::optional<Consent>(Consent{.method = consent.method,
                                        .text_version = consent.text_version,
                                        .given_at = consent.given_at,
                                        .given_by = consent.given_by,
                                        .note = std::nullopt});
}

Result<Consent> Recordings::DocumentConsent(const TherapistScope& who,
                                            std::string_view recording_id,
                                            std::string_view participant_id, ConsentMethod method,
                                            std::optional<crypto::PhiString> note,
                                            const Caller& caller) {
  if (method == ConsentMethod::kPortal) {
    return internal::Invalid("therapist documenting portal consent",
                             "Consent in the portal is given by the client there. Choose "
                             "\"in the session\" or \"in writing\".");
  }
  if (note && (note->reveal().size() > kMaxNoteBytes || !IsValidUtf8(note->reveal()))) {
    return internal::Invalid("consent note too long or not UTF-8",
                             "A note may be at most about 300 words long.");
  }
  ALCOVE_TRY_ASSIGN(const auto info, Info(who, recording_id));
  if (info.withdrawn_at) {
    return internal::Withdrawn();
  }
  std::optional<store::Bytes> sealed;
  if (note && !note->reveal().empty()) {
    ALCOVE_TRY_ASSIGN(const auto sealer, practice_.SealerFor(who.tenant(), info.client_id,
                                                             internal::kParticipantTable));
    ALCOVE_TRY_ASSIGN(auto bytes, sealer.Seal("consent_note", participant_id, note->reveal()));
    sealed = std::move(bytes);
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Consent>> {
    ALCOVE_TRY_ASSIGN(const auto r, LoadOne(tx, who.tenant(), recording_id));
    if (r.withdrawn_at) {
      return internal::Withdrawn();
    }
    ALCOVE_TRY_ASSIGN(const auto text, ConsentTextIn(tx, who.tenant()));
    ALCOVE_TRY_ASSIGN(auto done, Document(tx, who.tenant(), r, participant_id,
                                          Consent{.method = method,
                                                  .text_version = text.version,
                                                  .given_at = clock_.Now(),
                                                  .given_by = who.account_id(),
                                                  .note = std::nullopt},
                                          sealed ? &*sealed : nullptr));
    audit::Details d = internal::RecordingDetails(r.client_id, r.id);
    (void)d.SetToken("method", ConsentMethodName(method));
    (void)d.SetInt("text_version", text.version);
    return Audited<Consent>{std::move(*done),
                            AuditNote{audit::Action::kConsentGiven, "recording_participant",
                                      std::string(participant_id), std::move(d)}};
  });
}

Status Recordings::RequireConsent(const TherapistScope& who, std::string_view recording_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(const auto r, LoadOne(*tx, who.tenant(), recording_id));
  if (r.withdrawn_at) {
    return internal::Withdrawn();
  }
  if (const auto missing = r.Missing(); !missing.empty()) {
    return ConsentMissing(missing.size());
  }
  return {};
}

// ---- Withdrawal (C04) ----

Status Recordings::DropDerived(store::Transaction& tx, store::TenantId tenant,
                               std::string_view recording_id) {
  const store::Value p[] = {std::string(recording_id), tenant};
  // AI drafts not yet reviewed go; reviewed summaries stay, without their link.
  std::vector<std::string> summaries;
  ALCOVE_TRY_ASSIGN(const auto linked,
                    tx.Query("SELECT summary_id FROM recording_summaries WHERE recording_id = $1 "
                             "AND tenant_id = $2",
                             p));
  for (const auto& l : linked) {
    summaries.push_back(l.Text(0));
  }
  ALCOVE_TRY(tx.Execute("DELETE FROM recording_summaries WHERE recording_id = $1 AND tenant_id = $2",
                        p));
  ALCOVE_TRY(practice::Practice::DeleteDraftSummaries(tx, tenant, summaries));
  ALCOVE_TRY(tx.Execute(
      "DELETE FROM recording_transcripts WHERE recording_id = $1 AND tenant_id = $2", p));
  return {};
}

Result<Recordings::Destroyed> Recordings::DestroyRows(store::Transaction& tx,
                                                      store::TenantId tenant,
                                                      std::string_view recording_id) {
  internal::Row row;
  ALCOVE_TRY(LoadOne(tx, tenant, recording_id, &row));
  ALCOVE_TRY(DropDerived(tx, tenant, recording_id));
  const store::Value p[] = {std::string(recording_id), tenant};
  ALCOVE_TRY(tx.Execute("UPDATE recording_participants SET label = NULL, consent_method = NULL, "
                        "consent_version = NULL, consented_at = NULL, consented_by = NULL, "
                        "consent_note = NULL WHERE recording_id = $1 AND tenant_id = $2",
                        p));
  const store::Value w[] = {clock_.Now(), std::string(recording_id), tenant};
  ALCOVE_TRY_ASSIGN(const auto n,
                    tx.Execute("UPDATE recordings SET withdrawn_at = $1, key_id = NULL, upload_id = NULL, blob_id = "
                               "NULL, title = NULL WHERE id = $2 AND tenant_id = $3 AND "
                               "withdrawn_at IS NULL",
                               w));
  if (n != 1) {
    return internal::Withdrawn();
  }
  return Destroyed{.key = row.key, .blob = row.blob, .upload = row.upload};
}

void Recordings::DestroyKeyAndBlob(store::TenantId tenant, const Destroyed& d) {
  // The key first (C06: then no copy of the blob, a backup's included, can be read once
  // the old master keys are retired), then the ciphertext itself.
  if (d.key) {
    if (auto st = keys_.DestroyDek(tenant, *d.key); !st && st.error().code != ErrorCode::kNotFound) {
      spdlog::error("a withdrawn recording's key {} was not destroyed (the sweep retries): {}",
                    *d.key, st.error().internal);
    }
  }
  if (d.blob) {
    if (auto st = blobs_.Delete(*d.blob); !st && st.error().code != ErrorCode::kNotFound) {
      spdlog::error("a withdrawn recording's blob was not deleted (its key is gone): {}",
                    st.error().internal);
    }
  }
  if (d.upload) {
    if (auto st = blobs_.DeletePartial(*d.upload); !st && st.error().code != ErrorCode::kNotFound) {
      spdlog::error("a withdrawn recording's unfinished upload was not deleted (its key is "
                    "gone): {}",
                    st.error().internal);
    }
  }
}

Status Recordings::Withdraw(const TherapistScope& who, std::string_view recording_id,
                            std::string_view participant_id, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto destroyed,
                    work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Destroyed>> {
                      ALCOVE_TRY_ASSIGN(const auto r, LoadOne(tx, who.tenant(), recording_id));
                      if (std::ranges::find(r.participants, participant_id, &Participant::id) ==
                          r.participants.end()) {
                        return internal::NotFound();
                      }
                      if (r.withdrawn_at) {
                        return internal::Withdrawn();
                      }
                      ALCOVE_TRY_ASSIGN(auto d, DestroyRows(tx, who.tenant(), r.id));
                      return Audited<Destroyed>{
                          d, AuditNote{audit::Action::kConsentWithdrawn, "recording_participant",
                                       std::string(participant_id),
                                       internal::RecordingDetails(r.client_id, r.id)}};
                    }));
  DestroyKeyAndBlob(who.tenant(), destroyed);
  return {};
}

// ---- The client's side ----

Result<std::string> Recordings::ClientParticipant(const ClientScope& who,
                                                  std::string_view recording_id, Recording& out) {
  ALCOVE_TRY_ASSIGN(const std::string client, portal_.ClientOf(who));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(out, LoadOne(*tx, who.tenant(), recording_id));
  const auto it = std::ranges::find(out.participants, client, &Participant::client_id);
  if (it == out.participants.end()) {
    return internal::NotFound();  // not the caller's (C31)
  }
  return it->id;
}

namespace {

ClientRecordingView ViewOf(const Recording& r, const std::string& client) {
  ClientRecordingView v{.recording_id = r.id,
                        .participant_id = {},
                        .created_at = r.created_at,
                        .status = r.status,
                        .consent = std::nullopt,
                        .withdrawn_at = r.withdrawn_at};
  for (const Participant& p : r.participants) {
    if (p.client_id == client) {
      v.participant_id = p.id;
      if (p.consent) {
        v.consent = Consent{.method = p.consent->method,
                            .text_version = p.consent->text_version,
                            .given_at = p.consent->given_at,
                            .given_by = p.consent->given_by,
                            .note = std::nullopt};
      }
    }
  }
  return v;
}

}  // namespace

Result<std::vector<ClientRecordingView>> Recordings::ForClient(const ClientScope& who) {
  ALCOVE_TRY_ASSIGN(const std::string client, portal_.ClientOf(who));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(const auto list, Load(*tx, who.tenant(),
                                          "id IN (SELECT recording_id FROM recording_participants "
                                          "WHERE tenant_id = $1 AND client_id = $2)",
                                          {who.tenant(), client}));
  std::vector<ClientRecordingView> out;
  for (const Recording& r : list) {
    out.push_back(ViewOf(r, client));
  }
  return out;
}

Result<std::pair<ClientRecordingView, ConsentText>> Recordings::ConsentRequest(
    const ClientScope& who, std::string_view recording_id) {
  Recording r;
  ALCOVE_TRY(ClientParticipant(who, recording_id, r));
  ALCOVE_TRY_ASSIGN(const std::string client, portal_.ClientOf(who));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto text, ConsentTextIn(*tx, who.tenant()));
  ALCOVE_TRY(tx->Commit());
  return std::pair(ViewOf(r, client), std::move(text));
}

Result<Consent> Recordings::ClientConsent(const ClientScope& who, std::string_view recording_id,
                                          std::int64_t text_version, const Caller& caller) {
  Recording seen;
  ALCOVE_TRY_ASSIGN(const std::string participant, ClientParticipant(who, recording_id, seen));
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Consent>> {
    ALCOVE_TRY_ASSIGN(const auto r, LoadOne(tx, who.tenant(), recording_id));
    if (r.withdrawn_at) {
      return internal::Withdrawn();
    }
    ALCOVE_TRY_ASSIGN(const auto text, ConsentTextIn(tx, who.tenant()));
    if (text.version != text_version) {
      return Fail(ErrorCode::kConflict, "consent text version changed",
                  "The consent text was changed meanwhile: read the new one, then agree.");
    }
    ALCOVE_TRY_ASSIGN(auto done, Document(tx, who.tenant(), r, participant,
                                          Consent{.method = ConsentMethod::kPortal,
                                                  .text_version = text.version,
                                                  .given_at = clock_.Now(),
                                                  .given_by = who.account_id(),
                                                  .note = std::nullopt},
                                          nullptr));
    audit::Details d = internal::RecordingDetails(r.client_id, r.id);
    (void)d.SetToken("method", ConsentMethodName(ConsentMethod::kPortal));
    (void)d.SetInt("text_version", text.version);
    return Audited<Consent>{std::move(*done),
                            AuditNote{audit::Action::kConsentGiven, "recording_participant",
                                      participant, std::move(d)}};
  });
}

Status Recordings::ClientWithdraw(const ClientScope& who, std::string_view recording_id,
                                  const Caller& caller) {
  Recording seen;
  ALCOVE_TRY_ASSIGN(const std::string participant, ClientParticipant(who, recording_id, seen));
  ALCOVE_TRY_ASSIGN(const auto destroyed,
                    work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Destroyed>> {
                      ALCOVE_TRY_ASSIGN(const auto r, LoadOne(tx, who.tenant(), recording_id));
                      if (r.withdrawn_at) {
                        return internal::Withdrawn();
                      }
                      ALCOVE_TRY_ASSIGN(auto d, DestroyRows(tx, who.tenant(), r.id));
                      return Audited<Destroyed>{
                          d, AuditNote{audit::Action::kConsentWithdrawn, "recording_participant",
                                       participant, internal::RecordingDetails(r.client_id, r.id)}};
                    }));
  DestroyKeyAndBlob(who.tenant(), destroyed);
  return {};
}

// ---- A client deleted; housekeeping ----

Status Recordings::DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                                    std::string_view client_id) {
  std::vector<internal::Row> rows;
  ALCOVE_TRY_ASSIGN(const auto list,
                    Load(tx, tenant,
                         "client_id = $2 OR id IN (SELECT recording_id FROM "
                         "recording_participants WHERE tenant_id = $1 AND client_id = $2)",
                         {tenant, std::string(client_id)}, &rows));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const store::Value p[] = {list[i].id, tenant};
    ALCOVE_TRY(DropDerived(tx, tenant, list[i].id));
    for (const char* sql :
         {"DELETE FROM recording_participants WHERE recording_id = $1 AND tenant_id = $2",
          "DELETE FROM recordings WHERE id = $1 AND tenant_id = $2"}) {
      ALCOVE_TRY(tx.Execute(sql, p));
    }
    if (rows[i].key || rows[i].blob || rows[i].upload) {
      const std::lock_guard lock(pending_mu_);
      pending_.push_back(Pending{
          .tenant = tenant,
          .what = Destroyed{.key = rows[i].key, .blob = rows[i].blob, .upload = rows[i].upload}});
    }
  }
  return {};
}

}  // namespace alcove::recordings
