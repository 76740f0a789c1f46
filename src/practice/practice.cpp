#include "practice/practice.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <limits>

#include "core/utf8.hpp"
#include "crypto/field_cipher.hpp"
#include "crypto/sha.hpp"
#include "practice/alias.hpp"
#include "store/ids.hpp"
#include "store/tenant_tables.hpp"

namespace alcove::practice {
namespace {

using crypto::PhiString;
using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::ClientDetails;
using identity::TherapistScope;

// ---------------------------------------------------------------------------------------
// Schema: tenant tables (row-level security on PostgreSQL). Content columns are sealed
// field ciphertexts; the rest are ids, dates, formats, statuses, counters and times.

constexpr std::string_view kClientsSqlite =
    "CREATE TABLE clients ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL,"
    " initials TEXT NOT NULL,"
    " ordinal INTEGER NOT NULL CHECK (ordinal >= 1),"
    " key_id INTEGER NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('active', 'archived')),"
    " email BLOB, phone BLOB, date_of_birth BLOB, notes BLOB,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, initials, ordinal)"
    ") STRICT;"
    "CREATE TABLE notes ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " session_date TEXT NOT NULL,"
    " format TEXT NOT NULL CHECK (format IN ('soap', 'dap', 'birp', 'free')),"
    " version INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX notes_by_client ON notes (tenant_id, client_id, session_date);"
    "CREATE TABLE note_versions ("
    " note_id TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,"
    " tenant_id INTEGER NOT NULL,"
    " version INTEGER NOT NULL,"
    " session_date TEXT NOT NULL,"
    " content BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY (note_id, version)"
    ") STRICT;"
    "CREATE TABLE summaries ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " source_note_id TEXT,"
    " supersedes TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('draft', 'reviewed')),"
    " text BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " reviewed_at INTEGER"
    ") STRICT;"
    "CREATE INDEX summaries_by_client ON summaries (tenant_id, client_id);"
    "CREATE TABLE conceptualizations ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " version INTEGER NOT NULL,"
    " content BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (client_id, version)"
    ") STRICT";

constexpr std::string_view kClientsPostgres =
    "CREATE TABLE clients ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL,"
    " initials TEXT NOT NULL,"
    " ordinal BIGINT NOT NULL CHECK (ordinal >= 1),"
    " key_id BIGINT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('active', 'archived')),"
    " email BYTEA, phone BYTEA, date_of_birth BYTEA, notes BYTEA,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " UNIQUE (tenant_id, initials, ordinal)"
    ");"
    "CREATE TABLE notes ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " session_date TEXT NOT NULL,"
    " format TEXT NOT NULL CHECK (format IN ('soap', 'dap', 'birp', 'free')),"
    " version BIGINT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX notes_by_client ON notes (tenant_id, client_id, session_date);"
    "CREATE TABLE note_versions ("
    " note_id TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,"
    " tenant_id BIGINT NOT NULL,"
    " version BIGINT NOT NULL,"
    " session_date TEXT NOT NULL,"
    " content BYTEA NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " PRIMARY KEY (note_id, version)"
    ");"
    "CREATE TABLE summaries ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " source_note_id TEXT,"
    " supersedes TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('draft', 'reviewed')),"
    " text BYTEA NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " reviewed_at BIGINT"
    ");"
    "CREATE INDEX summaries_by_client ON summaries (tenant_id, client_id);"
    "CREATE TABLE conceptualizations ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " version BIGINT NOT NULL,"
    " content BYTEA NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " UNIQUE (client_id, version)"
    ");";

const std::string& ClientsPostgresWithPolicies() {
  static const std::string sql = [] {
    std::string s(kClientsPostgres);
    for (const char* table :
         {"clients", "notes", "note_versions", "summaries", "conceptualizations"}) {
      s += "\n" + store::TenantTablePolicySql(table);
    }
    return s;
  }();
  return sql;
}

std::span<const store::Migration> MakeMigrations() {
  static const store::Migration migrations[] = {
      {401, "practice_records", kClientsSqlite, ClientsPostgresWithPolicies()},
  };
  return migrations;
}

constexpr std::string_view kSoap[] = {"subjective", "objective", "assessment", "plan"};
constexpr std::string_view kDap[] = {"data", "assessment", "plan"};
constexpr std::string_view kBirp[] = {"behavior", "intervention", "response", "plan"};
constexpr std::string_view kFree[] = {"text"};

std::unexpected<Error> NotFound(std::string_view what) {
  return Fail(ErrorCode::kNotFound, fmt::format("no such {} in this tenant", what),
              fmt::format("No such {}.", what));
}

std::unexpected<Error> Invalid(std::string internal, std::string public_message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(internal), std::move(public_message));
}

// Text a person typed: valid UTF-8, at most `max` bytes, no control characters except
// (when `multiline`) tab, line feed and carriage return.
bool IsAcceptableText(std::string_view text, std::size_t max, bool multiline) {
  if (text.size() > max || !IsValidUtf8(text)) {
    return false;
  }
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      if (!(multiline && (c == '\n' || c == '\r' || c == '\t'))) {
        return false;
      }
    }
  }
  return true;
}

