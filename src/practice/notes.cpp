// Session notes and their sealed versions.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "crypto/field_cipher.hpp"
#include "crypto/sha.hpp"
#include "practice/alias.hpp"
#include "practice/internal.hpp"
#include "practice/practice.hpp"
#include "store/ids.hpp"

namespace alcove::practice {

namespace {

constexpr std::string_view kNoteColumns =
    "n.id, n.client_id, n.session_date, n.format, n.version, n.created_at, n.updated_at";

NoteInfo NoteFrom(const store::Row& r) {
  return NoteInfo{.id = r.Text(0),
                  .client_id = r.Text(1),
                  .session_date = r.Text(2),
                  .format = FormatFromName(r.Text(3)).value_or(NoteFormat::kFree),
                  .version = r.Int(4),
                  .created_at = r.Int(5),
                  .updated_at = r.Int(6)};
}

std::string VersionRow(std::string_view note_id, std::int64_t version) {
  return fmt::format("{}.{}", note_id, version);
}

}  // namespace

Result<NoteInfo> Practice::CreateNote(const TherapistScope& who, std::string_view client_id,
                                      std::string_view session_date, NoteFormat format,
                                      Sections content, const Caller& caller) {
  if (!IsDate(session_date)) {
    return Invalid("session_date malformed", "The session date must be a date like 2026-11-23.");
  }
  ALCOVE_TRY_ASSIGN(auto sections, Normalize(std::move(content), SectionsOf(format), "note"));
  ALCOVE_TRY_ASSIGN(auto key, ClientKeyOf(who, client_id));
  NoteInfo note{.id = store::NewId(),
                .client_id = std::string(client_id),
                .session_date = std::string(session_date),
                .format = format,
                .version = 1,
                .created_at = clock_.Now(),
                .updated_at = 0};
  note.updated_at = note.created_at;
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed = cipher.Seal(EncodeSections(sections).reveal(),
                            {who.tenant(), "note_versions", "content", VersionRow(note.id, 1)});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<NoteInfo>> {
    if (auto client = LoadClient(tx, who, client_id); !client) {
      return std::unexpected(client.error());  // deleted meanwhile
    }
    const store::Value params[] = {note.id,
                                   who.tenant(),
                                   note.client_id,
                                   note.session_date,
                                   std::string(FormatName(format)),
                                   note.created_at};
    ALCOVE_TRY(
        tx.Execute("INSERT INTO notes (id, tenant_id, client_id, session_date, format, version, "
                   "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
                   params));
    const store::Value vparams[] = {note.id, who.tenant(), note.session_date, std::move(*sealed),
                                    note.created_at};
    ALCOVE_TRY(
        tx.Execute("INSERT INTO note_versions (note_id, tenant_id, version, session_date, content, "
                   "created_at) VALUES ($1, $2, 1, $3, $4, $5)",
                   vparams));
    return Audited<NoteInfo>{note, AuditNote{audit::Action::kRecordCreated, "note",
                                             std::string(note.id), ClientDetails(note.client_id)}};
  });
}

// Decrypts the sealed content of a note version (outside any transaction).
Result<Note> Practice::OpenNote(const TherapistScope& who, NoteInfo info, crypto::KeyId key,
                                std::span<const std::uint8_t> content) {
  const crypto::FieldCipher cipher(keys_, key);
  auto plain = cipher.Open(
      content, {who.tenant(), "note_versions", "content", VersionRow(info.id, info.version)});
  if (!plain) {
    return std::unexpected(plain.error());
  }
  ALCOVE_TRY_ASSIGN(auto sections, DecodeSections(*plain));
  return Note{.info = std::move(info), .content = std::move(sections)};
}

Result<std::vector<Note>> Practice::ListNotes(const TherapistScope& who, std::string_view client_id,
                                              std::size_t limit, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(std::vector<Note> out,
                    LoadNotes(who, client_id, std::clamp<std::size_t>(limit, 1, kMaxNotesListed)));
  ALCOVE_TRY(AuditRead(who, caller, audit::Action::kRecordAccessed, "client_notes", client_id,
                       client_id, static_cast<std::int64_t>(out.size())));
  return out;
}

