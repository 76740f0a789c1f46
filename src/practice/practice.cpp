#include "practice/practice.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "crypto/field_cipher.hpp"
#include "crypto/sha.hpp"
#include "practice/alias.hpp"
#include "practice/internal.hpp"
#include "store/ids.hpp"

namespace alcove::practice {

namespace {
constexpr std::string_view kSoap[] = {"subjective", "objective", "assessment", "plan"};
constexpr std::string_view kDap[] = {"data", "assessment", "plan"};
constexpr std::string_view kBirp[] = {"behavior", "intervention", "response", "plan"};
constexpr std::string_view kFree[] = {"text"};
}  // namespace

std::string_view StatusName(ClientStatus status) {
  return status == ClientStatus::kActive ? "active" : "archived";
}

std::optional<ClientStatus> StatusFromName(std::string_view name) {
  if (name == "active") {
    return ClientStatus::kActive;
  }
  if (name == "archived") {
    return ClientStatus::kArchived;
  }
  return std::nullopt;
}

std::string_view FormatName(NoteFormat format) {
  switch (format) {
    case NoteFormat::kSoap:
      return "soap";
    case NoteFormat::kDap:
      return "dap";
    case NoteFormat::kBirp:
      return "birp";
    case NoteFormat::kFree:
      return "free";
  }
  return "free";
}

std::optional<NoteFormat> FormatFromName(std::string_view name) {
  for (const auto f : {NoteFormat::kSoap, NoteFormat::kDap, NoteFormat::kBirp, NoteFormat::kFree}) {
    if (FormatName(f) == name) {
      return f;
    }
  }
  return std::nullopt;
}

std::span<const std::string_view> SectionsOf(NoteFormat format) {
  switch (format) {
    case NoteFormat::kSoap:
      return kSoap;
    case NoteFormat::kDap:
      return kDap;
    case NoteFormat::kBirp:
      return kBirp;
    case NoteFormat::kFree:
      return kFree;
  }
  return kFree;
}

std::string_view SummaryStatusName(SummaryStatus status) {
  return status == SummaryStatus::kDraft ? "draft" : "reviewed";
}

Practice::Practice(store::Db& db, crypto::KeyRing& keys, const audit::Log& log, const Clock& clock)
    : db_(db), work_(db, log, clock), keys_(keys), log_(log), clock_(clock) {}

Result<Practice::ClientKey> Practice::LoadClient(store::Transaction& tx, const TherapistScope& who,
                                                 std::string_view client_id) {
  if (!store::IsValidId(client_id)) {
    return NotFound("client");
  }
  const store::Value params[] = {std::string(client_id), who.tenant()};
  ALCOVE_TRY_ASSIGN(
      auto rows, tx.Query("SELECT id, key_id, initials, ordinal, status, created_at FROM clients "
                          "WHERE id = $1 AND tenant_id = $2",
                          params));
  if (rows.empty()) {
    return NotFound("client");
  }
  const store::Row& r = rows.front();
  return ClientKey{.id = r.Text(0),
                   .key_id = static_cast<crypto::KeyId>(r.Int(1)),
                   .initials = r.Text(2),
                   .ordinal = r.Int(3),
                   .status = StatusFromName(r.Text(4)).value_or(ClientStatus::kActive),
                   .created_at = r.Int(5)};
}

Result<std::vector<store::Row>> Practice::QueryTenant(const TherapistScope& who,
                                                      std::string_view sql,
                                                      std::span<const store::Value> params) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  return tx->Query(sql, params);  // read only: the transaction rolls back
}

Status Practice::AuditRead(const TherapistScope& who, const Caller& caller, audit::Action action,
                           std::string_view object_type, std::string_view object_id,
                           std::string_view client_id, std::int64_t count) {
  AuditNote note{action, std::string(object_type), std::string(object_id),
                 ClientDetails(client_id)};
  if (count >= 0) {
    ALCOVE_TRY(note.details.SetInt("count", count));
  }
  return work_.Read(who, caller, note);
}

}  // namespace alcove::practice
