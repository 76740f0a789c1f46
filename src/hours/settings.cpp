// Work settings: where the associate works ("Valley Clinic"), exempt or not, and the
// licence its supervisor holds. A workplace is not client content.
#include <fmt/format.h>

#include "core/utf8.hpp"
#include "hours/hours.hpp"
#include "hours/internal.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;
using internal::Invalid;
using internal::NotFound;

namespace internal {

namespace {

Setting SettingFrom(const store::Row& r) {
  return Setting{.id = r.Text(0),
                 .name = r.Text(1),
                 .exempt = r.Int(2) != 0,
                 .supervisor_license =
                     LicenseFromName(r.Text(3)).value_or(SupervisorLicense::kUnknown)};
}

constexpr std::string_view kSettingColumns = "id, name, exempt, supervisor_license";

}  // namespace

Result<std::vector<Setting>> LoadSettings(store::Transaction& tx, store::TenantId tenant) {
  const store::Value p[] = {tenant};
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query(fmt::format("SELECT {} FROM hours_settings WHERE "
                                                    "tenant_id = $1 ORDER BY name, id",
                                                    kSettingColumns),
                                        p));
  std::vector<Setting> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back(SettingFrom(r));
  }
  return out;
}

Result<std::optional<Setting>> LoadSetting(store::Transaction& tx, store::TenantId tenant,
                                           std::string_view id) {
  if (!store::IsValidId(id)) {
    return std::nullopt;
  }
  const store::Value p[] = {tenant, std::string(id)};
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query(fmt::format("SELECT {} FROM hours_settings WHERE "
                                                    "tenant_id = $1 AND id = $2",
                                                    kSettingColumns),
                                        p));
  if (rows.empty()) {
    return std::nullopt;
  }
  return SettingFrom(rows.front());
}

std::vector<SettingRef> RefsOf(std::span<const Setting> settings) {
  std::vector<SettingRef> out;
  out.reserve(settings.size());
  for (const Setting& s : settings) {
    out.push_back(SettingRef{.id = s.id,
                             .name = s.name,
                             .exempt = s.exempt,
                             .supervisor_license = s.supervisor_license});
  }
  return out;
}

}  // namespace internal

namespace {

// One line of at most kMaxSettingName bytes of valid UTF-8, no control characters, not
// blank.
Status CheckName(std::string_view name) {
  bool blank = true;
  bool ok = !name.empty() && name.size() <= kMaxSettingName;
  for (std::size_t i = 0; ok && i < name.size();) {
    const auto cp = DecodeUtf8At(name, i);
    if (!cp || cp->value < 0x20 || (cp->value >= 0x7F && cp->value < 0xA0)) {
      ok = false;
      break;
    }
    blank = blank && cp->value == ' ';
    i += cp->length;
  }
  if (!ok || blank) {
    return Invalid("setting name not acceptable",
                   "The name of the work setting must be one line of 1 to 120 characters.");
  }
  return {};
}

// kAlreadyExists when another setting of the tenant has `name` (`except`: the one being
// renamed).
Status NameFree(store::Transaction& tx, store::TenantId tenant, std::string_view name,
                std::string_view except) {
  const store::Value p[] = {tenant, std::string(name), std::string(except)};
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query("SELECT id FROM hours_settings WHERE tenant_id = $1 AND "
                                        "name = $2 AND id <> $3",
                                        p));
  if (!rows.empty()) {
    return Fail(ErrorCode::kAlreadyExists, "setting name taken",
                "You already have a work setting with that name.");
  }
  return {};
}

audit::Details SettingDetails(const NewSetting& s) {
  audit::Details d;
  (void)d.SetInt("exempt", s.exempt ? 1 : 0);
  (void)d.SetToken("supervisor_license", LicenseName(s.supervisor_license));
  return d;
}

}  // namespace

Result<std::vector<Setting>> Hours::ListSettings(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY(internal::RequireProfile(*tx, who.tenant()));
  return internal::LoadSettings(*tx, who.tenant());
}