Result<std::vector<Note>> Practice::LoadNotes(const TherapistScope& who, std::string_view client_id,
                                              std::optional<std::size_t> limit) {
  std::vector<store::Row> rows;
  std::string id;
  crypto::KeyId key = 0;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto client, LoadClient(*tx, who, client_id));
    id = client.id;
    key = client.key_id;
    // Without a limit (exports): every note; LIMIT -1 would be SQLite-only, so the
    // largest int64 stands for "all" on both engines.
    const store::Value params[] = {
        client.id, who.tenant(),
        limit ? static_cast<std::int64_t>(*limit) : std::numeric_limits<std::int64_t>::max()};
    ALCOVE_TRY_ASSIGN(
        auto r,
        tx->Query(fmt::format(
                      "SELECT {}, v.content FROM notes n JOIN note_versions v ON v.note_id = n.id "
                      "AND v.version = n.version AND v.tenant_id = n.tenant_id "
                      "WHERE n.client_id = $1 AND n.tenant_id = $2 "
                      "ORDER BY n.session_date DESC, n.created_at DESC, n.id LIMIT $3",
                      kNoteColumns),
                  params));
    rows = std::move(r);
  }
  std::vector<Note> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    ALCOVE_TRY_ASSIGN(auto note, OpenNote(who, NoteFrom(r), key, r.Blob(7)));
    out.push_back(std::move(note));
  }
  return out;
}

Result<std::vector<Note>> Practice::NoteHistory(const TherapistScope& who, std::string_view note_id,
                                                const Caller& caller) {
  if (!store::IsValidId(note_id)) {
    return NotFound("note");
  }
  const store::Value params[] = {std::string(note_id), who.tenant()};
  ALCOVE_TRY_ASSIGN(
      auto found,
      QueryTenant(
          who,
          fmt::format(
              "SELECT {}, c.key_id, v.version, v.session_date, v.content, v.created_at "
              "FROM notes n JOIN clients c ON c.id = n.client_id AND c.tenant_id = n.tenant_id "
              "JOIN note_versions v ON v.note_id = n.id AND v.tenant_id = n.tenant_id "
              "WHERE n.id = $1 AND n.tenant_id = $2 ORDER BY v.version",
              kNoteColumns),
          params));
  const std::vector<store::Row>& rows = found;
  if (rows.empty()) {
    return NotFound("note");
  }
  std::vector<Note> out;
  for (const auto& r : rows) {
    NoteInfo info = NoteFrom(r);
    info.version = r.Int(8);
    info.session_date = r.Text(9);
    info.updated_at = r.Int(11);
    ALCOVE_TRY_ASSIGN(auto note, OpenNote(who, std::move(info),
                                          static_cast<crypto::KeyId>(r.Int(7)), r.Blob(10)));
    out.push_back(std::move(note));
  }
  ALCOVE_TRY(AuditRead(who, caller, audit::Action::kRecordAccessed, "note", note_id,
                       out.front().info.client_id, static_cast<std::int64_t>(out.size())));
  return out;
}

Result<Note> Practice::GetNote(const TherapistScope& who, std::string_view note_id,
                               const Caller& caller) {
  if (!store::IsValidId(note_id)) {
    return NotFound("note");
  }
  const store::Value params[] = {std::string(note_id), who.tenant()};
  ALCOVE_TRY_ASSIGN(
      auto rows,
      QueryTenant(who,
                  fmt::format("SELECT {}, c.key_id, v.content FROM notes n "
                              "JOIN clients c ON c.id = n.client_id AND c.tenant_id = n.tenant_id "
                              "JOIN note_versions v ON v.note_id = n.id AND v.version = n.version "
                              "AND v.tenant_id = n.tenant_id WHERE n.id = $1 AND n.tenant_id = $2",
                              kNoteColumns),
                  params));
  if (rows.empty()) {
    return NotFound("note");
  }
  const store::Row* row = &rows.front();
  ALCOVE_TRY_ASSIGN(auto note, OpenNote(who, NoteFrom(*row),
                                        static_cast<crypto::KeyId>(row->Int(7)), row->Blob(8)));
  ALCOVE_TRY(AuditRead(who, caller, audit::Action::kRecordAccessed, "note", note.info.id,
                       note.info.client_id, -1));
  return note;
}

