// The licensure profile: track, degree and registration, and the key that seals the
// supervisors' comments on returned weeks.
#include <spdlog/spdlog.h>

#include "hours/hours.hpp"
#include "hours/internal.hpp"

namespace alcove::hours {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;
using internal::Invalid;

namespace internal {

namespace {

store::Value DayOrNull(const std::optional<Day>& d) {
  return d ? store::Value(DayText(*d)) : store::Value(store::Null{});
}

std::optional<Day> OptionalDay(const store::Row& r, std::size_t i) {
  return r.IsNull(i) ? std::nullopt : ParseDay(r.Text(i));
}

}  // namespace

Result<std::optional<StoredProfile>> LoadProfile(store::Transaction& tx, store::TenantId tenant) {
  const store::Value p[] = {tenant};
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query("SELECT track, degree_date, registration_date, "
                                        "registration_number, application_date, comment_key_id "
                                        "FROM hours_profiles WHERE tenant_id = $1",
                                        p));
  if (rows.empty()) {
    return std::nullopt;
  }
  const store::Row& r = rows.front();
  const auto track = TrackFromName(r.Text(0));
  const auto degree = ParseDay(r.Text(1));
  if (!track || !degree) {
    return Fail(ErrorCode::kInternal, "hours profile row unreadable");
  }
  return StoredProfile{.profile = Profile{.track = *track,
                                          .degree_date = *degree,
                                          .registration_date = OptionalDay(r, 2),
                                          .registration_number = r.Text(3),
                                          .application_date = OptionalDay(r, 4)},
                       .comment_key = static_cast<crypto::KeyId>(r.Int(5))};
}

Result<Profile> RequireProfile(store::Transaction& tx, store::TenantId tenant) {
  ALCOVE_TRY_ASSIGN(auto stored, LoadProfile(tx, tenant));
  if (!stored) {
    return Refused(kNoProfile, "no hours profile",
                   "Set up your licensure profile (track and degree date) first.");
  }
  return std::move(stored->profile);
}

}  // namespace internal

namespace {

bool IsRegistrationNumber(std::string_view s) {
  if (s.size() > kMaxRegistrationNumber) {
    return false;
  }
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == ' ' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

constexpr Day kEarliestDay = std::chrono::sys_days(std::chrono::year(1950) / 1 / 1);

Status Validate(const Profile& p, Day today) {
  if (p.degree_date < kEarliestDay) {
    return Invalid("degree date too early", "The degree date must be in 1950 or later.");
  }
  if (p.degree_date > today) {
    return Invalid("degree date in the future", "The degree date cannot be in the future.");
  }
  if (p.registration_date && *p.registration_date < p.degree_date) {
    return Invalid("registration before degree",
                   "The registration date cannot be before the degree date.");
  }
  if (p.registration_date && *p.registration_date > today) {
    return Invalid("registration in the future",
                   "The registration date cannot be in the future.");
  }
  if (p.application_date && *p.application_date < p.degree_date) {
    return Invalid("application before degree",
                   "The application date cannot be before the degree date.");
  }
  if (!IsRegistrationNumber(p.registration_number)) {
    return Invalid("registration number malformed",
                   "The registration number may have letters, digits, spaces and hyphens, at "
                   "most 32 of them (for example AMFT 123456).");
  }
  return {};
}

// The key that seals supervisors' comments on this associate's returned weeks.
constexpr std::string_view kCommentKeyPurpose = "hours-comment";

}  // namespace

Result<std::optional<Profile>> Hours::GetProfile(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto stored, internal::LoadProfile(*tx, who.tenant()));
  if (!stored) {
    return std::optional<Profile>();
  }
  return std::optional<Profile>(std::move(stored->profile));
}

Status Hours::SetProfile(const TherapistScope& who, const Profile& profile, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const Day today, Today(who));
  ALCOVE_TRY(Validate(profile, today));
  // The comment key of a first profile is made before the write transaction (a key-ring
  // call reads the database); if another request made the profile meanwhile, the new
  // key is not used and is destroyed.
  bool exists = false;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto stored, internal::LoadProfile(*tx, who.tenant()));
    exists = stored.has_value();
  }
  std::optional<crypto::KeyId> new_key;
  if (!exists) {
    ALCOVE_TRY_ASSIGN(new_key, keys_.CreateDek(who.tenant(), kCommentKeyPurpose));
  }
  bool key_used = false;
  auto done = work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<bool>> {
    ALCOVE_TRY_ASSIGN(auto stored, internal::LoadProfile(tx, who.tenant()));
    const Micros now = clock_.Now();
    std::vector<store::Value> p = {who.tenant(),
                                   std::string(TrackName(profile.track)),
                                   DayText(profile.degree_date),
                                   internal::DayOrNull(profile.registration_date),
                                   profile.registration_number,
                                   internal::DayOrNull(profile.application_date),
                                   now};
    audit::Action action = audit::Action::kRecordUpdated;
    if (stored) {
      ALCOVE_TRY(tx.Execute("UPDATE hours_profiles SET track = $2, degree_date = $3, "
                            "registration_date = $4, registration_number = $5, "
                            "application_date = $6, updated_at = $7 WHERE tenant_id = $1",
                            p));
    } else {
      if (!new_key) {
        return Fail(ErrorCode::kConflict, "hours profile deleted meanwhile",
                    "Your profile changed at the same time; try again.");
      }
      p.push_back(static_cast<std::int64_t>(*new_key));
      ALCOVE_TRY(tx.Execute("INSERT INTO hours_profiles (tenant_id, track, degree_date, "
                            "registration_date, registration_number, application_date, "
                            "comment_key_id, created_at, updated_at) VALUES "
                            "($1, $2, $3, $4, $5, $6, $8, $7, $7)",
                            p));
      key_used = true;
      action = audit::Action::kRecordCreated;
    }
    audit::Details d;
    (void)d.SetToken("track", TrackName(profile.track));
    return Audited<bool>{true, AuditNote{action, "hours_profile", who.account_id(), d}};
  });
  if (new_key && (!done || !key_used)) {
    if (auto st = keys_.DestroyDek(who.tenant(), *new_key); !st) {
      spdlog::warn("destroying an unused hours comment key failed: {}", st.error().internal);
    }
  }
  if (!done) {
    return std::unexpected(done.error());
  }
  return {};
}

}  // namespace alcove::hours
