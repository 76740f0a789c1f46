// Drafts: what a note or summary editor typed and has not saved yet, sealed with the
// client's key. Not part of the record: saves are not audited, opening one is.
#include <fmt/format.h>

#include <algorithm>

#include "crypto/field_cipher.hpp"
#include "practice/internal.hpp"
#include "practice/practice.hpp"
#include "store/ids.hpp"

namespace alcove::practice {
namespace {

constexpr std::string_view kPlainFields[] = {"format",           "session_date", "session_time",
                                             "duration_minutes", "form_token",   "text"};

// A field an editor has: one of kPlainFields, or "section_" and a section of any format.
bool IsEditorField(std::string_view name) {
  if (std::find(std::begin(kPlainFields), std::end(kPlainFields), name) !=
      std::end(kPlainFields)) {
    return true;
  }
  if (!name.starts_with("section_")) {
    return false;
  }
  const auto section = name.substr(8);
  for (const auto f : {NoteFormat::kSoap, NoteFormat::kDap, NoteFormat::kBirp, NoteFormat::kFree}) {
    const auto names = SectionsOf(f);
    if (std::find(names.begin(), names.end(), section) != names.end()) {
      return true;
    }
  }
  return false;
}

std::string DraftRow(const TherapistScope& who, std::string_view client_id,
                     std::string_view target) {
  return fmt::format("{}.{}.{}", who.account_id(), client_id, target);
}

std::unexpected<Error> BadTarget() {
  return Invalid("draft target malformed", "This editor cannot keep a draft; reload the page.");
}

}  // namespace

Status Practice::DropDraft(store::Transaction& tx, const TherapistScope& who,
                           std::string_view client_id, std::string_view target) {
  const store::Value p[] = {who.tenant(), std::string(who.account_id()), std::string(client_id),
                            std::string(target)};
  ALCOVE_TRY(tx.Execute("DELETE FROM drafts WHERE tenant_id = $1 AND account_id = $2 "
                        "AND client_id = $3 AND target = $4",
                        p));
  return {};
}

Status Practice::SaveDraft(const TherapistScope& who, std::string_view client_id,
                           std::string_view target, Sections fields) {
  if (!IsDraftTarget(target)) {
    return BadTarget();
  }
  if (fields.size() > kMaxDraftFields) {
    return Invalid("too many draft fields", "This draft has more fields than an editor has.");
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& [name, text] = fields[i];
    if (!IsEditorField(name)) {
      return Invalid("unknown draft field", "This draft holds a field no editor has.");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (fields[j].first == name) {
        return Invalid("repeated draft field", "A draft field appears twice.");
      }
    }
    if (!IsAcceptableText(text.reveal(), kMaxSectionBytes, true)) {
      return Invalid("draft field not acceptable text",
                     "Each part of a draft may be at most about 10,000 words long.");
    }
  }
  // Key and seal before the transaction (the key ring may read the database).
  ALCOVE_TRY_ASSIGN(auto key, ClientKeyOf(who, client_id));
  const crypto::FieldCipher cipher(keys_, key);
  ALCOVE_TRY_ASSIGN(auto sealed, cipher.Seal(EncodeSections(fields).reveal(),
                                             {who.tenant(), "drafts", "content",
                                              DraftRow(who, client_id, target)}));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto client, LoadClient(*tx, who, client_id));
  // A draft for an existing note or summary: it must be this client's.
  if (const auto colon = target.find(':'); target.substr(colon + 1) != "new") {
    const std::string table = target.starts_with("note:") ? "notes" : "summaries";
    const store::Value p[] = {std::string(target.substr(colon + 1)), who.tenant(), client.id};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query(fmt::format("SELECT id FROM {} WHERE id = $1 AND "
                                                       "tenant_id = $2 AND client_id = $3",
                                                       table),
                                           p));
    if (rows.empty()) {
      return NotFound(table == "notes" ? "note" : "summary");
    }
  }
  const store::Value p[] = {who.tenant(), std::string(who.account_id()), client.id,
                            std::string(target), std::move(sealed), clock_.Now()};
  ALCOVE_TRY(tx->Execute(
      "INSERT INTO drafts (tenant_id, account_id, client_id, target, content, saved_at) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, account_id, client_id, target) "
      "DO UPDATE SET content = excluded.content, saved_at = excluded.saved_at",
      p));
  ALCOVE_TRY(tx->Commit());
  return {};
}

Result<std::optional<Draft>> Practice::OpenDraft(const TherapistScope& who,
                                                 std::string_view client_id,
                                                 std::string_view target, const Caller& caller) {
  if (!IsDraftTarget(target)) {
    return BadTarget();
  }
  ALCOVE_TRY_ASSIGN(auto key, ClientKeyOf(who, client_id));
  const store::Value p[] = {who.tenant(), std::string(who.account_id()), std::string(client_id),
                            std::string(target)};
  ALCOVE_TRY_ASSIGN(auto rows,
                    QueryTenant(who,
                                "SELECT content, saved_at FROM drafts WHERE tenant_id = $1 AND "
                                "account_id = $2 AND client_id = $3 AND target = $4",
                                p));
  if (rows.empty()) {
    return std::optional<Draft>();
  }
  const crypto::FieldCipher cipher(keys_, key);
  ALCOVE_TRY_ASSIGN(auto plain,
                    cipher.Open(rows.front().Blob(0), {who.tenant(), "drafts", "content",
                                                       DraftRow(who, client_id, target)}));
  ALCOVE_TRY_ASSIGN(auto fields, DecodeSections(plain));
  AuditNote note{audit::Action::kRecordAccessed, "draft", std::string(client_id),
                 ClientDetails(client_id)};
  ALCOVE_TRY(note.details.SetToken("target", target));
  ALCOVE_TRY(work_.Read(who, caller, note));
  return std::optional<Draft>(Draft{.client_id = std::string(client_id),
                                    .target = std::string(target),
                                    .saved_at = rows.front().Int(1),
                                    .fields = std::move(fields)});
}

Result<std::vector<Draft>> Practice::ListDrafts(const TherapistScope& who,
                                                std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto client, LoadClient(*tx, who, client_id));
  const store::Value p[] = {who.tenant(), std::string(who.account_id()), client.id};
  ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT target, saved_at FROM drafts WHERE tenant_id = $1 "
                                         "AND account_id = $2 AND client_id = $3 "
                                         "ORDER BY saved_at DESC, target",
                                         p));
  std::vector<Draft> out;
  for (const auto& r : rows) {
    out.push_back(Draft{.client_id = client.id, .target = r.Text(0), .saved_at = r.Int(1)});
  }
  return out;
}

Status Practice::DiscardDraft(const TherapistScope& who, std::string_view client_id,
                              std::string_view target) {
  if (!IsDraftTarget(target)) {
    return BadTarget();
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto client, LoadClient(*tx, who, client_id));
  ALCOVE_TRY(DropDraft(*tx, who, client.id, target));
  ALCOVE_TRY(tx->Commit());
  return {};
}

}  // namespace alcove::practice