Result<NoteInfo> Practice::GetNoteInfo(const TherapistScope& who, std::string_view note_id) {
  if (!store::IsValidId(note_id)) {
    return NotFound("note");
  }
  const store::Value params[] = {std::string(note_id), who.tenant()};
  ALCOVE_TRY_ASSIGN(
      const auto rows,
      QueryTenant(
          who,
          fmt::format("SELECT {} FROM notes n WHERE n.id = $1 AND n.tenant_id = $2", kNoteColumns),
          params));
  if (rows.empty()) {
    return NotFound("note");
  }
  return NoteFrom(rows.front());
}

Result<NoteInfo> Practice::UpdateNote(const TherapistScope& who, std::string_view note_id,
                                      std::optional<std::string> session_date, Sections content,
                                      const Caller& caller) {
  if (!store::IsValidId(note_id)) {
    return NotFound("note");
  }
  if (session_date && !IsDate(*session_date)) {
    return Invalid("session_date malformed", "The session date must be a date like 2026-11-23.");
  }
  // What the new version needs: the note's format, version and the client's key.
  const store::Value params[] = {std::string(note_id), who.tenant()};
  ALCOVE_TRY_ASSIGN(
      auto rows,
      QueryTenant(
          who,
          fmt::format("SELECT {}, c.key_id FROM notes n JOIN clients c ON c.id = n.client_id "
                      "AND c.tenant_id = n.tenant_id WHERE n.id = $1 AND n.tenant_id = $2",
                      kNoteColumns),
          params));
  if (rows.empty()) {
    return NotFound("note");
  }
  const store::Row* current = &rows.front();
  NoteInfo note = NoteFrom(*current);
  const auto key = static_cast<crypto::KeyId>(current->Int(7));
  ALCOVE_TRY_ASSIGN(auto sections, Normalize(std::move(content), SectionsOf(note.format), "note"));
  const std::int64_t previous = note.version;
  note.version += 1;
  note.updated_at = clock_.Now();
  if (session_date) {
    note.session_date = *session_date;
  }
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed =
      cipher.Seal(EncodeSections(sections).reveal(),
                  {who.tenant(), "note_versions", "content", VersionRow(note.id, note.version)});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<NoteInfo>> {
    // Only on top of the version we read: a concurrent save makes this one a conflict.
    const store::Value uparams[] = {note.version, note.session_date, note.updated_at,
                                    note.id,      who.tenant(),      previous};
    ALCOVE_TRY_ASSIGN(
        auto updated,
        tx.Execute("UPDATE notes SET version = $1, session_date = $2, updated_at = $3 "
                   "WHERE id = $4 AND tenant_id = $5 AND version = $6",
                   uparams));
    if (updated != 1) {
      return Fail(ErrorCode::kConflict, "note changed or deleted concurrently",
                  "The note was changed meanwhile; reload it and try again.");
    }
    const store::Value vparams[] = {note.id,           who.tenant(),       note.version,
                                    note.session_date, std::move(*sealed), note.updated_at};
    ALCOVE_TRY(
        tx.Execute("INSERT INTO note_versions (note_id, tenant_id, version, session_date, content, "
                   "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                   vparams));
    return Audited<NoteInfo>{note, AuditNote{audit::Action::kRecordUpdated, "note",
                                             std::string(note.id), ClientDetails(note.client_id)}};
  });
}

Status Practice::DeleteNote(const TherapistScope& who, std::string_view note_id,
                            const Caller& caller) {
  if (!store::IsValidId(note_id)) {
    return NotFound("note");
  }
  ALCOVE_TRY(
      work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::monostate>> {
        const store::Value params[] = {std::string(note_id), who.tenant()};
        ALCOVE_TRY_ASSIGN(
            auto rows,
            tx.Query("SELECT client_id FROM notes WHERE id = $1 AND tenant_id = $2", params));
        if (rows.empty()) {
          return NotFound("note");
        }
        const std::string client_id = rows.front().Text(0);
        for (const char* sql : {"DELETE FROM note_versions WHERE note_id = $1 AND tenant_id = $2",
                                "DELETE FROM notes WHERE id = $1 AND tenant_id = $2"}) {
          ALCOVE_TRY(tx.Execute(sql, params));
        }
        return Audited<std::monostate>{
            std::monostate{}, AuditNote{audit::Action::kRecordDeleted, "note", std::string(note_id),
                                        ClientDetails(client_id)}};
      }));
  return {};
}

}  // namespace alcove::practice
