// Clients: create, list, read, change, delete (and their data keys, C06).
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

struct ProfileColumn {
  const char* column;
  std::optional<PhiString> ProfileFields::*field;
  bool multiline;
  const char* words;  // what the field is called on screen
};
constexpr ProfileColumn kProfileColumns[] = {
    {"full_name", &ProfileFields::name, false, "full name"},
    {"preferred_name", &ProfileFields::preferred_name, false, "preferred name"},
    {"email", &ProfileFields::email, false, "email address"},
    {"phone", &ProfileFields::phone, false, "phone number"},
    {"date_of_birth", &ProfileFields::date_of_birth, false, "date of birth"},
    {"notes", &ProfileFields::notes, true, "notes"},
};

// "full_name, preferred_name, email, ..." in kProfileColumns' order.
std::string ProfileColumnList(std::string_view prefix = {}) {
  std::string out;
  for (const auto& col : kProfileColumns) {
    out += out.empty() ? "" : ", ";
    out += prefix;
    out += col.column;
  }
  return out;
}

constexpr std::size_t kMaxNameBytes = 200;

Status ValidateProfile(const ProfileFields& p) {
  if (p.preferred_name && !IsAcceptableText(p.preferred_name->reveal(), kMaxNameBytes, false)) {
    return Invalid("preferred name not acceptable",
                   "The preferred name must be one line of at most 200 characters.");
  }
  for (const auto& col : kProfileColumns) {
    const auto& v = p.*(col.field);
    if (v && !IsAcceptableText(v->reveal(), kMaxProfileFieldBytes, col.multiline)) {
      return Invalid(fmt::format("profile field {} not acceptable", col.column),
                     col.multiline
                         ? fmt::format("The {} may be at most about 600 words long.", col.words)
                         : fmt::format("The {} must be one line of at most about 4,000 "
                                       "characters.",
                                       col.words));
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
  ALCOVE_TRY_ASSIGN(const PracticeSettings settings, GetSettings(who));
  if (settings.initials_only) {
    profile.name.reset();  // nothing of the name is kept, only its initials
    profile.preferred_name.reset();
  } else {
    profile.name = name.Clone();
  }
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
      std::vector<store::Value> params = {id, who.tenant(), initials, ordinal,
                                          static_cast<std::int64_t>(key), now};
      // Checked again here: initials-only may have been turned on since the check above.
      ALCOVE_TRY_ASSIGN(const bool initials_only, InitialsOnlyIn(tx, who));
      std::string placeholders;
      for (std::size_t i = 0; i < sealed.size(); ++i) {
        const bool name_column = kProfileColumns[i].field == &ProfileFields::name ||
                                 kProfileColumns[i].field == &ProfileFields::preferred_name;
        params.push_back(initials_only && name_column ? store::Value(store::Null{}) : sealed[i]);
        placeholders += fmt::format(", ${}", params.size());
      }
      ALCOVE_TRY(tx.Execute(
          fmt::format("INSERT INTO clients (id, tenant_id, initials, ordinal, key_id, status, "
                      "created_at, updated_at, {}) "
                      "VALUES ($1, $2, $3, $4, $5, 'active', $6, $6{})",
                      ProfileColumnList(), placeholders),
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
  ALCOVE_TRY_ASSIGN(const auto sweep, keys_.DestroyOrphans("client", "clients", created_before));
  if (sweep.failed > 0) {
    spdlog::error("sweeping {} orphan client data key(s) failed (retried next time): {}",
                  sweep.failed, sweep.first_error);
  }
  return sweep.destroyed;
}

Result<std::vector<ClientListItem>> Practice::ListClients(const TherapistScope& who) {
  std::vector<ClientListItem> out;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    const store::Value params[] = {who.tenant()};
    ALCOVE_TRY_ASSIGN(
        auto rows,
        tx->Query("SELECT c.id, c.initials, c.ordinal, c.status, c.created_at, "
                  " (SELECT MAX(n.session_date) FROM notes n WHERE n.tenant_id = c.tenant_id AND "
                  "  n.client_id = c.id) "
                  "FROM clients c WHERE c.tenant_id = $1 ORDER BY c.initials, c.ordinal",
                  params));
    out.reserve(rows.size());
    for (const auto& r : rows) {
      out.push_back(
          ClientListItem{.id = r.Text(0),
                         .alias = DisplayAlias(r.Text(1), r.Int(2)),
                         .status = StatusFromName(r.Text(3)).value_or(ClientStatus::kActive),
                         .created_at = r.Int(4),
                         .last_session_date = OptText(r, 5)});
    }
  }  // the extensions read in transactions of their own (one per thread on SQLite)
  ALCOVE_TRY(AddNextAppointments(who, out));
  return out;
}

Result<std::function<std::string(Micros)>> Practice::TimeWords(const TherapistScope& who) {
  for (const auto& e : extensions_) {
    if (e.time_words) {
      return e.time_words(who);
    }
  }
  return std::function<std::string(Micros)>([](Micros t) {
    const std::string s = FormatRfc3339(t);
    return s.substr(0, 10) + " " + s.substr(11, 5) + " UTC";
  });
}

Result<std::string> Practice::LocalDay(const TherapistScope& who, Micros t) {
  for (const auto& e : extensions_) {
    if (e.local_day) {
      return e.local_day(who, t);
    }
  }
  return FormatRfc3339(t).substr(0, 10);
}

Result<std::optional<SessionTime>> Practice::SessionOfAppointment(const TherapistScope& who,
                                                                  std::string_view client_id,
                                                                  std::string_view appointment_id) {
  for (const auto& e : extensions_) {
    if (e.session_of) {
      return e.session_of(who, client_id, appointment_id);
    }
  }
  return std::optional<SessionTime>();
}

Status Practice::AddNextAppointments(const TherapistScope& who, std::span<ClientListItem> items) {
  for (const auto& e : extensions_) {
    if (!e.next_appointments || items.empty()) {
      continue;
    }
    ALCOVE_TRY_ASSIGN(const auto next, e.next_appointments(who));
    for (auto& item : items) {
      if (const auto it = next.find(item.id); it != next.end()) {
        item.next_appointment = it->second;
      }
    }
  }
  return {};
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
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query(fmt::format("SELECT {}, "
                                                       " (SELECT MAX(n.session_date) FROM notes "
                                                       "n WHERE n.tenant_id = $2 AND n.client_id "
                                                       "= $1) "
                                                       "FROM clients WHERE id = $1 AND tenant_id "
                                                       "= $2",
                                                       ProfileColumnList()),
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
                                 .last_session_date = OptText(*row, std::size(kProfileColumns))};
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
  ALCOVE_TRY_ASSIGN(const PracticeSettings settings, GetSettings(who));
  changes.name.reset();  // only through `name`, which also moves the initials
  if (name != nullptr) {
    ALCOVE_TRY_ASSIGN(auto i, InitialsOf(*name));
    initials = std::move(i);
    if (!settings.initials_only) {
      changes.name = name->Clone();
    }
  }
  if (settings.initials_only) {
    changes.preferred_name.reset();
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
        ALCOVE_TRY_ASSIGN(const bool initials_only, InitialsOnlyIn(tx, who));
        for (auto& [column, value] : sets) {
          if (initials_only && (std::string_view(column) == "full_name" ||
                                std::string_view(column) == "preferred_name")) {
            continue;  // turned on since the check above: no name is written
          }
          const store::Value params[] = {std::move(value), now, client.id, who.tenant()};
          ALCOVE_TRY(tx.Execute(fmt::format("UPDATE clients SET {} = $1, updated_at = $2 "
                                            "WHERE id = $3 AND tenant_id = $4",
                                            column),
                                params));
        }
        std::int64_t cancelled = 0;
        if (status) {
          const store::Value params[] = {std::string(StatusName(*status)), now, client.id,
                                         who.tenant()};
          ALCOVE_TRY(tx.Execute(
              "UPDATE clients SET status = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4",
              params));
          // Discharged: what was booked for their future goes (cancelled, kept in the list).
          if (*status == ClientStatus::kArchived) {
            for (const auto& e : extensions_) {
              if (e.archive_rows) {
                ALCOVE_TRY_ASSIGN(const std::int64_t n,
                                  e.archive_rows(tx, who.tenant(), client.id, now));
                cancelled += n;
              }
            }
          }
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
        AuditNote note{audit::Action::kRecordUpdated, "client", std::string(client.id),
                       ClientDetails(client.id)};
        if (cancelled > 0) {
          ALCOVE_TRY(note.details.SetInt("appointments_cancelled", cancelled));
        }
        return Audited<std::monostate>{std::monostate{}, std::move(note)};
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
                   "DELETE FROM note_addenda WHERE tenant_id = $2 AND note_id IN "
                   "(SELECT id FROM notes WHERE client_id = $1 AND tenant_id = $2)",
                   "DELETE FROM drafts WHERE client_id = $1 AND tenant_id = $2",
                   "DELETE FROM notes WHERE client_id = $1 AND tenant_id = $2",
                   "DELETE FROM summaries WHERE client_id = $1 AND tenant_id = $2",
                   "DELETE FROM conceptualizations WHERE client_id = $1 AND tenant_id = $2",
                   "DELETE FROM clients WHERE id = $1 AND tenant_id = $2",
               }) {
            if (std::string_view(sql).starts_with("DELETE FROM clients")) {
              for (const auto& e : extensions_) {  // other modules' rows, same transaction
                if (e.delete_rows) {
                  ALCOVE_TRY(e.delete_rows(tx, who.tenant(), client.id));
                }
              }
            }
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

}  // namespace alcove::practice
