// CSV import (C52; docs/hours-import.md): parse in memory, stage sealed under a key of
// the import's own for 15 minutes, confirm in one transaction, destroy the key.
//
// Key-ring calls (CreateDek, Seal, Open, DestroyDek) may read the database, so each runs
// with no transaction open on this thread: the key before the staging write, the blob
// opened before the confirmation's transaction, the key destroyed after its commit.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "crypto/field_cipher.hpp"
#include "hours/csv.hpp"
#include "hours/hours.hpp"
#include "hours/import_blob.hpp"
#include "hours/internal.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

using identity::AuditedEach;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

namespace {

constexpr std::string_view kPurpose = "hours-import";
constexpr std::string_view kTable = "hours_imports";
// Keys of the purpose older than a lifetime and this, with no staging row, are left
// over from a write or a destruction that failed.
constexpr Micros kOrphanMargin = 60 * kMicrosPerSecond;

crypto::Place PlaceOf(store::TenantId tenant, const std::string& id) {
  return crypto::Place{tenant, kTable, "sealed", id};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// A service message ("The date cannot be after today.") as the tail of a row error.
std::string AsRowWords(int row, std::string_view message) {
  std::string words(message);
  if (!words.empty() && words.back() == '.') {
    words.pop_back();
  }
  if (!words.empty() && words.front() >= 'A' && words.front() <= 'Z') {
    words.front() = static_cast<char>(words.front() - 'A' + 'a');
  }
  return "row " + std::to_string(row) + ": " + words;
}

// The settings a file's names resolve to: existing ones (compared without ASCII case),
// and the names that would be new (the first spelling of each).
struct SettingNames {
  std::map<std::string, std::string> id_of;  // lower-cased name -> id
  std::vector<std::string> fresh;            // new names, in order of first use
};
SettingNames ResolveNames(std::span<const Setting> settings, std::span<const ImportRow> rows) {
  SettingNames out;
  for (const Setting& s : settings) {
    out.id_of.emplace(Lower(s.name), s.id);
  }
  std::set<std::string> seen;
  for (const ImportRow& r : rows) {
    if (r.setting.empty()) {
      continue;
    }
    const std::string key = Lower(r.setting);
    if (!out.id_of.contains(key) && seen.insert(key).second) {
      out.fresh.push_back(r.setting);
    }
  }
  return out;
}

struct StagedRow {
  std::string id;
  crypto::KeyId key = 0;
  std::vector<std::uint8_t> sealed;
  Micros expires_at = 0;
};

Result<std::optional<StagedRow>> LoadStaged(store::Transaction& tx, store::TenantId tenant,
                                            std::string_view id) {
  const store::Value p[] = {tenant, std::string(id)};
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query("SELECT key_id, sealed, expires_at FROM hours_imports "
                                        "WHERE tenant_id = $1 AND id = $2",
                                        p));
  if (rows.empty()) {
    return std::nullopt;
  }
  return StagedRow{std::string(id), static_cast<crypto::KeyId>(rows.front().Int(0)),
                   rows.front().Blob(1), rows.front().Int(2)};
}

std::unexpected<Error> ImportGone() {
  return Fail(ErrorCode::kNotFound, "no such import in this tenant (or expired)",
              "This import is no longer there: it was confirmed, cancelled, or is more than "
              "15 minutes old. Upload the file again.");
}

}  // namespace

