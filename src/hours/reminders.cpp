// Weekly reminders (issue #15; docs/hours.md § Reminders): one pass over the associates
// and the supervisors with weeks waiting, at most one mail per account in 7 days.
#include "hours/reminders.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>
#include <vector>

#include "hours/types.hpp"
#include "identity/principal.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"

namespace alcove::hours {
namespace {

struct Due {
  std::string account_id;
  store::TenantId tenant = 0;
  std::string email;
  std::int64_t weeks = 0;
};

}  // namespace

Result<bool> Reminders::EnabledIn(store::TenantId tenant, std::string_view account_id) {
  ALCOVE_TRY_ASSIGN(auto tx, d_.db.BeginTenant(tenant));
  const store::Value p[] = {tenant, std::string(account_id)};
  ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT enabled FROM hours_reminders WHERE "
                                         "tenant_id = $1 AND account_id = $2",
                                         p));
  return rows.empty() || rows.front().Int(0) == 1;
}

Status Reminders::SetEnabledIn(store::TenantId tenant, std::string_view account_id,
                               bool enabled) {
  ALCOVE_TRY_ASSIGN(auto tx, d_.db.BeginTenant(tenant));
  const store::Value p[] = {tenant, std::string(account_id), std::int64_t{enabled ? 1 : 0},
                            d_.clock.Now()};
  ALCOVE_TRY(tx->Execute(
      "INSERT INTO hours_reminders (tenant_id, account_id, enabled, last_sent_at, updated_at) "
      "VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (tenant_id, account_id) DO UPDATE SET "
      "enabled = $3, updated_at = $4",
      p));
  return tx->Commit();
}

Result<bool> Reminders::Enabled(const identity::TherapistScope& who) {
  return EnabledIn(who.tenant(), who.account_id());
}
Result<bool> Reminders::Enabled(const identity::SupervisorScope& who) {
  return EnabledIn(who.tenant(), who.account_id());
}
Status Reminders::SetEnabled(const identity::TherapistScope& who, bool enabled) {
  return SetEnabledIn(who.tenant(), who.account_id(), enabled);
}
Status Reminders::SetEnabled(const identity::SupervisorScope& who, bool enabled) {
  return SetEnabledIn(who.tenant(), who.account_id(), enabled);
}

Result<bool> Reminders::Send(store::TenantId tenant, std::string_view account_id,
                             std::string_view email, mail::MailKind kind, std::string_view path,
                             std::int64_t weeks, Micros now) {
  ALCOVE_TRY_ASSIGN(auto message, mail::Message::Make(kind, email, d_.public_origin + std::string(path),
                                                      d_.public_origin));
  {
    ALCOVE_TRY_ASSIGN(auto tx, d_.db.BeginTenant(tenant));
    // The row is made switched on; the update claims the reminder only when none went out
    // in the last 7 days and reminders are on (two servers cannot both claim it).
    const store::Value make[] = {tenant, std::string(account_id), now};
    ALCOVE_TRY(tx->Execute(
        "INSERT INTO hours_reminders (tenant_id, account_id, enabled, last_sent_at, updated_at) "
        "VALUES ($1, $2, 1, NULL, $3) ON CONFLICT (tenant_id, account_id) DO NOTHING",
        make));
    const store::Value claim[] = {tenant, std::string(account_id), now, now - kReminderInterval};
    ALCOVE_TRY_ASSIGN(auto claimed,
                      tx->Execute("UPDATE hours_reminders SET last_sent_at = $3 WHERE "
                                  "tenant_id = $1 AND account_id = $2 AND enabled = 1 AND "
                                  "(last_sent_at IS NULL OR last_sent_at <= $4)",
                                  claim));
    if (claimed == 0) {
      return false;
    }
    audit::Event e = identity::EventFor(now, audit::Action::kReminderSent, tenant, std::nullopt,
                                        identity::Caller{}, "account", account_id);
    ALCOVE_TRY(e.details.SetToken("kind", kind == mail::MailKind::kHoursReminder
                                              ? "weeks_not_submitted"
                                              : "weeks_waiting_signature"));
    ALCOVE_TRY(e.details.SetInt("weeks", weeks));
    ALCOVE_TRY(d_.log.Append(*tx, e));
    ALCOVE_TRY(tx->Commit());
  }
  ALCOVE_TRY(d_.mail.Enqueue(std::move(message)));
  return true;
}