// "YYYY-MM-DD", years 1900-2199, a day that exists.
bool IsDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') {
    return false;
  }
  for (const std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (d[i] < '0' || d[i] > '9') {
      return false;
    }
  }
  const int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  const int m = (d[5] - '0') * 10 + (d[6] - '0');
  const int day = (d[8] - '0') * 10 + (d[9] - '0');
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || day < 1) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
}

void PutU32(std::string& out, std::size_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
}

// Sections as sealed bytes: u32 count, then per section u32 name length, name, u32 text
// length, text (big-endian lengths).
PhiString EncodeSections(const Sections& sections) {
  std::string out;
  std::size_t total = 4;
  for (const auto& [name, text] : sections) {
    total += 8 + name.size() + text.reveal().size();
  }
  out.reserve(total);  // one allocation: no copy of the content is left behind
  PutU32(out, sections.size());
  for (const auto& [name, text] : sections) {
    PutU32(out, name.size());
    out += name;
    PutU32(out, text.reveal().size());
    out += text.reveal();
  }
  return PhiString(std::move(out));
}

Result<Sections> DecodeSections(const PhiString& bytes) {
  const std::string_view s = bytes.reveal();
  std::size_t pos = 0;
  auto u32 = [&](std::size_t& out) {
    if (s.size() - pos < 4) {
      return false;
    }
    out = 0;
    for (int i = 0; i < 4; ++i) {
      out = (out << 8) | static_cast<unsigned char>(s[pos++]);
    }
    return true;
  };
  auto bad = [] { return Fail(ErrorCode::kInternal, "sealed sections do not decode"); };
  std::size_t count = 0;
  if (!u32(count) || count > 16) {
    return bad();
  }
  Sections out;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t n = 0;
    if (!u32(n) || s.size() - pos < n) {
      return bad();
    }
    std::string name(s.substr(pos, n));
    pos += n;
    if (!u32(n) || s.size() - pos < n) {
      return bad();
    }
    out.emplace_back(std::move(name), PhiString(std::string(s.substr(pos, n))));
    pos += n;
  }
  if (pos != s.size()) {
    return bad();
  }
  return out;
}

// `content` checked against `names`: unknown or repeated sections are refused, missing
// ones become empty, the result is in the names' order.
Result<Sections> Normalize(Sections content, std::span<const std::string_view> names,
                           std::string_view what) {
  Sections out;
  for (const auto name : names) {
    out.emplace_back(std::string(name), PhiString(std::string()));
  }
  std::vector<bool> seen(names.size(), false);
  for (auto& [name, text] : content) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      return Invalid(fmt::format("unknown {} section", what),
                     fmt::format("Unknown {} section; expected {}.", what, fmt::join(names, ", ")));
    }
    const auto idx = static_cast<std::size_t>(it - names.begin());
    if (seen[idx]) {
      return Invalid(fmt::format("repeated {} section", what),
                     fmt::format("A {} section appears twice.", what));
    }
    seen[idx] = true;
    if (!IsAcceptableText(text.reveal(), kMaxSectionBytes, true)) {
      return Invalid(fmt::format("{} section not acceptable text", what),
                     fmt::format("Each {} section must be text of at most 64 KiB.", what));
    }
    out[idx].second = std::move(text);
  }
  return out;
}

std::optional<std::string> OptText(const store::Row& row, std::size_t i) {
  return row.IsNull(i) ? std::nullopt : std::optional<std::string>(row.Text(i));
}

}  // namespace

