// Summaries: draft -> reviewed; a reviewed one is frozen.
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

constexpr std::string_view kSummaryColumns =
    "s.id, s.client_id, s.source_note_id, s.supersedes, s.status, s.created_at, s.updated_at, "
    "s.reviewed_at, s.text, c.key_id";

}  // namespace

namespace {

Result<Summary> SummaryFrom(const store::Row& r, crypto::KeyRing& keys, store::TenantId tenant) {
  Summary s{.id = r.Text(0),
            .client_id = r.Text(1),
            .source_note_id = OptText(r, 2),
            .supersedes = OptText(r, 3),
            .status = r.Text(4) == "reviewed" ? SummaryStatus::kReviewed : SummaryStatus::kDraft,
            .created_at = r.Int(5),
            .updated_at = r.Int(6),
            .reviewed_at = r.OptionalInt(7),
            .text = PhiString()};
  const crypto::FieldCipher cipher(keys, static_cast<crypto::KeyId>(r.Int(9)));
  auto text = cipher.Open(r.Blob(8), {tenant, "summaries", "text", s.id});
  if (!text) {
    return std::unexpected(text.error());
  }
  s.text = std::move(*text);
  return s;
}

}  // namespace

Result<Summary> Practice::CreateSummary(const TherapistScope& who, std::string_view client_id,
                                        const PhiString& text,
                                        std::optional<std::string> source_note_id,
                                        const Caller& caller) {
  return InsertSummary(who, client_id, text, std::move(source_note_id), nullptr, caller);
}

Result<Summary> Practice::CreateModuleSummary(
    const TherapistScope& who, std::string_view client_id, const PhiString& text,
    const std::function<Status(store::Transaction&, const Summary&)>& also, const Caller& caller) {
  return InsertSummary(who, client_id, text, std::nullopt, &also, caller);
}

Result<Summary> Practice::InsertSummary(
    const TherapistScope& who, std::string_view client_id, const PhiString& text,
    std::optional<std::string> source_note_id,
    const std::function<Status(store::Transaction&, const Summary&)>* also, const Caller& caller) {
  if (!IsAcceptableText(text.reveal(), kMaxSectionBytes, true)) {
    return Invalid("summary text not acceptable", "The summary may be at most about 10,000 words long.");
  }
  if (source_note_id && !store::IsValidId(*source_note_id)) {
    return NotFound("note");
  }
  ALCOVE_TRY_ASSIGN(auto key, ClientKeyOf(who, client_id));
  const std::string id = store::NewId();
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed = cipher.Seal(text.reveal(), {who.tenant(), "summaries", "text", id});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Summary>> {
    ALCOVE_TRY_ASSIGN(auto client, LoadClient(tx, who, client_id));
    if (source_note_id) {
      const store::Value p[] = {*source_note_id, client.id, who.tenant()};
      ALCOVE_TRY_ASSIGN(
          auto rows,
          tx.Query("SELECT 1 FROM notes WHERE id = $1 AND client_id = $2 AND tenant_id = $3", p));
      if (rows.empty()) {
        return NotFound("note");
      }
    }
    const Micros now = clock_.Now();
    const store::Value params[] = {
        id,
        who.tenant(),
        client.id,
        source_note_id ? store::Value(*source_note_id) : store::Value(store::Null{}),
        std::move(*sealed),
        now};
    ALCOVE_TRY(
        tx.Execute("INSERT INTO summaries (id, tenant_id, client_id, source_note_id, status, text, "
                   "created_at, updated_at) VALUES ($1, $2, $3, $4, 'draft', $5, $6, $6)",
                   params));
    Summary made{.id = id,
                 .client_id = client.id,
                 .source_note_id = std::move(source_note_id),
                 .supersedes = std::nullopt,
                 .status = SummaryStatus::kDraft,
                 .created_at = now,
                 .updated_at = now,
                 .reviewed_at = std::nullopt,
                 .text = PhiString(std::string(text.reveal()))};
    if (also != nullptr) {
      ALCOVE_TRY((*also)(tx, made));
    } else {
      ALCOVE_TRY(DropDraft(tx, who, client_id, "summary:new"));
    }
    return Audited<Summary>{std::move(made),
                            AuditNote{audit::Action::kRecordCreated, "summary", std::string(id),
                                      ClientDetails(client.id)}};
  });
}

