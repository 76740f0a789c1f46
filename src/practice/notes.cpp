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

std::string VersionRow(std::string_view note_id, std::int64_t version) {
  return fmt::format("{}.{}", note_id, version);
}

store::Value TextOrNull(const std::string& s) {
  return s.empty() ? store::Value(store::Null{}) : store::Value(s);
}

store::Value PositiveOrNull(std::int64_t n) {
  return n <= 0 ? store::Value(store::Null{}) : store::Value(n);
}

}  // namespace

namespace internal {

NoteInfo NoteFrom(const store::Row& r) {
  auto opt_int = [&](std::size_t i) {
    return r.IsNull(i) ? std::nullopt : std::optional<Micros>(r.Int(i));
  };
  return NoteInfo{.id = r.Text(0),
                  .client_id = r.Text(1),
                  .session_date = r.Text(2),
                  .format = FormatFromName(r.Text(3)).value_or(NoteFormat::kFree),
                  .version = r.Int(4),
                  .created_at = r.Int(5),
                  .updated_at = r.Int(6),
                  .session_time = OptText(r, 7).value_or(""),
                  .duration_minutes = opt_int(8).value_or(0),
                  .signed_at = opt_int(9),
                  .voided_at = opt_int(10)};
}

}  // namespace internal

Result<NoteInfo> Practice::CreateNote(const TherapistScope& who, std::string_view client_id,
                                      std::string_view session_date, NoteFormat format,
                                      Sections content, const Caller& caller) {
  return CreateNote(who, client_id,
                    NewNote{.session = {.date = std::string(session_date)},
                            .format = format,
                            .content = std::move(content)},
                    caller);
}