// What the service needs to know about a client to work under it.
struct Practice::ClientKey {
  std::string id;
  crypto::KeyId key_id = 0;
  std::string initials;
  std::int64_t ordinal = 1;
  ClientStatus status = ClientStatus::kActive;
  Micros created_at = 0;
};

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

std::span<const store::Migration> PracticeMigrations() { return MakeMigrations(); }

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

// ---------------------------------------------------------------------------------------
// Clients

namespace {

struct ProfileColumn {
  const char* column;
  std::optional<PhiString> ProfileFields::*field;
  bool multiline;
};
constexpr ProfileColumn kProfileColumns[] = {
    {"email", &ProfileFields::email, false},
    {"phone", &ProfileFields::phone, false},
    {"date_of_birth", &ProfileFields::date_of_birth, false},
    {"notes", &ProfileFields::notes, true},
};

Status ValidateProfile(const ProfileFields& p) {
  for (const auto& col : kProfileColumns) {
    const auto& v = p.*(col.field);
    if (v && !IsAcceptableText(v->reveal(), kMaxProfileFieldBytes, col.multiline)) {
      return Invalid(fmt::format("profile field {} not acceptable", col.column),
                     fmt::format("The {} must be text of at most 4 KiB.", col.column));
    }
  }
  if (p.date_of_birth && !p.date_of_birth->reveal().empty() && !IsDate(p.date_of_birth->reveal())) {
    return Invalid("date_of_birth malformed", "The date of birth must be a date like 1980-04-30.");
  }
  return {};
}

}  // namespace

Result<ClientListItem> Practice::CreateClient(const TherapistScope& who, const PhiString& name,
                                              ProfileFields profile, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto initials, InitialsOf(name));
  ALCOVE_TRY(ValidateProfile(profile));
  ALCOVE_TRY_ASSIGN(auto key, keys_.CreateDek(who.tenant(), "client"));
  const std::string id = store::NewId();
  const crypto::FieldCipher cipher(keys_, key);
  std::vector<store::Value> sealed;
  for (const auto& col : kProfileColumns) {
    const auto& v = profile.*(col.field);
    if (!v || v->reveal().empty()) {
      sealed.emplace_back(store::Null{});
      continue;
    }
    auto ct = cipher.Seal(v->reveal(), {who.tenant(), "clients", col.column, id});
    if (!ct) {
      DiscardUnusedKey(who, key);
      return std::unexpected(ct.error());
    }
    sealed.emplace_back(std::move(*ct));
  }
  auto insert = [&]() -> Result<ClientListItem> {
    return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<ClientListItem>> {
      const store::Value q[] = {who.tenant(), initials};
      ALCOVE_TRY_ASSIGN(auto next, tx.Query("SELECT COALESCE(MAX(ordinal), 0) + 1 FROM clients "
                                            "WHERE tenant_id = $1 AND initials = $2",
                                            q));
      const std::int64_t ordinal = next.front().Int(0);
      const Micros now = clock_.Now();
      const store::Value params[] = {
          id,        who.tenant(), initials,  ordinal,   static_cast<std::int64_t>(key),
          sealed[0], sealed[1],    sealed[2], sealed[3], now};
      ALCOVE_TRY(tx.Execute(
          "INSERT INTO clients (id, tenant_id, initials, ordinal, key_id, status, email, phone, "
          "date_of_birth, notes, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $10)",
          params));
      return Audited<ClientListItem>{
          ClientListItem{.id = id,
                         .alias = DisplayAlias(initials, ordinal),
                         .status = ClientStatus::kActive,
                         .created_at = now,
                         .last_session_date = std::nullopt},
          AuditNote{audit::Action::kRecordCreated, "client", std::string(id), ClientDetails(id)}};
    });
  };
  auto created = insert();
  if (!created && created.error().code == ErrorCode::kConflict) {
    created = insert();  // a concurrent client took the same ordinal: take the next
  }
  if (!created) {
    DiscardUnusedKey(who, key);
  }
  return created;
}

void Practice::DiscardUnusedKey(const TherapistScope& who, crypto::KeyId key) {
  // The key sealed nothing that was stored; if it cannot go now, SweepOrphanKeys takes it.
  if (auto st = keys_.DestroyDek(who.tenant(), key); !st) {
    spdlog::error("an unused client data key {} was not destroyed (the sweeper retries): {}", key,
                  st.error().internal);
  }
}