Result<Setting> Hours::GetSetting(const TherapistScope& who, std::string_view id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto found, internal::LoadSetting(*tx, who.tenant(), id));
  if (!found) {
    return NotFound("work setting");
  }
  return std::move(*found);
}

Result<std::string> Hours::AddSetting(const TherapistScope& who, const NewSetting& s,
                                      const Caller& caller) {
  ALCOVE_TRY(CheckName(s.name));
  const std::string id = store::NewId();
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::string>> {
    ALCOVE_TRY(internal::RequireProfile(tx, who.tenant()));
    ALCOVE_TRY(NameFree(tx, who.tenant(), s.name, ""));
    const Micros now = clock_.Now();
    const store::Value p[] = {id,
                              who.tenant(),
                              s.name,
                              std::int64_t{s.exempt ? 1 : 0},
                              std::string(LicenseName(s.supervisor_license)),
                              now};
    ALCOVE_TRY(tx.Execute("INSERT INTO hours_settings (id, tenant_id, name, exempt, "
                          "supervisor_license, created_at, updated_at) VALUES "
                          "($1, $2, $3, $4, $5, $6, $6)",
                          p));
    return Audited<std::string>{
        id, AuditNote{audit::Action::kRecordCreated, "hours_setting", id, SettingDetails(s)}};
  });
}

Status Hours::UpdateSetting(const TherapistScope& who, std::string_view id, const NewSetting& s,
                            const Caller& caller) {
  if (!store::IsValidId(id)) {
    return NotFound("work setting");
  }
  ALCOVE_TRY(CheckName(s.name));
  ALCOVE_TRY(work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<bool>> {
    ALCOVE_TRY_ASSIGN(auto found, internal::LoadSetting(tx, who.tenant(), id));
    if (!found) {
      return NotFound("work setting");
    }
    ALCOVE_TRY(NameFree(tx, who.tenant(), s.name, id));
    const store::Value p[] = {who.tenant(),
                              std::string(id),
                              s.name,
                              std::int64_t{s.exempt ? 1 : 0},
                              std::string(LicenseName(s.supervisor_license)),
                              clock_.Now()};
    ALCOVE_TRY(tx.Execute("UPDATE hours_settings SET name = $3, exempt = $4, "
                          "supervisor_license = $5, updated_at = $6 "
                          "WHERE tenant_id = $1 AND id = $2",
                          p));
    return Audited<bool>{true, AuditNote{audit::Action::kRecordUpdated, "hours_setting",
                                         std::string(id), SettingDetails(s)}};
  }));
  return {};
}

Status Hours::DeleteSetting(const TherapistScope& who, std::string_view id, const Caller& caller) {
  if (!store::IsValidId(id)) {
    return NotFound("work setting");
  }
  ALCOVE_TRY(work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<bool>> {
    ALCOVE_TRY_ASSIGN(auto found, internal::LoadSetting(tx, who.tenant(), id));
    if (!found) {
      return NotFound("work setting");
    }
    const store::Value p[] = {who.tenant(), std::string(id)};
    ALCOVE_TRY_ASSIGN(auto used,
                      tx.Query("SELECT (SELECT COUNT(*) FROM session_logs WHERE tenant_id = $1 "
                               "AND setting_id = $2), (SELECT COUNT(*) FROM weekly_logs WHERE "
                               "tenant_id = $1 AND setting_id = $2)",
                               p));
    if (used.front().Int(0) > 0 || used.front().Int(1) > 0) {
      return internal::Refused(internal::kSettingInUse, "setting has sessions or weeks",
                               "Sessions are logged in this work setting: move or delete them "
                               "first.");
    }
    ALCOVE_TRY(tx.Execute("DELETE FROM hours_settings WHERE tenant_id = $1 AND id = $2", p));
    return Audited<bool>{
        true, AuditNote{audit::Action::kRecordDeleted, "hours_setting", std::string(id), {}}};
  }));
  return {};
}

}  // namespace alcove::hours