Result<NoteInfo> Practice::CreateNote(const TherapistScope& who, std::string_view client_id,
                                      NewNote in, const Caller& caller) {
  if (auto problem = CheckSessionTime(in.session)) {
    return Invalid(problem->field + " malformed", problem->message);
  }
  if (!in.form_token.empty() && !store::IsValidId(in.form_token)) {
    return Invalid("form_token malformed", "This form is out of date; reload the page.");
  }
  ALCOVE_TRY_ASSIGN(auto sections, Normalize(std::move(in.content), SectionsOf(in.format), "note"));
  ALCOVE_TRY_ASSIGN(auto key, ClientKeyOf(who, client_id));
  NoteInfo note{.id = store::NewId(),
                .client_id = std::string(client_id),
                .session_date = in.session.date,
                .format = in.format,
                .version = 1,
                .created_at = clock_.Now(),
                .updated_at = 0,
                .session_time = in.session.time,
                .duration_minutes = in.session.minutes};
  note.updated_at = note.created_at;
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed = cipher.Seal(EncodeSections(sections).reveal(),
                            {who.tenant(), "note_versions", "content", VersionRow(note.id, 1)});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  // The note an earlier submit of the same form made, if any.
  auto made_before = [&](store::Transaction& tx) -> Result<std::optional<NoteInfo>> {
    const store::Value p[] = {who.tenant(), in.form_token};
    ALCOVE_TRY_ASSIGN(auto rows, tx.Query(fmt::format("SELECT {} FROM notes n WHERE "
                                                      "n.tenant_id = $1 AND n.form_token = $2",
                                                      kNoteColumns),
                                          p));
    if (rows.empty()) {
      return std::optional<NoteInfo>();
    }
    return std::optional<NoteInfo>(NoteFrom(rows.front()));
  };
  std::optional<NoteInfo> earlier;
  auto made = work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<NoteInfo>> {
    if (auto client = LoadClient(tx, who, client_id); !client) {
      return std::unexpected(client.error());  // deleted meanwhile
    }
    if (!in.form_token.empty()) {
      ALCOVE_TRY_ASSIGN(earlier, made_before(tx));
      if (earlier) {
        return Fail(ErrorCode::kAlreadyExists, "this form made a note already");
      }
    }
    const store::Value params[] = {note.id,
                                   who.tenant(),
                                   note.client_id,
                                   note.session_date,
                                   std::string(FormatName(in.format)),
                                   note.created_at,
                                   TextOrNull(note.session_time),
                                   PositiveOrNull(note.duration_minutes),
                                   TextOrNull(in.form_token)};
    ALCOVE_TRY(
        tx.Execute("INSERT INTO notes (id, tenant_id, client_id, session_date, format, version, "
                   "created_at, updated_at, session_time, duration_minutes, form_token) "
                   "VALUES ($1, $2, $3, $4, $5, 1, $6, $6, $7, $8, $9)",
                   params));
    const store::Value vparams[] = {note.id, who.tenant(), note.session_date, std::move(*sealed),
                                    note.created_at};
    ALCOVE_TRY(
        tx.Execute("INSERT INTO note_versions (note_id, tenant_id, version, session_date, content, "
                   "created_at) VALUES ($1, $2, 1, $3, $4, $5)",
                   vparams));
    ALCOVE_TRY(DropDraft(tx, who, client_id, "note:new"));
    return Audited<NoteInfo>{note, AuditNote{audit::Action::kRecordCreated, "note",
                                             std::string(note.id), ClientDetails(note.client_id)}};
  });
  if (made || in.form_token.empty()) {
    return made;
  }
  // A double submit: the first note stands. Two submits at once: the unique index let
  // one insert through; the other finds it here.
  if (!earlier) {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(earlier, made_before(*tx));
  }
  if (earlier && earlier->client_id == client_id) {
    return *earlier;
  }
  return made;
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
    ALCOVE_TRY_ASSIGN(auto note, OpenNote(who, NoteFrom(r), key, r.Blob(kNoteColumnCount)));
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
    constexpr std::size_t k = kNoteColumnCount;
    NoteInfo info = NoteFrom(r);
    info.version = r.Int(k + 1);
    info.session_date = r.Text(k + 2);
    info.updated_at = r.Int(k + 4);
    ALCOVE_TRY_ASSIGN(auto note, OpenNote(who, std::move(info),
                                          static_cast<crypto::KeyId>(r.Int(k)), r.Blob(k + 3)));
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
  constexpr std::size_t k = kNoteColumnCount;
  const store::Value params[] = {std::string(note_id), who.tenant()};
  ALCOVE_TRY_ASSIGN(
      auto rows,
      QueryTenant(who,
                  fmt::format("SELECT {}, c.key_id, v.content, n.void_reason FROM notes n "
                              "JOIN clients c ON c.id = n.client_id AND c.tenant_id = n.tenant_id "
                              "JOIN note_versions v ON v.note_id = n.id AND v.version = n.version "
                              "AND v.tenant_id = n.tenant_id WHERE n.id = $1 AND n.tenant_id = $2",
                              kNoteColumns),
                  params));
  if (rows.empty()) {
    return NotFound("note");
  }
  ALCOVE_TRY_ASSIGN(auto addenda,
                    QueryTenant(who,
                                "SELECT id, content, created_at FROM note_addenda "
                                "WHERE note_id = $1 AND tenant_id = $2 ORDER BY created_at, id",
                                params));
  const store::Row* row = &rows.front();
  const auto key = static_cast<crypto::KeyId>(row->Int(k));
  ALCOVE_TRY_ASSIGN(auto note, OpenNote(who, NoteFrom(*row), key, row->Blob(k + 1)));
  const crypto::FieldCipher cipher(keys_, key);
  if (!row->IsNull(k + 2)) {
    ALCOVE_TRY_ASSIGN(auto reason, cipher.Open(row->Blob(k + 2), {who.tenant(), "notes",
                                                                  "void_reason", note.info.id}));
    note.void_reason = std::move(reason);
  }
  for (const auto& a : addenda) {
    ALCOVE_TRY_ASSIGN(auto text,
                      cipher.Open(a.Blob(1), {who.tenant(), "note_addenda", "content", a.Text(0)}));
    note.addenda.push_back(Addendum{.id = a.Text(0), .created_at = a.Int(2), .text = std::move(text)});
  }
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
  return UpdateNote(who, note_id,
                    NoteEdit{.session_date = std::move(session_date), .content = std::move(content)},
                    caller);
}