// The key goes first: once it is destroyed the row is unreadable wherever it still lies
// (another file, a backup), and deleting it is housekeeping.
Status Hours::DestroyStaged(store::TenantId tenant, std::string_view id, crypto::KeyId key) {
  if (auto st = keys_.DestroyDek(tenant, key); !st && st.error().code != ErrorCode::kNotFound) {
    return st;
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
  const store::Value p[] = {tenant, std::string(id)};
  ALCOVE_TRY(tx->Execute("DELETE FROM hours_imports WHERE tenant_id = $1 AND id = $2", p));
  return tx->Commit();
}

Result<ImportPreview> Hours::StartImport(const TherapistScope& who, const crypto::PhiString& csv,
                                         const ColumnMapping& mapping,
                                         std::optional<std::string> default_setting_id,
                                         const Caller& caller) {
  std::vector<Setting> settings;
  std::map<std::pair<std::string, Day>, WeekStatus> closed_weeks;  // (setting, Monday)
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY(internal::RequireProfile(*tx, who.tenant()));
    ALCOVE_TRY_ASSIGN(settings, internal::LoadSettings(*tx, who.tenant()));
    ALCOVE_TRY_ASSIGN(auto weeks, internal::LoadWeeks(*tx, who.tenant(),
                                                      "status IN ('submitted', 'signed')", {}));
    for (const auto& w : weeks) {
      closed_weeks.emplace(std::make_pair(w.setting_id, w.week_start), w.status);
    }
  }
  std::string default_id;
  if (default_setting_id && !default_setting_id->empty()) {
    const auto it = std::find_if(settings.begin(), settings.end(),
                                 [&](const Setting& s) { return s.id == *default_setting_id; });
    if (it == settings.end()) {
      return internal::NotFound("work setting");
    }
    default_id = it->id;
  }
  ALCOVE_TRY_ASSIGN(const Day today, Today(who));
  ALCOVE_TRY_ASSIGN(ParsedCsv parsed, ParseImportCsv(csv, mapping));

  ImportPreview preview;
  preview.headers = std::move(parsed.headers);
  preview.mapping = std::move(parsed.mapping);
  preview.missing = std::move(parsed.missing);
  if (default_id.empty() && settings.size() == 1) {
    default_id = settings.front().id;  // the only one there is
  }
  if (default_id.empty() && !preview.mapping.contains("setting")) {
    preview.missing.emplace_back("setting");  // no column, and no setting to default to
  }
  if (!preview.missing.empty()) {
    return preview;  // nothing read, nothing staged: the mapping form asks
  }

  // The service's own checks, now, so that the preview shows every row that the
  // confirmation would refuse.
  const SettingNames names = ResolveNames(settings, parsed.rows);
  std::map<std::string, std::string> name_of;  // id -> name
  for (const Setting& s : settings) {
    name_of.emplace(s.id, s.name);
  }
  StagedImport staged;
  staged.default_setting_id = default_id;
  staged.errors = std::move(parsed.errors);
  for (ImportRow& r : parsed.rows) {
    std::string setting_id = default_id;
    if (!r.setting.empty()) {
      const auto it = names.id_of.find(Lower(r.setting));
      setting_id = it == names.id_of.end() ? "new" : it->second;
    }
    std::optional<std::string> error;
    if (setting_id.empty()) {
      error = "row " + std::to_string(r.row) +
              ": the work setting is empty (fill it in, or choose a work setting for rows "
              "without one)";
    } else {
      NewSession s{.date = r.date,
                   .minutes = r.minutes,
                   .category = r.category,
                   .setting_id = setting_id,
                   .pre_degree = r.pre_degree,
                   .telehealth = r.telehealth,
                   .video = r.video,
                   .group_size = r.group_size};
      if (auto e = CheckSession(s, today)) {
        error = AsRowWords(r.row, e->message);
      } else if (const auto w = closed_weeks.find({setting_id, WeekStart(r.date)});
                 w != closed_weeks.end()) {
        error = "row " + std::to_string(r.row) + ": the week of " + DayText(w->first.second) +
                " at " + name_of[setting_id] +
                (w->second == WeekStatus::kSigned
                     ? " is signed; a change to it is an amendment, made by hand"
                     : " is submitted to your supervisor; withdraw it first");
      }
    }
    if (error) {
      staged.errors.push_back(ImportError{r.row, std::move(*error)});
    } else {
      staged.rows.push_back(std::move(r));
    }
  }
  std::sort(staged.errors.begin(), staged.errors.end(),
            [](const ImportError& a, const ImportError& b) { return a.row < b.row; });
  staged.headers = preview.headers;
  staged.mapping = preview.mapping;

  // The key before the write; sealed before the write as well.
  const std::string id = store::NewId();
  ALCOVE_TRY_ASSIGN(const crypto::KeyId key, keys_.CreateDek(who.tenant(), kPurpose));
  auto discard = [&] {
    if (auto st = keys_.DestroyDek(who.tenant(), key); !st) {
      spdlog::error("an unused import data key {} was not destroyed (the sweeper retries): {}",
                    key, st.error().internal);
    }
  };
  std::vector<std::uint8_t> sealed;
  {
    const crypto::PhiString plain(EncodeStagedImport(staged));
    auto ct = crypto::FieldCipher(keys_, key).Seal(plain.reveal(), PlaceOf(who.tenant(), id));
    if (!ct) {
      discard();
      return std::unexpected(ct.error());
    }
    sealed = std::move(*ct);
  }
  const Micros now = clock_.Now();
  auto written = work_.Write(who, caller, [&](store::Transaction& tx)
                                              -> Result<identity::Audited<bool>> {
    const store::Value p[] = {id, who.tenant(), static_cast<std::int64_t>(key), sealed, now,
                              now + kImportLifetime};
    ALCOVE_TRY(tx.Execute("INSERT INTO hours_imports (id, tenant_id, key_id, sealed, created_at, "
                          "expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                          p));
    audit::Details d;
    ALCOVE_TRY(d.SetInt("rows", static_cast<std::int64_t>(staged.rows.size())));
    ALCOVE_TRY(d.SetInt("errors", static_cast<std::int64_t>(staged.errors.size())));
    ALCOVE_TRY(d.SetInt("new_settings", static_cast<std::int64_t>(names.fresh.size())));
    return identity::Audited<bool>{
        true, AuditNote{audit::Action::kCsvImportStarted, "csv_import", id, std::move(d)}};
  });
  if (!written) {
    discard();
    return std::unexpected(written.error());
  }
  preview.id = id;
  preview.rows = std::move(staged.rows);
  preview.errors = std::move(staged.errors);
  preview.new_settings = names.fresh;
  preview.expires_at = now + kImportLifetime;
  return preview;
}

Result<StagedImport> Hours::OpenStaged(const TherapistScope& who, std::string_view id,
                                       crypto::KeyId* key, Micros* expires_at) {
  if (!store::IsValidId(id)) {
    return ImportGone();
  }
  std::optional<StagedRow> row;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(row, LoadStaged(*tx, who.tenant(), id));
  }
  if (!row) {
    return ImportGone();
  }
  if (row->expires_at <= clock_.Now()) {
    // The check at read time: an expired import goes now, whatever the sweeper does.
    if (auto st = DestroyStaged(who.tenant(), row->id, row->key); !st) {
      spdlog::error("destroying an expired import failed (the sweeper retries): {}",
                    st.error().internal);
    }
    return ImportGone();
  }
  ALCOVE_TRY_ASSIGN(auto plain, crypto::FieldCipher(keys_, row->key)
                                    .Open(row->sealed, PlaceOf(who.tenant(), row->id)));
  ALCOVE_TRY_ASSIGN(auto staged, DecodeStagedImport(plain.reveal()));
  *key = row->key;
  *expires_at = row->expires_at;
  return staged;
}

Result<ImportPreview> Hours::GetImport(const TherapistScope& who, std::string_view id) {
  crypto::KeyId key = 0;
  Micros expires_at = 0;
  ALCOVE_TRY_ASSIGN(StagedImport staged, OpenStaged(who, id, &key, &expires_at));
  ALCOVE_TRY_ASSIGN(const auto settings, ListSettings(who));
  ImportPreview p;
  p.id = std::string(id);
  p.new_settings = ResolveNames(settings, staged.rows).fresh;
  p.rows = std::move(staged.rows);
  p.errors = std::move(staged.errors);
  p.headers = std::move(staged.headers);
  p.mapping = std::move(staged.mapping);
  p.expires_at = expires_at;
  return p;
}

Result<std::int64_t> Hours::ConfirmImport(const TherapistScope& who, std::string_view id,
                                          const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const Day today, Today(who));
  crypto::KeyId key = 0;
  Micros expires_at = 0;
  ALCOVE_TRY_ASSIGN(const StagedImport staged, OpenStaged(who, id, &key, &expires_at));
  if (!staged.errors.empty()) {
    return Fail(ErrorCode::kFailedPrecondition, "import has rows with errors",
                "Some rows have errors, so nothing was imported. Correct them in the file and "
                "upload it again.");
  }
  const std::int64_t count = static_cast<std::int64_t>(staged.rows.size());
  auto done = work_.WriteEach(who, caller, [&](store::Transaction& tx)
                                               -> Result<AuditedEach<std::int64_t>> {
    // Claims the import first: a second confirmation, a cancellation or the sweeper that
    // got there before finds nothing (and this one then finds nothing to delete).
    const Micros now = clock_.Now();
    const store::Value claim[] = {who.tenant(), std::string(id), now};
    ALCOVE_TRY_ASSIGN(const auto claimed,
                      tx.Execute("DELETE FROM hours_imports WHERE tenant_id = $1 AND id = $2 "
                                 "AND expires_at > $3",
                                 claim));
    if (claimed != 1) {
      return ImportGone();
    }
    ALCOVE_TRY_ASSIGN(const auto settings, internal::LoadSettings(tx, who.tenant()));
    SettingNames names = ResolveNames(settings, staged.rows);
    std::vector<AuditNote> notes;
    for (const std::string& name : names.fresh) {
      const std::string setting_id = store::NewId();
      const store::Value p[] = {setting_id, who.tenant(), name, now};
      ALCOVE_TRY(tx.Execute("INSERT INTO hours_settings (id, tenant_id, name, exempt, "
                            "supervisor_license, created_at, updated_at) VALUES "
                            "($1, $2, $3, 0, 'unknown', $4, $4)",
                            p));
      names.id_of.emplace(Lower(name), setting_id);
      audit::Details d;
      ALCOVE_TRY(d.SetInt("exempt", 0));
      ALCOVE_TRY(d.SetToken("supervisor_license", "unknown"));
      notes.push_back(AuditNote{audit::Action::kRecordCreated, "hours_setting", setting_id, d});
    }
    std::vector<NewSession> sessions;
    sessions.reserve(staged.rows.size());
    for (const ImportRow& r : staged.rows) {
      const std::string setting_id =
          r.setting.empty() ? staged.default_setting_id : names.id_of.at(Lower(r.setting));
      sessions.push_back(NewSession{.date = r.date,
                                    .minutes = r.minutes,
                                    .category = r.category,
                                    .setting_id = setting_id,
                                    .pre_degree = r.pre_degree,
                                    .telehealth = r.telehealth,
                                    .video = r.video,
                                    .group_size = r.group_size,
                                    .client_name = crypto::PhiString(std::string(r.alias))});
    }
    ALCOVE_TRY_ASSIGN(auto inserted,
                      internal::InsertSessions(tx, who.tenant(), sessions, {}, today, now));
    for (auto& n : inserted.notes) {
      notes.push_back(std::move(n));
    }
    audit::Details d;
    ALCOVE_TRY(d.SetToken("outcome", "confirmed"));
    ALCOVE_TRY(d.SetInt("created", count));
    ALCOVE_TRY(d.SetInt("new_settings", static_cast<std::int64_t>(names.fresh.size())));
    notes.push_back(
        AuditNote{audit::Action::kCsvImportCompleted, "csv_import", std::string(id), d});
    return AuditedEach<std::int64_t>{count, std::move(notes)};
  });
  if (!done) {
    return std::unexpected(done.error());
  }
  if (auto st = keys_.DestroyDek(who.tenant(), key); !st) {
    spdlog::error("the data key of a confirmed import was not destroyed (the sweeper "
                  "retries): {}",
                  st.error().internal);
  }
  return *done;
}

