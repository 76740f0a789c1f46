// The client list: search by alias or name, filter by status, pages; practice settings.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "crypto/field_cipher.hpp"
#include "practice/alias.hpp"
#include "practice/internal.hpp"
#include "practice/practice.hpp"
#include "store/ids.hpp"

namespace alcove::practice {

namespace {

// Lower-case ASCII; other bytes (UTF-8 letters) unchanged.
std::string Folded(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Only letters and digits, folded: "J.D. · 2" -> "jd2", "j.d" -> "jd".
std::string Compact(std::string_view s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) != 0 || c >= 0x80) {
      out.push_back(static_cast<char>(std::tolower(c)));
    }
  }
  return out;
}

struct Candidate {
  ClientListItem item;
  std::string initials;
  std::int64_t ordinal = 0;
  crypto::KeyId key = 0;
  std::optional<store::Bytes> name;
  std::optional<store::Bytes> preferred;
};

}  // namespace

Result<bool> Practice::InitialsOnlyIn(store::Transaction& tx, const TherapistScope& who) {
  const store::Value ensure[] = {who.tenant(), clock_.Now()};
  ALCOVE_TRY(tx.Execute("INSERT INTO practice_settings (tenant_id, initials_only, updated_at) "
                        "VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING",
                        ensure));
  const store::Value params[] = {who.tenant()};
  // PostgreSQL: a share lock, so SetSettings waits for this transaction (and then clears
  // what it wrote) or this one sees its commit. SQLite runs one writer at a time.
  const bool postgres = db_.engine() == store::Engine::kPostgres;
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx.Query(postgres ? "SELECT initials_only FROM practice_settings "
                                        "WHERE tenant_id = $1 FOR SHARE"
                                      : "SELECT initials_only FROM practice_settings "
                                        "WHERE tenant_id = $1",
                             params));
  return !rows.empty() && rows.front().Int(0) != 0;
}

Result<PracticeSettings> Practice::GetSettings(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value params[] = {who.tenant()};
  ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT initials_only FROM practice_settings "
                                         "WHERE tenant_id = $1",
                                         params));
  PracticeSettings s;
  if (!rows.empty()) {
    s.initials_only = rows.front().Int(0) != 0;
  }
  return s;
}

Status Practice::SetSettings(const TherapistScope& who, const PracticeSettings& settings,
                             const Caller& caller) {
  ALCOVE_TRY(work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::monostate>> {
    const store::Value params[] = {who.tenant(), settings.initials_only ? 1 : 0, clock_.Now()};
    ALCOVE_TRY(tx.Execute(
        "INSERT INTO practice_settings (tenant_id, initials_only, updated_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (tenant_id) DO UPDATE SET initials_only = $2, updated_at = $3",
        params));
    std::int64_t cleared = 0;
    if (settings.initials_only) {
      const store::Value tenant[] = {who.tenant()};
      ALCOVE_TRY_ASSIGN(cleared,
                        tx.Execute("UPDATE clients SET full_name = NULL, preferred_name = NULL "
                                   "WHERE tenant_id = $1 AND (full_name IS NOT NULL OR "
                                   "preferred_name IS NOT NULL)",
                                   tenant));
    }
    AuditNote note{audit::Action::kRecordUpdated, "practice_settings", "", {}};
    (void)note.details.SetInt("initials_only", settings.initials_only ? 1 : 0);
    (void)note.details.SetInt("names_removed", cleared);
    return Audited<std::monostate>{std::monostate{}, std::move(note)};
  }));
  if (settings.initials_only) {
    // The removed names must not stay in the SQLite WAL either (as for a deletion, C06).
    ALCOVE_TRY(db_.ForgetDeleted());
  }
  return {};
}