Result<ReminderPass> Reminders::Run(Micros now) {
  // The associates: every therapist account (identity's table, no row-level security).
  std::vector<identity::Principal> therapists;
  {
    ALCOVE_TRY_ASSIGN(auto tx, d_.db.Begin());
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT id, tenant_id FROM accounts WHERE "
                                           "role = 'therapist' ORDER BY tenant_id, id",
                                           {}));
    for (const auto& r : rows) {
      therapists.push_back(identity::Principal{
          .account_id = r.Text(0), .tenant = r.Int(1), .role = identity::Role::kTherapist});
    }
  }
  ReminderPass pass;
  std::map<std::string, Due> supervisors;  // by the supervisor's account id
  for (const identity::Principal& p : therapists) {
    auto one = [&]() -> Status {
      ALCOVE_TRY_ASSIGN(const auto scope, identity::TherapistScope::From(p));
      ALCOVE_TRY_ASSIGN(const std::string local, d_.local_day(scope, now));
      const auto today = ParseDay(local);
      if (!today) {
        return Fail(ErrorCode::kInternal, "reminders: local day is not a day");
      }
      const std::string this_week = DayText(WeekStart(*today));
      std::int64_t pending = 0;
      bool enabled = true;
      bool recent = false;
      std::vector<std::pair<std::string, std::int64_t>> links;  // link, weeks waiting
      {
        ALCOVE_TRY_ASSIGN(auto tx, d_.db.BeginTenant(p.tenant));
        const store::Value t[] = {p.tenant};
        ALCOVE_TRY_ASSIGN(auto profile,
                          tx->Query("SELECT 1 FROM hours_profiles WHERE tenant_id = $1", t));
        if (profile.empty()) {
          return {};  // not an associate
        }
        const store::Value w[] = {p.tenant, this_week};
        ALCOVE_TRY_ASSIGN(auto open, tx->Query("SELECT count(*) FROM weekly_logs WHERE "
                                               "tenant_id = $1 AND week_start < $2 AND "
                                               "status IN ('draft', 'returned')",
                                               w));
        pending = open.front().Int(0);
        const store::Value r[] = {p.tenant, p.account_id};
        ALCOVE_TRY_ASSIGN(auto state, tx->Query("SELECT enabled, last_sent_at FROM "
                                                "hours_reminders WHERE tenant_id = $1 AND "
                                                "account_id = $2",
                                                r));
        if (!state.empty()) {
          enabled = state.front().Int(0) == 1;
          const auto last = state.front().OptionalInt(1);
          recent = last && *last > now - kReminderInterval;
        }
        ALCOVE_TRY_ASSIGN(auto waiting,
                          tx->Query("SELECT supervisor_id, count(*) FROM weekly_logs WHERE "
                                    "tenant_id = $1 AND status = 'submitted' AND supervisor_id "
                                    "IS NOT NULL GROUP BY supervisor_id ORDER BY supervisor_id",
                                    t));
        for (const auto& row : waiting) {
          links.emplace_back(row.Text(0), row.Int(1));
        }
      }
      // The supervisors of the weeks waiting, outside the transaction (the directory reads
      // the database itself).
      for (const auto& [link, count] : links) {
        auto active = d_.supervisors.active(p.tenant, link);
        if (!active) {
          if (active.error().code == ErrorCode::kNotFound) {
            continue;  // the link ended
          }
          return std::unexpected(active.error());
        }
        Due& due = supervisors[active->account_id];
        due.account_id = active->account_id;
        due.tenant = active->account_tenant;
        due.email = active->email;
        due.weeks += count;
      }
      if (pending == 0 || !enabled || recent) {
        return {};
      }
      ALCOVE_TRY_ASSIGN(const std::string email, d_.email_of(p));
      ALCOVE_TRY_ASSIGN(const bool sent, Send(p.tenant, p.account_id, email,
                                              mail::MailKind::kHoursReminder, "/hours/weeks",
                                              pending, now));
      pass.associates += sent ? 1 : 0;
      return {};
    };
    if (auto st = one(); !st) {
      spdlog::warn("hours reminder for account {} failed: {}", p.account_id, st.error().internal);
    }
  }
  for (const auto& [id, due] : supervisors) {
    auto sent = Send(due.tenant, due.account_id, due.email, mail::MailKind::kSigningReminder,
                     "/supervisor", due.weeks, now);
    if (!sent) {
      spdlog::warn("signing reminder for account {} failed: {}", id, sent.error().internal);
    } else if (*sent) {
      ++pass.supervisors;
    }
  }
  return pass;
}

void Reminders::Housekeeping(Micros now) {
  Micros last = last_pass_.load();
  if (last != 0 && now - last < kReminderPassInterval) {
    return;
  }
  if (!last_pass_.compare_exchange_strong(last, now)) {
    return;  // another thread took this pass
  }
  if (auto pass = Run(now); !pass) {
    spdlog::warn("hours reminders failed: {}", pass.error().internal);
  } else if (pass->associates + pass->supervisors > 0) {
    spdlog::info("sent {} hours reminder(s) and {} signing reminder(s)", pass->associates,
                 pass->supervisors);
  }
}

}  // namespace alcove::hours