Result<std::int64_t> Practice::SweepOrphanKeys(Micros created_before) {
  // The tenants holding client keys: data_keys is the key ring's table, not a row-level-
  // security table. Each tenant's check then runs in that tenant's own transaction, so
  // on PostgreSQL the clients it compares against are visible (RLS), never all hidden.
  std::vector<store::TenantId> tenants;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    const store::Value params[] = {created_before};
    ALCOVE_TRY_ASSIGN(const auto rows,
                      tx->Query("SELECT DISTINCT tenant_id FROM data_keys WHERE purpose = "
                                "'client' AND tenant_id > 0 AND created_at < $1",
                                params));
    for (const auto& r : rows) {
      tenants.push_back(r.Int(0));
    }
  }
  std::int64_t destroyed = 0;
  for (const store::TenantId tenant : tenants) {
    std::vector<crypto::KeyId> orphans;
    {
      ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
      const store::Value params[] = {tenant, created_before};
      ALCOVE_TRY_ASSIGN(
          const auto rows,
          tx->Query("SELECT DISTINCT d.family FROM data_keys d WHERE d.tenant_id = $1 AND "
                    "d.purpose = 'client' AND d.created_at < $2 AND NOT EXISTS (SELECT 1 FROM "
                    "clients c WHERE c.tenant_id = $1 AND c.key_id = d.family)",
                    params));
      for (const auto& r : rows) {
        orphans.push_back(static_cast<crypto::KeyId>(r.Int(0)));
      }
    }
    for (const crypto::KeyId key : orphans) {
      if (auto st = keys_.DestroyDek(tenant, key); !st && st.error().code != ErrorCode::kNotFound) {
        spdlog::error("sweeping an orphan client data key {} failed (retried next time): {}", key,
                      st.error().internal);
        continue;
      }
      ++destroyed;
    }
  }
  return destroyed;
}

Result<std::vector<ClientListItem>> Practice::ListClients(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value params[] = {who.tenant()};
  ALCOVE_TRY_ASSIGN(
      auto rows,
      tx->Query("SELECT c.id, c.initials, c.ordinal, c.status, c.created_at, "
                " (SELECT MAX(n.session_date) FROM notes n WHERE n.tenant_id = c.tenant_id AND "
                "  n.client_id = c.id) "
                "FROM clients c WHERE c.tenant_id = $1 ORDER BY c.initials, c.ordinal",
                params));
  std::vector<ClientListItem> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back(
        ClientListItem{.id = r.Text(0),
                       .alias = DisplayAlias(r.Text(1), r.Int(2)),
                       .status = StatusFromName(r.Text(3)).value_or(ClientStatus::kActive),
                       .created_at = r.Int(4),
                       .last_session_date = OptText(r, 5)});
  }
  return out;
}

Result<ClientRecord> Practice::GetClient(const TherapistScope& who, std::string_view client_id,
                                         const Caller& caller) {
  ALCOVE_TRY_ASSIGN(ClientRecord record, LoadRecord(who, client_id));
  ALCOVE_TRY(AuditRead(who, caller, audit::Action::kRecordAccessed, "client", record.client.id,
                       record.client.id, -1));
  return record;
}

Result<ClientListItem> Practice::GetClientInfo(const TherapistScope& who,
                                               std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(const ClientKey c, LoadClient(*tx, who, client_id));
  return ClientListItem{.id = c.id,
                        .alias = DisplayAlias(c.initials, c.ordinal),
                        .status = c.status,
                        .created_at = c.created_at,
                        .last_session_date = std::nullopt};
}

Result<ClientRecord> Practice::LoadRecord(const TherapistScope& who, std::string_view client_id) {
  // Read in a transaction, decrypt after it (the key ring may need the database itself).
  std::optional<ClientKey> client;
  std::optional<store::Row> row;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto c, LoadClient(*tx, who, client_id));
    client = std::move(c);
    const store::Value params[] = {client->id, who.tenant()};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT email, phone, date_of_birth, notes, "
                                           " (SELECT MAX(n.session_date) FROM notes n WHERE "
                                           "n.tenant_id = $2 AND n.client_id = $1) "
                                           "FROM clients WHERE id = $1 AND tenant_id = $2",
                                           params));
    if (rows.empty()) {
      return NotFound("client");
    }
    row = std::move(rows.front());
  }
  ClientRecord record;
  const crypto::FieldCipher cipher(keys_, client->key_id);
  for (std::size_t i = 0; i < std::size(kProfileColumns); ++i) {
    const auto& col = kProfileColumns[i];
    if (row->IsNull(i)) {
      continue;
    }
    auto text = cipher.Open(row->Blob(i), {who.tenant(), "clients", col.column, client->id});
    if (!text) {
      return std::unexpected(text.error());
    }
    record.profile.*(col.field) = std::move(*text);
  }
  record.client = ClientListItem{.id = client->id,
                                 .alias = DisplayAlias(client->initials, client->ordinal),
                                 .status = client->status,
                                 .created_at = client->created_at,
                                 .last_session_date = OptText(*row, 4)};
  return record;
}

