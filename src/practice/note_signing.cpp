// Signing and locking notes, addenda to signed notes, voiding mistaken notes.
#include <fmt/format.h>

#include "crypto/field_cipher.hpp"
#include "practice/internal.hpp"
#include "practice/practice.hpp"
#include "store/ids.hpp"

namespace alcove::practice {

namespace internal {

Status Unlocked(const NoteInfo& note) {
  if (note.voided_at) {
    return Fail(ErrorCode::kFailedPrecondition, "note is voided",
                "This note was voided; it cannot be changed.");
  }
  if (note.signed_at) {
    return Fail(ErrorCode::kFailedPrecondition, "note is signed",
                "This note is signed and locked; add an addendum instead.");
  }
  return {};
}

}  // namespace internal

Result<Practice::NoteState> Practice::LoadNoteState(const TherapistScope& who,
                                                    std::string_view note_id) {
  if (!store::IsValidId(note_id)) {
    return NotFound("note");
  }
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
  return NoteState{.info = NoteFrom(rows.front()),
                   .key_id = static_cast<crypto::KeyId>(rows.front().Int(kNoteColumnCount))};
}

Result<NoteInfo> Practice::SignNote(const TherapistScope& who, std::string_view note_id,
                                    const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto state, LoadNoteState(who, note_id));
  NoteInfo note = std::move(state.info);
  if (note.voided_at) {
    return Fail(ErrorCode::kFailedPrecondition, "voided note not signed",
                "A voided note cannot be signed.");
  }
  if (note.signed_at) {
    return note;  // signed already: nothing changes, nothing to audit
  }
  note.signed_at = clock_.Now();
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<NoteInfo>> {
    const store::Value p[] = {*note.signed_at, std::string(who.account_id()), note.id,
                              who.tenant()};
    ALCOVE_TRY_ASSIGN(auto n, tx.Execute("UPDATE notes SET signed_at = $1, signed_by = $2 "
                                         "WHERE id = $3 AND tenant_id = $4 AND signed_at IS NULL "
                                         "AND voided_at IS NULL",
                                         p));
    if (n != 1) {
      return Fail(ErrorCode::kConflict, "note signed, voided or deleted concurrently",
                  "The note was changed meanwhile; reload it.");
    }
    return Audited<NoteInfo>{note, AuditNote{audit::Action::kSignatureMade, "note", note.id,
                                             ClientDetails(note.client_id)}};
  });
}

Result<Addendum> Practice::AddAddendum(const TherapistScope& who, std::string_view note_id,
                                       const PhiString& text, const Caller& caller) {
  if (text.reveal().find_first_not_of(" \t\r\n") == std::string_view::npos ||
      !IsAcceptableText(text.reveal(), kMaxSectionBytes, true)) {
    return Invalid("addendum text not acceptable",
                   "Write the addendum: at most about 10,000 words.");
  }
  ALCOVE_TRY_ASSIGN(auto state, LoadNoteState(who, note_id));
  const NoteInfo& note = state.info;
  if (note.voided_at) {
    return Fail(ErrorCode::kFailedPrecondition, "addendum to a voided note",
                "This note was voided; it cannot be changed.");
  }
  if (!note.signed_at) {
    return Fail(ErrorCode::kFailedPrecondition, "addendum to an unsigned note",
                "This note is not signed yet; edit it instead.");
  }
  Addendum out{.id = store::NewId(), .created_at = clock_.Now(),
               .text = PhiString(std::string(text.reveal()))};
  const crypto::FieldCipher cipher(keys_, state.key_id);
  auto sealed = cipher.Seal(text.reveal(), {who.tenant(), "note_addenda", "content", out.id});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Addendum>> {
    const store::Value p[] = {out.id, who.tenant(), note.id, std::move(*sealed), out.created_at};
    // The note deleted meanwhile fails the insert (its foreign key).
    ALCOVE_TRY(tx.Execute("INSERT INTO note_addenda (id, tenant_id, note_id, content, created_at) "
                          "VALUES ($1, $2, $3, $4, $5)",
                          p));
    AuditNote audit_note{audit::Action::kRecordCreated, "note_addendum", out.id,
                         ClientDetails(note.client_id)};
    ALCOVE_TRY(audit_note.details.SetToken("note", note.id));
    return Audited<Addendum>{std::move(out), std::move(audit_note)};
  });
}

Status Practice::VoidNote(const TherapistScope& who, std::string_view note_id,
                          const PhiString& reason, const Caller& caller) {
  if (reason.reveal().find_first_not_of(" \t\r\n") == std::string_view::npos ||
      !IsAcceptableText(reason.reveal(), kMaxProfileFieldBytes, true)) {
    return Invalid("void reason not acceptable",
                   "Say why the note is void, in at most about 600 words.");
  }
  ALCOVE_TRY_ASSIGN(auto state, LoadNoteState(who, note_id));
  const NoteInfo& note = state.info;
  if (note.voided_at) {
    return Fail(ErrorCode::kFailedPrecondition, "note voided already",
                "This note was voided already.");
  }
  const crypto::FieldCipher cipher(keys_, state.key_id);
  auto sealed = cipher.Seal(reason.reveal(), {who.tenant(), "notes", "void_reason", note.id});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  const Micros now = clock_.Now();
  ALCOVE_TRY(work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<bool>> {
    const store::Value p[] = {now, std::move(*sealed), note.id, who.tenant()};
    ALCOVE_TRY_ASSIGN(auto n, tx.Execute("UPDATE notes SET voided_at = $1, void_reason = $2 "
                                         "WHERE id = $3 AND tenant_id = $4 AND voided_at IS NULL",
                                         p));
    if (n != 1) {
      return Fail(ErrorCode::kConflict, "note voided or deleted concurrently",
                  "The note was changed meanwhile; reload it.");
    }
    ALCOVE_TRY(DropDraft(tx, who, note.client_id, "note:" + note.id));
    AuditNote audit_note{audit::Action::kRecordUpdated, "note", note.id,
                         ClientDetails(note.client_id)};
    ALCOVE_TRY(audit_note.details.SetToken("change", "voided"));
    return Audited<bool>{true, std::move(audit_note)};
  }));
  return {};
}

}  // namespace alcove::practice