Result<ClientPage> Practice::SearchClients(const TherapistScope& who, const ClientQuery& query) {
  if (query.limit < 1 || query.limit > kMaxClientsListed) {
    return Invalid("client page limit out of range", "`limit` must be 1 to 200.");
  }
  if (!query.after.empty() && !store::IsValidId(query.after)) {
    return Invalid("client cursor malformed", "`cursor` is not one this server gave out.");
  }
  if (query.text.size() > 200) {
    return Invalid("client search text too long", "Search for at most 200 characters.");
  }
  std::vector<Candidate> all;
  std::optional<std::pair<std::string, std::int64_t>> after;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    if (!query.after.empty()) {
      const store::Value p[] = {query.after, who.tenant()};
      ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT initials, ordinal FROM clients "
                                             "WHERE id = $1 AND tenant_id = $2",
                                             p));
      if (rows.empty()) {
        return Invalid("client cursor names no client",
                       "That page is no longer there; start from the first page.");
      }
      after.emplace(rows.front().Text(0), rows.front().Int(1));
    }
    std::vector<store::Value> params = {who.tenant()};
    std::string where = "c.tenant_id = $1";
    if (query.status) {
      params.emplace_back(std::string(StatusName(*query.status)));
      where += " AND c.status = $2";
    }
    ALCOVE_TRY_ASSIGN(
        auto rows,
        tx->Query(fmt::format(
                      "SELECT c.id, c.initials, c.ordinal, c.status, c.created_at, "
                      " (SELECT MAX(n.session_date) FROM notes n WHERE n.tenant_id = c.tenant_id "
                      "  AND n.client_id = c.id), c.key_id, c.full_name, c.preferred_name "
                      "FROM clients c WHERE {}",
                      where),
                  params));
    all.reserve(rows.size());
    for (const auto& r : rows) {
      Candidate c;
      c.item = ClientListItem{.id = r.Text(0),
                              .alias = DisplayAlias(r.Text(1), r.Int(2)),
                              .status = StatusFromName(r.Text(3)).value_or(ClientStatus::kActive),
                              .created_at = r.Int(4),
                              .last_session_date = OptText(r, 5)};
      c.initials = r.Text(1);
      c.ordinal = r.Int(2);
      c.key = static_cast<crypto::KeyId>(r.Int(6));
      if (!r.IsNull(7)) {
        c.name = r.Blob(7);
      }
      if (!r.IsNull(8)) {
        c.preferred = r.Blob(8);
      }
      all.push_back(std::move(c));
    }
  }
  // In alias order, the same on both engines (byte order, not a database collation).
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    return std::pair{a.initials, a.ordinal} < std::pair{b.initials, b.ordinal};
  });
  // Outside the transaction: opening a name may need the key ring's database reads.
  const std::string folded = Folded(query.text);
  const std::string compact = Compact(query.text);
  auto matches = [&](const Candidate& c) -> Result<bool> {
    if (folded.empty()) {
      return true;
    }
    if (!compact.empty() && Compact(c.item.alias).starts_with(compact)) {
      return true;
    }
    if (!query.match_names) {
      return false;
    }
    const crypto::FieldCipher cipher(keys_, c.key);
    for (const auto& [sealed, column] :
         {std::pair{&c.name, "full_name"}, std::pair{&c.preferred, "preferred_name"}}) {
      if (!*sealed) {
        continue;
      }
      ALCOVE_TRY_ASSIGN(auto text,
                        cipher.Open(**sealed, {who.tenant(), "clients", column, c.item.id}));
      if (Folded(text.reveal()).find(folded) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  ClientPage page;
  for (auto& c : all) {
    if (after && std::pair{c.initials, c.ordinal} <= *after) {
      continue;
    }
    ALCOVE_TRY_ASSIGN(const bool hit, matches(c));
    if (!hit) {
      continue;
    }
    if (page.clients.size() == query.limit) {
      page.next_after = page.clients.back().id;
      break;
    }
    page.clients.push_back(std::move(c.item));
  }
  ALCOVE_TRY(AddNextAppointments(who, page.clients));
  return page;
}

}  // namespace alcove::practice