Result<crypto::KeyId> Practice::ClientKeyOf(const TherapistScope& who, std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto client, LoadClient(*tx, who, client_id));
  return client.key_id;
}

Status Practice::UpdateClient(const TherapistScope& who, std::string_view client_id,
                              const PhiString* name, ProfileFields changes,
                              std::optional<ClientStatus> status, const Caller& caller) {
  std::optional<std::string> initials;
  if (name != nullptr) {
    ALCOVE_TRY_ASSIGN(auto i, InitialsOf(*name));
    initials = std::move(i);
  }
  ALCOVE_TRY(ValidateProfile(changes));
  ALCOVE_TRY_ASSIGN(auto key, ClientKeyOf(who, client_id));
  // Seal outside the write transaction (sealing may reserve seals in the database).
  const crypto::FieldCipher cipher(keys_, key);
  std::vector<std::pair<const char*, store::Value>> sets;
  for (const auto& col : kProfileColumns) {
    const auto& v = changes.*(col.field);
    if (!v) {
      continue;
    }
    store::Value value = store::Null{};
    if (!v->reveal().empty()) {
      auto ct =
          cipher.Seal(v->reveal(), {who.tenant(), "clients", col.column, std::string(client_id)});
      if (!ct) {
        return std::unexpected(ct.error());
      }
      value = std::move(*ct);
    }
    sets.emplace_back(col.column, std::move(value));
  }
  ALCOVE_TRY(
      work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::monostate>> {
        ALCOVE_TRY_ASSIGN(auto client, LoadClient(tx, who, client_id));
        const Micros now = clock_.Now();
        for (auto& [column, value] : sets) {
          const store::Value params[] = {std::move(value), now, client.id, who.tenant()};
          ALCOVE_TRY(tx.Execute(fmt::format("UPDATE clients SET {} = $1, updated_at = $2 "
                                            "WHERE id = $3 AND tenant_id = $4",
                                            column),
                                params));
        }
        if (status) {
          const store::Value params[] = {std::string(StatusName(*status)), now, client.id,
                                         who.tenant()};
          ALCOVE_TRY(tx.Execute(
              "UPDATE clients SET status = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4",
              params));
        }
        if (initials && *initials != client.initials) {
          const store::Value q[] = {who.tenant(), *initials};
          ALCOVE_TRY_ASSIGN(auto next, tx.Query("SELECT COALESCE(MAX(ordinal), 0) + 1 FROM clients "
                                                "WHERE tenant_id = $1 AND initials = $2",
                                                q));
          const store::Value params[] = {*initials, next.front().Int(0), now, client.id,
                                         who.tenant()};
          ALCOVE_TRY(
              tx.Execute("UPDATE clients SET initials = $1, ordinal = $2, updated_at = $3 "
                         "WHERE id = $4 AND tenant_id = $5",
                         params));
        }
        return Audited<std::monostate>{std::monostate{},
                                       AuditNote{audit::Action::kRecordUpdated, "client",
                                                 std::string(client.id), ClientDetails(client.id)}};
      }));
  return {};
}