Result<std::vector<store::Row>> Practice::SummaryRows(const TherapistScope& who,
                                                      std::string_view where, std::string_view id) {
  const store::Value params[] = {std::string(id), who.tenant()};
  return QueryTenant(who,
                     fmt::format("SELECT {} FROM summaries s JOIN clients c ON c.id = s.client_id "
                                 "AND c.tenant_id = s.tenant_id WHERE {} = $1 AND s.tenant_id = $2 "
                                 "ORDER BY s.created_at DESC, s.id",
                                 kSummaryColumns, where),
                     params);
}

Result<Summary> Practice::GetSummary(const TherapistScope& who, std::string_view summary_id,
                                     const Caller& caller) {
  if (!store::IsValidId(summary_id)) {
    return NotFound("summary");
  }
  ALCOVE_TRY_ASSIGN(auto rows, SummaryRows(who, "s.id", summary_id));
  if (rows.empty()) {
    return NotFound("summary");
  }
  ALCOVE_TRY_ASSIGN(auto s, SummaryFrom(rows.front(), keys_, who.tenant()));
  ALCOVE_TRY(
      AuditRead(who, caller, audit::Action::kRecordAccessed, "summary", s.id, s.client_id, -1));
  return s;
}

Result<std::vector<Summary>> Practice::ListSummaries(const TherapistScope& who,
                                                     std::string_view client_id,
                                                     const Caller& caller) {
  ALCOVE_TRY_ASSIGN(std::vector<Summary> out, LoadSummaries(who, client_id));
  ALCOVE_TRY(AuditRead(who, caller, audit::Action::kRecordAccessed, "client_summaries", client_id,
                       client_id, static_cast<std::int64_t>(out.size())));
  return out;
}

Result<std::vector<Summary>> Practice::LoadSummaries(const TherapistScope& who,
                                                     std::string_view client_id) {
  auto key = ClientKeyOf(who, client_id);  // 404 for an unknown client
  if (!key) {
    return std::unexpected(key.error());
  }
  ALCOVE_TRY_ASSIGN(auto rows, SummaryRows(who, "s.client_id", client_id));
  std::vector<Summary> out;
  for (const auto& r : rows) {
    ALCOVE_TRY_ASSIGN(auto s, SummaryFrom(r, keys_, who.tenant()));
    out.push_back(std::move(s));
  }
  return out;
}