Status Hours::CancelImport(const TherapistScope& who, std::string_view id, const Caller& caller) {
  if (!store::IsValidId(id)) {
    return ImportGone();
  }
  const Micros now = clock_.Now();
  ALCOVE_TRY_ASSIGN(const crypto::KeyId key,
                    work_.Write(who, caller, [&](store::Transaction& tx)
                                                 -> Result<identity::Audited<crypto::KeyId>> {
                      ALCOVE_TRY_ASSIGN(auto row, LoadStaged(tx, who.tenant(), id));
                      if (!row || row->expires_at <= now) {
                        return ImportGone();  // an expired one is the sweeper's
                      }
                      const store::Value p[] = {who.tenant(), std::string(id)};
                      ALCOVE_TRY(tx.Execute(
                          "DELETE FROM hours_imports WHERE tenant_id = $1 AND id = $2", p));
                      audit::Details d;
                      ALCOVE_TRY(d.SetToken("outcome", "cancelled"));
                      ALCOVE_TRY(d.SetInt("created", 0));
                      return identity::Audited<crypto::KeyId>{
                          row->key, AuditNote{audit::Action::kCsvImportCompleted, "csv_import",
                                              std::string(id), std::move(d)}};
                    }));
  if (auto st = keys_.DestroyDek(who.tenant(), key); !st) {
    spdlog::error("the data key of a cancelled import was not destroyed (the sweeper "
                  "retries): {}",
                  st.error().internal);
  }
  return {};
}

