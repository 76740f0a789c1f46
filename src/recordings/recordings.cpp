// Recordings, participants and their loading (recordings.hpp; docs/recordings.md).
#include "recordings/recordings.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <utility>

#include "core/utf8.hpp"
#include "recordings/internal.hpp"
#include "store/ids.hpp"

namespace alcove::recordings {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

namespace {

constexpr std::string_view kTitleTable = "recordings";
constexpr std::size_t kMaxTitleBytes = 200;

}  // namespace

std::unexpected<Error> ConsentMissing(std::size_t missing) {
  return Fail(ErrorCode::kConflict, std::string(internal::kConsentMissingInternal),
              missing == 1
                  ? "One participant has not consented yet: nothing is recorded, stored or "
                    "processed until everyone in the session has."
                  : fmt::format("{} participants have not consented yet: nothing is recorded, "
                                "stored or processed until everyone in the session has.",
                                missing));
}

bool IsConsentMissing(const Error& e) {
  return e.code == ErrorCode::kConflict && e.internal == internal::kConsentMissingInternal;
}

Recordings::Recordings(store::Db& db, crypto::KeyRing& keys, store::BlobStore& blobs,
                       practice::Practice& practice, portal::Portal& portal,
                       const audit::Log& log, const Clock& clock)
    : db_(db),
      keys_(keys),
      blobs_(blobs),
      practice_(practice),
      portal_(portal),
      clock_(clock),
      work_(db, log, clock) {}

Result<std::vector<Recording>> Recordings::Load(store::Transaction& tx, store::TenantId tenant,
                                                std::string_view where,
                                                std::vector<store::Value> params,
                                                std::vector<internal::Row>* rows) {
  ALCOVE_TRY_ASSIGN(
      const auto found,
      tx.Query(fmt::format("SELECT id, client_id, title, key_id, blob_id, audio_bytes, "
                           "content_type, created_at, audio_stored_at, audio_deleted_at, "
                           "withdrawn_at, upload_id FROM recordings WHERE tenant_id = $1 AND ({}) ORDER BY "
                           "created_at DESC, id",
                           where),
               params));
  std::vector<Recording> out;
  for (const auto& f : found) {
    Recording r;
    r.id = f.Text(0);
    r.client_id = f.Text(1);
    r.audio_bytes = f.OptionalInt(5);
    r.content_type = f.OptionalText(6).value_or("");
    r.created_at = f.Int(7);
    r.audio_stored_at = f.OptionalInt(8);
    r.audio_deleted_at = f.OptionalInt(9);
    r.withdrawn_at = f.OptionalInt(10);
    if (rows != nullptr) {
      rows->push_back(internal::Row{
          .title = f.OptionalBlob(2),
          .key = f.IsNull(3) ? std::nullopt
                             : std::optional<crypto::KeyId>(static_cast<crypto::KeyId>(f.Int(3))),
          .blob = f.OptionalText(4),
          .upload = f.OptionalText(11),
          .notes = {}});
    }
    const store::Value p[] = {r.id, tenant};
    ALCOVE_TRY_ASSIGN(const auto parts,
                      tx.Query("SELECT id, kind, client_id, consent_method, consent_version, "
                               "consented_at, consented_by, consent_note FROM "
                               "recording_participants WHERE recording_id = $1 AND tenant_id = "
                               "$2 ORDER BY position",
                               p));
    for (const auto& row : parts) {
      Participant part;
      part.id = row.Text(0);
      part.kind = row.Text(1) == "therapist" ? ParticipantKind::kTherapist
                                             : ParticipantKind::kClient;
      part.client_id = row.OptionalText(2).value_or("");
      if (!row.IsNull(3)) {
        part.consent = Consent{.method = *ConsentMethodFromName(row.Text(3)),
                               .text_version = row.Int(4),
                               .given_at = row.Int(5),
                               .given_by = row.OptionalText(6).value_or(""),
                               .note = std::nullopt};
      }
      if (rows != nullptr) {
        rows->back().notes.push_back(row.OptionalBlob(7));
      }
      r.participants.push_back(std::move(part));
    }
    if (r.withdrawn_at) {
      r.status = RecordingStatus::kWithdrawn;
    } else if (r.audio_stored_at) {
      r.status = RecordingStatus::kRecorded;
    } else {
      r.status = r.Missing().empty() ? RecordingStatus::kConsented
                                     : RecordingStatus::kAwaitingConsent;
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<Recording> Recordings::LoadOne(store::Transaction& tx, store::TenantId tenant,
                                      std::string_view recording_id, internal::Row* row) {
  std::vector<internal::Row> rows;
  ALCOVE_TRY_ASSIGN(auto list, Load(tx, tenant, "id = $2", {tenant, std::string(recording_id)},
                                    row != nullptr ? &rows : nullptr));
  if (list.empty()) {
    return internal::NotFound();
  }
  if (row != nullptr) {
    *row = std::move(rows.front());
  }
  return std::move(list.front());
}

Status Recordings::FillAliases(const TherapistScope& who, std::span<Recording> list) {
  ALCOVE_TRY_ASSIGN(const auto clients, practice_.ListClients(who));
  std::map<std::string, std::string, std::less<>> alias;
  for (const auto& c : clients) {
    alias.emplace(c.id, c.alias);
  }
  for (Recording& r : list) {
    for (Participant& p : r.participants) {
      if (p.kind == ParticipantKind::kTherapist) {
        p.alias = "Therapist";
      } else if (const auto it = alias.find(p.client_id); it != alias.end()) {
        p.alias = it->second;
      }
    }
  }
  return {};
}

Result<Recording> Recordings::Create(const TherapistScope& who, std::string_view client_id,
                                     std::optional<crypto::PhiString> title,
                                     std::span<const NewParticipant> participants,
                                     const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto owner, practice_.GetClientInfo(who, client_id));
  if (title && (title->reveal().size() > kMaxTitleBytes || !IsValidUtf8(title->reveal()))) {
    return internal::Invalid("recording title too long or not UTF-8",
                             "A title may be at most about 30 words long.");
  }
  if (participants.empty() || participants.size() > kMaxParticipants) {
    return internal::Invalid("recording participants: none or too many",
                             "List the people in the session: the therapist and at least one "
                             "client, at most 12 in all.");
  }
  // Each client record of the caller's practice, once; the therapist at most once.
  std::vector<std::string> clients;
  bool therapist = false;
  for (const NewParticipant& p : participants) {
    if (p.kind == ParticipantKind::kTherapist) {
      if (therapist) {
        return internal::Invalid("recording participants: the therapist twice",
                                 "The therapist is listed twice.");
      }
      therapist = true;
      continue;
    }
    const std::string id = p.client_id.empty() ? owner.id : p.client_id;
    if (std::ranges::find(clients, id) != clients.end()) {
      return internal::Invalid("recording participants: a client twice",
                               "A client is listed twice.");
    }
    if (id != owner.id) {
      ALCOVE_TRY(practice_.GetClientInfo(who, id));  // another practice's: 404 (C20)
    }
    if (p.label && (p.label->reveal().size() > kMaxTitleBytes || !IsValidUtf8(p.label->reveal()))) {
      return internal::Invalid("participant label too long or not UTF-8",
                               "A participant's label may be at most about 30 words long.");
    }
    clients.push_back(id);
  }
  if (clients.empty()) {
    return internal::Invalid("recording participants: no client",
                             "A recording has at least one client among its participants.");
  }
  const std::string id = store::NewId();
  ALCOVE_TRY_ASSIGN(const auto sealer, practice_.SealerFor(who.tenant(), owner.id, kTitleTable));
  std::optional<store::Bytes> sealed_title;
  if (title) {
    ALCOVE_TRY_ASSIGN(auto bytes, sealer.Seal("title", id, title->reveal()));
    sealed_title = std::move(bytes);
  }
  struct Part {
    std::string id;
    ParticipantKind kind;
    std::string client_id;
    std::optional<store::Bytes> label;
  };
  std::vector<Part> parts;
  ALCOVE_TRY_ASSIGN(const auto part_sealer,
                    practice_.SealerFor(who.tenant(), owner.id, internal::kParticipantTable));
  for (const NewParticipant& p : participants) {
    Part part{.id = store::NewId(),
              .kind = p.kind,
              .client_id = p.kind == ParticipantKind::kTherapist
                               ? std::string()
                               : (p.client_id.empty() ? owner.id : p.client_id),
              .label = std::nullopt};
    if (p.label) {
      ALCOVE_TRY_ASSIGN(auto bytes, part_sealer.Seal("label", part.id, p.label->reveal()));
      part.label = std::move(bytes);
    }
    parts.push_back(std::move(part));
  }
  // The recording's own data key, before its row (C03); a failed write leaves it unused,
  // for the sweep.
  ALCOVE_TRY_ASSIGN(const crypto::KeyId key, keys_.CreateDek(who.tenant(), kRecordingKeyPurpose));
  const Micros now = clock_.Now();
  auto made = work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Recording>> {
    const store::Value row[] = {id,  who.tenant(),
                                owner.id,
                                sealed_title ? store::Value(*sealed_title) : store::Value(),
                                static_cast<std::int64_t>(key),
                                now, who.account_id()};
    ALCOVE_TRY(tx.Execute("INSERT INTO recordings (id, tenant_id, client_id, title, key_id, "
                          "created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          row));
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const Part& p = parts[i];
      const store::Value prow[] = {
          p.id,
          who.tenant(),
          id,
          static_cast<std::int64_t>(i),
          std::string(ParticipantKindName(p.kind)),
          p.client_id.empty() ? store::Value() : store::Value(p.client_id),
          p.label ? store::Value(*p.label) : store::Value()};
      ALCOVE_TRY(tx.Execute("INSERT INTO recording_participants (id, tenant_id, recording_id, "
                            "position, kind, client_id, label) VALUES ($1, $2, $3, $4, $5, $6, "
                            "$7)",
                            prow));
    }
    ALCOVE_TRY_ASSIGN(auto r, LoadOne(tx, who.tenant(), id));
    return Audited<Recording>{std::move(r),
                              AuditNote{audit::Action::kRecordCreated, "recording", id,
                                        internal::RecordingDetails(owner.id, id)}};
  });
  if (!made) {
    if (auto st = keys_.DestroyDek(who.tenant(), key); !st) {
      spdlog::error("an unused recording key {} was not destroyed (the sweep retries): {}", key,
                    st.error().internal);
    }
    return std::unexpected(made.error());
  }
  ALCOVE_TRY(FillAliases(who, std::span<Recording>(&*made, 1)));
  return std::move(*made);
}

Result<std::vector<Recording>> Recordings::ListForClient(const TherapistScope& who,
                                                         std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  std::vector<Recording> list;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(list, Load(*tx, who.tenant(),
                                 "client_id = $2 OR id IN (SELECT recording_id FROM "
                                 "recording_participants WHERE tenant_id = $1 AND client_id = "
                                 "$2)",
                                 {who.tenant(), client.id}));
  }
  ALCOVE_TRY(FillAliases(who, list));
  return list;
}

Result<Recording> Recordings::Info(const TherapistScope& who, std::string_view recording_id) {
  Recording r;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(r, LoadOne(*tx, who.tenant(), recording_id));
  }
  ALCOVE_TRY(FillAliases(who, std::span<Recording>(&r, 1)));
  return r;
}

Result<Recording> Recordings::Get(const TherapistScope& who, std::string_view recording_id,
                                  const Caller& caller) {
  Recording r;
  internal::Row row;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(r, LoadOne(*tx, who.tenant(), recording_id, &row));
  }
  if (row.title || std::ranges::any_of(row.notes, [](const auto& n) { return n.has_value(); })) {
    ALCOVE_TRY_ASSIGN(const auto sealer,
                      practice_.SealerFor(who.tenant(), r.client_id, kTitleTable));
    if (row.title) {
      ALCOVE_TRY_ASSIGN(r.title, sealer.Open("title", r.id, *row.title));
    }
    ALCOVE_TRY_ASSIGN(const auto notes,
                      practice_.SealerFor(who.tenant(), r.client_id, internal::kParticipantTable));
    for (std::size_t i = 0; i < r.participants.size(); ++i) {
      if (row.notes[i] && r.participants[i].consent) {
        ALCOVE_TRY_ASSIGN(r.participants[i].consent->note,
                          notes.Open("consent_note", r.participants[i].id, *row.notes[i]));
      }
    }
  }
  ALCOVE_TRY(FillAliases(who, std::span<Recording>(&r, 1)));
  ALCOVE_TRY(work_.Read(who, caller,
                        AuditNote{audit::Action::kRecordAccessed, "recording", r.id,
                                  internal::RecordingDetails(r.client_id, r.id)}));
  return r;
}

}  // namespace alcove::recordings