Result<NoteInfo> Practice::UpdateNote(const TherapistScope& who, std::string_view note_id,
                                      NoteEdit edit, const Caller& caller) {
  // What the new version needs: the note's format, version, state and the client's key.
  ALCOVE_TRY_ASSIGN(auto state, LoadNoteState(who, note_id));
  NoteInfo note = std::move(state.info);
  ALCOVE_TRY(Unlocked(note));
  SessionTime session{.date = edit.session_date.value_or(note.session_date),
                      .time = edit.session_time.value_or(note.session_time),
                      .minutes = edit.duration_minutes.value_or(note.duration_minutes)};
  if (auto problem = CheckSessionTime(session)) {
    return Invalid(problem->field + " malformed", problem->message);
  }
  if (edit.keep_content) {
    const store::Value p[] = {note.id, who.tenant(), note.version};
    ALCOVE_TRY_ASSIGN(auto rows, QueryTenant(who,
                                             "SELECT content FROM note_versions WHERE note_id = $1 "
                                             "AND tenant_id = $2 AND version = $3",
                                             p));
    if (rows.empty()) {
      return NotFound("note");
    }
    ALCOVE_TRY_ASSIGN(auto current, OpenNote(who, note, state.key_id, rows.front().Blob(0)));
    edit.content = ConvertSections(current.content, edit.format.value_or(note.format));
  }
  note.format = edit.format.value_or(note.format);
  ALCOVE_TRY_ASSIGN(auto sections, Normalize(std::move(edit.content), SectionsOf(note.format), "note"));
  const std::int64_t previous = note.version;
  note.version += 1;
  note.updated_at = clock_.Now();
  note.session_date = session.date;
  note.session_time = session.time;
  note.duration_minutes = session.minutes;
  const crypto::FieldCipher cipher(keys_, state.key_id);
  auto sealed =
      cipher.Seal(EncodeSections(sections).reveal(),
                  {who.tenant(), "note_versions", "content", VersionRow(note.id, note.version)});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<NoteInfo>> {
    // Only on top of the version we read, and only while unsigned: a concurrent save or
    // signature makes this one a conflict.
    const store::Value uparams[] = {note.version,
                                    note.session_date,
                                    note.updated_at,
                                    note.id,
                                    who.tenant(),
                                    previous,
                                    TextOrNull(note.session_time),
                                    PositiveOrNull(note.duration_minutes),
                                    std::string(FormatName(note.format))};
    ALCOVE_TRY_ASSIGN(
        auto updated,
        tx.Execute("UPDATE notes SET version = $1, session_date = $2, updated_at = $3, "
                   "session_time = $7, duration_minutes = $8, format = $9 "
                   "WHERE id = $4 AND tenant_id = $5 AND version = $6 "
                   "AND signed_at IS NULL AND voided_at IS NULL",
                   uparams));
    if (updated != 1) {
      return Fail(ErrorCode::kConflict, "note changed, signed or deleted concurrently",
                  "The note was changed meanwhile; reload it and try again.");
    }
    const store::Value vparams[] = {note.id,           who.tenant(),       note.version,
                                    note.session_date, std::move(*sealed), note.updated_at};
    ALCOVE_TRY(
        tx.Execute("INSERT INTO note_versions (note_id, tenant_id, version, session_date, content, "
                   "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                   vparams));
    ALCOVE_TRY(DropDraft(tx, who, note.client_id, "note:" + note.id));
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
        ALCOVE_TRY_ASSIGN(auto rows,
                          tx.Query("SELECT client_id, signed_at FROM notes "
                                   "WHERE id = $1 AND tenant_id = $2",
                                   params));
        if (rows.empty()) {
          return NotFound("note");
        }
        if (!rows.front().IsNull(1)) {
          return Fail(ErrorCode::kFailedPrecondition, "signed note not deleted",
                      "A signed note cannot be deleted; void it with a reason instead.");
        }
        const std::string client_id = rows.front().Text(0);
        for (const char* sql : {"DELETE FROM note_versions WHERE note_id = $1 AND tenant_id = $2",
                                "DELETE FROM note_addenda WHERE note_id = $1 AND tenant_id = $2",
                                "DELETE FROM notes WHERE id = $1 AND tenant_id = $2"}) {
          ALCOVE_TRY(tx.Execute(sql, params));
        }
        ALCOVE_TRY(DropDraft(tx, who, client_id, "note:" + std::string(note_id)));
        return Audited<std::monostate>{
            std::monostate{}, AuditNote{audit::Action::kRecordDeleted, "note", std::string(note_id),
                                        ClientDetails(client_id)}};
      }));
  return {};
}

}  // namespace alcove::practice