Result<std::int64_t> Hours::SweepImports(Micros now) {
  // The tenants with import keys: data_keys is the key ring's table (no row-level
  // security); each tenant's rows are then read in that tenant's own transaction.
  std::vector<store::TenantId> tenants;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    const store::Value p[] = {std::string(kPurpose)};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT DISTINCT tenant_id FROM data_keys WHERE "
                                           "purpose = $1 AND tenant_id > 0",
                                           p));
    for (const auto& r : rows) {
      tenants.push_back(r.Int(0));
    }
  }
  std::int64_t destroyed = 0;
  for (const store::TenantId tenant : tenants) {
    std::vector<std::pair<std::string, crypto::KeyId>> expired;
    std::vector<crypto::KeyId> orphans;
    {
      ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
      const store::Value p[] = {tenant, now};
      ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT id, key_id FROM hours_imports WHERE "
                                             "tenant_id = $1 AND expires_at <= $2",
                                             p));
      for (const auto& r : rows) {
        expired.emplace_back(r.Text(0), static_cast<crypto::KeyId>(r.Int(1)));
      }
      const store::Value q[] = {tenant, std::string(kPurpose),
                                now - kImportLifetime - kOrphanMargin};
      ALCOVE_TRY_ASSIGN(auto keys,
                        tx->Query("SELECT DISTINCT d.family FROM data_keys d WHERE "
                                  "d.tenant_id = $1 AND d.purpose = $2 AND d.created_at < $3 AND "
                                  "NOT EXISTS (SELECT 1 FROM hours_imports i WHERE "
                                  "i.tenant_id = $1 AND i.key_id = d.family)",
                                  q));
      for (const auto& r : keys) {
        orphans.push_back(static_cast<crypto::KeyId>(r.Int(0)));
      }
    }
    for (const auto& [id, key] : expired) {
      if (auto st = DestroyStaged(tenant, id, key); !st) {
        spdlog::error("destroying an expired import failed (retried next time): {}",
                      st.error().internal);
        continue;
      }
      ++destroyed;
    }
    for (const crypto::KeyId key : orphans) {
      if (auto st = keys_.DestroyDek(tenant, key); !st && st.error().code != ErrorCode::kNotFound) {
        spdlog::error("destroying a left-over import data key failed (retried next time): {}",
                      st.error().internal);
      }
    }
  }
  return destroyed;
}

}  // namespace alcove::hours