Status Practice::DeleteClient(const TherapistScope& who, std::string_view client_id,
                              const Caller& caller) {
  crypto::KeyId key = 0;
  {
    ALCOVE_TRY(
        work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::monostate>> {
          ALCOVE_TRY_ASSIGN(auto client, LoadClient(tx, who, client_id));
          key = client.key_id;
          const store::Value params[] = {client.id, who.tenant()};
          // Children first: the foreign keys cascade too, but saying it keeps both engines equal.
          for (const char* sql : {
                   "DELETE FROM note_versions WHERE tenant_id = $2 AND note_id IN "
                   "(SELECT id FROM notes WHERE client_id = $1 AND tenant_id = $2)",
                   "DELETE FROM notes WHERE client_id = $1 AND tenant_id = $2",
                   "DELETE FROM summaries WHERE client_id = $1 AND tenant_id = $2",
                   "DELETE FROM conceptualizations WHERE client_id = $1 AND tenant_id = $2",
                   "DELETE FROM clients WHERE id = $1 AND tenant_id = $2",
               }) {
            ALCOVE_TRY(tx.Execute(sql, params));
          }
          return Audited<std::monostate>{
              std::monostate{}, AuditNote{audit::Action::kRecordDeleted, "client",
                                          std::string(client.id), ClientDetails(client.id)}};
        }));
  }
  // Crypto-shredding (C06): the rows are gone; now the key that could read any copy of
  // them (a backup, a WAL remnant) goes too.
  if (auto st = keys_.DestroyDek(who.tenant(), key); !st) {
    spdlog::error("client deleted but its data key {} was not destroyed: {}", key,
                  st.error().internal);
    return st;
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Notes

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

// ---------------------------------------------------------------------------------------
// Summaries

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
  if (!IsAcceptableText(text.reveal(), kMaxSectionBytes, true)) {
    return Invalid("summary text not acceptable", "The summary must be text of at most 64 KiB.");
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
    return Audited<Summary>{Summary{.id = id,
                                    .client_id = client.id,
                                    .source_note_id = std::move(source_note_id),
                                    .supersedes = std::nullopt,
                                    .status = SummaryStatus::kDraft,
                                    .created_at = now,
                                    .updated_at = now,
                                    .reviewed_at = std::nullopt,
                                    .text = PhiString(std::string(text.reveal()))},
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
    return Invalid("summary text not acceptable", "The summary must be text of at most 64 KiB.");
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

// ---------------------------------------------------------------------------------------
// Conceptualizations

Result<Conceptualization> Practice::CreateConceptualization(const TherapistScope& who,
                                                            std::string_view client_id,
                                                            Sections fields, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto sections,
                    Normalize(std::move(fields), kConceptualizationFields, "conceptualization"));
  ALCOVE_TRY_ASSIGN(auto key, ClientKeyOf(who, client_id));
  Conceptualization c{.id = store::NewId(),
                      .client_id = std::string(client_id),
                      .version = 1,
                      .created_at = clock_.Now(),
                      .fields = {}};
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed = cipher.Seal(EncodeSections(sections).reveal(),
                            {who.tenant(), "conceptualizations", "content", c.id});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  c.fields = std::move(sections);
  return work_.Write(
      who, caller, [&](store::Transaction& tx) -> Result<Audited<Conceptualization>> {
        ALCOVE_TRY(LoadClient(tx, who, client_id));
        const store::Value q[] = {c.client_id, who.tenant()};
        ALCOVE_TRY_ASSIGN(auto next, tx.Query("SELECT COALESCE(MAX(version), 0) + 1 FROM "
                                              "conceptualizations WHERE client_id = $1 AND "
                                              "tenant_id = $2",
                                              q));
        c.version = next.front().Int(0);
        const store::Value params[] = {c.id,      who.tenant(),       c.client_id,
                                       c.version, std::move(*sealed), c.created_at};
        ALCOVE_TRY(
            tx.Execute("INSERT INTO conceptualizations (id, tenant_id, client_id, version, "
                       "content, created_at) "
                       "VALUES ($1, $2, $3, $4, $5, $6)",
                       params));
        AuditNote note{audit::Action::kRecordCreated, "conceptualization", c.id,
                       ClientDetails(c.client_id)};
        return Audited<Conceptualization>{std::move(c), std::move(note)};
      });
}

Result<std::vector<Conceptualization>> Practice::ListConceptualizations(const TherapistScope& who,
                                                                        std::string_view client_id,
                                                                        const Caller& caller) {
  ALCOVE_TRY_ASSIGN(std::vector<Conceptualization> out, LoadConceptualizations(who, client_id));
  ALCOVE_TRY(AuditRead(who, caller, audit::Action::kRecordAccessed, "conceptualizations", client_id,
                       client_id, static_cast<std::int64_t>(out.size())));
  return out;
}

Result<std::vector<Conceptualization>> Practice::LoadConceptualizations(
    const TherapistScope& who, std::string_view client_id) {
  std::vector<store::Row> rows;
  std::string id;
  crypto::KeyId key = 0;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto client, LoadClient(*tx, who, client_id));
    id = client.id;
    key = client.key_id;
    const store::Value params[] = {client.id, who.tenant()};
    ALCOVE_TRY_ASSIGN(
        auto r,
        tx->Query(
            "SELECT id, version, created_at, content FROM conceptualizations WHERE client_id = $1 "
            "AND tenant_id = $2 ORDER BY version DESC",
            params));
    rows = std::move(r);
  }
  std::vector<Conceptualization> out;
  const crypto::FieldCipher cipher(keys_, key);
  for (const auto& r : rows) {
    Conceptualization c{.id = r.Text(0),
                        .client_id = id,
                        .version = r.Int(1),
                        .created_at = r.Int(2),
                        .fields = {}};
    auto plain = cipher.Open(r.Blob(3), {who.tenant(), "conceptualizations", "content", c.id});
    if (!plain) {
      return std::unexpected(plain.error());
    }
    ALCOVE_TRY_ASSIGN(auto sections, DecodeSections(*plain));
    c.fields = std::move(sections);
    out.push_back(std::move(c));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Export

Result<ClientExport> Practice::ExportClient(const TherapistScope& who, std::string_view client_id,
                                            const Caller& caller) {
  // Everything is read first (every note: no limit), then one export event is committed
  // before anything is returned (C40).
  ClientExport out;
  ALCOVE_TRY_ASSIGN(out.record, LoadRecord(who, client_id));
  ALCOVE_TRY_ASSIGN(out.notes, LoadNotes(who, out.record.client.id, std::nullopt));
  ALCOVE_TRY_ASSIGN(out.summaries, LoadSummaries(who, out.record.client.id));
  ALCOVE_TRY_ASSIGN(out.conceptualizations, LoadConceptualizations(who, out.record.client.id));
  ALCOVE_TRY(AuditShown(who, caller, audit::Action::kRecordExported, out.record.client.id,
                        out.notes, out.summaries, out.conceptualizations));
  return out;
}

Result<ClientOverview> Practice::GetClientOverview(const TherapistScope& who,
                                                   std::string_view client_id,
                                                   std::size_t notes_limit, const Caller& caller) {
  ClientOverview out;
  ALCOVE_TRY_ASSIGN(out.record, LoadRecord(who, client_id));
  ALCOVE_TRY_ASSIGN(out.notes, LoadNotes(who, out.record.client.id,
                                         std::clamp<std::size_t>(notes_limit, 1, kMaxNotesListed)));
  ALCOVE_TRY_ASSIGN(out.summaries, LoadSummaries(who, out.record.client.id));
  ALCOVE_TRY_ASSIGN(out.conceptualizations, LoadConceptualizations(who, out.record.client.id));
  ALCOVE_TRY(AuditShown(who, caller, audit::Action::kRecordAccessed, out.record.client.id,
                        out.notes, out.summaries, out.conceptualizations));
  return out;
}

Status Practice::AuditShown(const TherapistScope& who, const Caller& caller, audit::Action action,
                            std::string_view client_id, std::span<const Note> notes,
                            std::span<const Summary> summaries,
                            std::span<const Conceptualization> concepts) {
  // One event for everything shown: how many of each, and the SHA-256 of the ids shown
  // ("n:<id>,s:<id>,c:<id>,..." in the order shown), so an auditor holding the database
  // can tell exactly which objects the answer held. Ids only (C43).
  std::string shown;
  for (const auto& n : notes) {
    shown += "n:" + n.info.id + ",";
  }
  for (const auto& s : summaries) {
    shown += "s:" + s.id + ",";
  }
  for (const auto& c : concepts) {
    shown += "c:" + c.id + ",";
  }
  AuditNote note{action, "client", std::string(client_id), ClientDetails(client_id)};
  audit::Details& d = note.details;
  ALCOVE_TRY(d.SetInt("notes", static_cast<std::int64_t>(notes.size())));
  ALCOVE_TRY(d.SetInt("summaries", static_cast<std::int64_t>(summaries.size())));
  ALCOVE_TRY(d.SetInt("conceptualizations", static_cast<std::int64_t>(concepts.size())));
  ALCOVE_TRY(d.SetHash("shown", crypto::Sha256(shown)));
  return work_.Read(who, caller, note);
}

}  // namespace alcove::practice
