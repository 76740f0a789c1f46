#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "hours/supervisor_directory.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "mail/queue.hpp"
#include "store/db.hpp"

namespace alcove::hours {

// Weekly reminders (issue #15; docs/hours.md § Reminders), mail with a link only (C53):
// - to an associate with past weeks (before the current week, in the associate's own
//   time zone where known) holding sessions that are not submitted (draft or returned):
//   mail::MailKind::kHoursReminder linking to /hours/weeks;
// - to a supervisor with weekly logs submitted to them and waiting for a signature:
//   mail::MailKind::kSigningReminder linking to /supervisor, at the address the
//   SupervisorDirectory gives.
// At most one reminder per account in any 7 days (hours_reminders.last_sent_at, in the
// account's own tenant); on unless the account switched them off. Each mail sent is one
// reminder.sent audit event (ids only: the account, the kind, a count), recorded in the
// same transaction as last_sent_at, before the mail is queued.
//
// The pass runs across tenants as row-level security wants it: the accounts to look at
// come from identity's `accounts` (not a tenant table: it is read before a tenant is
// known), and every tenant's rows are read and written in that tenant's own transaction
// (Db::BeginTenant), with the tenant filter in the SQL as well.
// Thread-safety: every method may be called from any thread.

// The schema's part: version 608 (hours_reminders).
inline constexpr Micros kReminderInterval = 7LL * 24 * 3600 * kMicrosPerSecond;
// Housekeeping runs a pass at most this often.
inline constexpr Micros kReminderPassInterval = 3600LL * kMicrosPerSecond;

struct ReminderDeps {
  store::Db& db;
  mail::Queue& mail;
  const audit::Log& log;
  const Clock& clock;
  std::string public_origin;  // "https://host[:port]"
  const SupervisorDirectory& supervisors;
  // The associate's local day ("YYYY-MM-DD") at `t` (Lookups::local_day).
  std::function<Result<std::string>(const identity::TherapistScope&, Micros t)> local_day;
  // The account's address (identity::Identity::GetProfile's email).
  std::function<Result<std::string>(const identity::Principal&)> email_of;
};

// What one pass sent.
struct ReminderPass {
  std::int64_t associates = 0;
  std::int64_t supervisors = 0;
};

class Reminders {
 public:
  explicit Reminders(ReminderDeps deps) : d_(std::move(deps)) {}

  // Whether the caller gets reminders (true until switched off).
  Result<bool> Enabled(const identity::TherapistScope& who);
  Result<bool> Enabled(const identity::SupervisorScope& who);
  Status SetEnabled(const identity::TherapistScope& who, bool enabled);
  Status SetEnabled(const identity::SupervisorScope& who, bool enabled);

  // One pass over every associate and supervisor at `now`. A failure for one account is
  // logged (ids only) and the pass goes on; an error only when the accounts cannot be read.
  Result<ReminderPass> Run(Micros now);
  // From the once-a-minute housekeeping: Run at most once per kReminderPassInterval.
  void Housekeeping(Micros now);

 private:
  Result<bool> EnabledIn(store::TenantId tenant, std::string_view account_id);
  Status SetEnabledIn(store::TenantId tenant, std::string_view account_id, bool enabled);
  // Records the reminder (last_sent_at, the audit event) unless one went out in the last
  // 7 days or reminders are off; then queues the mail. True when sent.
  Result<bool> Send(store::TenantId tenant, std::string_view account_id, std::string_view email,
                    mail::MailKind kind, std::string_view path, std::int64_t weeks, Micros now);

  ReminderDeps d_;
  std::atomic<Micros> last_pass_{0};
};

}  // namespace alcove::hours