Result<Summary> Practice::EditSummary(const TherapistScope& who, std::string_view summary_id,
                                      const PhiString& text, const Caller& caller) {
  if (!IsAcceptableText(text.reveal(), kMaxSectionBytes, true)) {
    return Invalid("summary text not acceptable", "The summary may be at most about 10,000 words long.");
  }
  if (!store::IsValidId(summary_id)) {
    return NotFound("summary");
  }
  ALCOVE_TRY_ASSIGN(auto rows, SummaryRows(who, "s.id", summary_id));
  if (rows.empty()) {
    return NotFound("summary");
  }
  const store::Row& r = rows.front();
  const auto key = static_cast<crypto::KeyId>(r.Int(9));
  const bool reviewed = r.Text(4) == "reviewed";
  const Micros now = clock_.Now();
  const std::string client_id = r.Text(1);
  // A reviewed summary is frozen: the edit becomes a new draft that supersedes it.
  const std::string id = reviewed ? store::NewId() : r.Text(0);
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed = cipher.Seal(text.reveal(), {who.tenant(), "summaries", "text", id});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  Summary out{.id = id,
              .client_id = client_id,
              .source_note_id = OptText(r, 2),
              .supersedes = reviewed ? std::optional<std::string>(r.Text(0)) : OptText(r, 3),
              .status = SummaryStatus::kDraft,
              .created_at = reviewed ? now : r.Int(5),
              .updated_at = now,
              .reviewed_at = std::nullopt,
              .text = PhiString(std::string(text.reveal()))};
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Summary>> {
    ALCOVE_TRY(DropDraft(tx, who, client_id, "summary:" + r.Text(0)));
    if (reviewed) {
      const store::Value p[] = {
          id,
          who.tenant(),
          client_id,
          out.source_note_id ? store::Value(*out.source_note_id) : store::Value(store::Null{}),
          *out.supersedes,
          std::move(*sealed),
          now};
      // The client deleted meanwhile fails the insert: kConflict.
      ALCOVE_TRY(tx.Execute(
          "INSERT INTO summaries (id, tenant_id, client_id, source_note_id, supersedes, status, "
          "text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $7)",
          p));
      return Audited<Summary>{std::move(out), AuditNote{audit::Action::kRecordCreated, "summary",
                                                        id, ClientDetails(client_id)}};
    } else {
      const store::Value p[] = {std::move(*sealed), now, id, who.tenant()};
      ALCOVE_TRY_ASSIGN(
          auto n,
          tx.Execute(
              "UPDATE summaries SET text = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4 "
              "AND status = 'draft'",
              p));
      if (n != 1) {
        return Fail(ErrorCode::kConflict, "summary reviewed or deleted concurrently",
                    "The summary was reviewed or deleted meanwhile; reload it.");
      }
      return Audited<Summary>{std::move(out), AuditNote{audit::Action::kRecordUpdated, "summary",
                                                        id, ClientDetails(client_id)}};
    }
  });
}

Result<Summary> Practice::ReviewSummary(const TherapistScope& who, std::string_view summary_id,
                                        const Caller& caller) {
  if (!store::IsValidId(summary_id)) {
    return NotFound("summary");
  }
  // Reviewing a reviewed summary changes nothing and is not an event; the review itself
  // is the one event of its transaction.
  bool already_reviewed = false;
  auto reviewed = work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<bool>> {
    const Micros now = clock_.Now();
    const store::Value params[] = {now, std::string(summary_id), who.tenant()};
    ALCOVE_TRY_ASSIGN(
        auto n,
        tx.Execute("UPDATE summaries SET status = 'reviewed', reviewed_at = $1, updated_at = $1 "
                   "WHERE id = $2 AND tenant_id = $3 AND status = 'draft'",
                   params));
    const store::Value q[] = {std::string(summary_id), who.tenant()};
    ALCOVE_TRY_ASSIGN(
        auto rows, tx.Query("SELECT client_id FROM summaries WHERE id = $1 AND tenant_id = $2", q));
    if (rows.empty()) {
      return NotFound("summary");
    }
    if (n != 1) {
      already_reviewed = true;
      return Fail(ErrorCode::kAlreadyExists, "summary already reviewed");  // rolls back nothing
    }
    return Audited<bool>{
        true, AuditNote{audit::Action::kSummaryReviewed, "summary", std::string(summary_id),
                        ClientDetails(rows.front().Text(0))}};
  });
  if (!reviewed && !already_reviewed) {
    return std::unexpected(reviewed.error());
  }
  return GetSummary(who, summary_id, caller);
}

Result<std::int64_t> Practice::DeleteDraftSummaries(store::Transaction& tx, store::TenantId tenant,
                                                   std::span<const std::string> ids) {
  std::int64_t deleted = 0;
  for (const std::string& id : ids) {
    const store::Value params[] = {id, tenant};
    ALCOVE_TRY_ASSIGN(const auto n, tx.Execute("DELETE FROM summaries WHERE id = $1 AND "
                                               "tenant_id = $2 AND status = 'draft'",
                                               params));
    deleted += n;
  }
  return deleted;
}

}  // namespace alcove::practice
