// The hours schema (versions 601-699): tenant tables, row-level security on PostgreSQL.
// docs/hours.md § Data describes every column.
#include "store/schema.hpp"

#include "hours/hours.hpp"

namespace alcove::hours {
namespace {

// No column holds a name or free text of a client (C50, C51): a session log is a date,
// a length, a category, its setting, the phase, three flags, a group size and the
// client's alias (initials). The supervisor's comment on a returned week is sealed under
// the profile's comment key. Setting names are workplaces ("Valley Clinic"), the
// registration number the Board's. The CHECKs are the second wall behind the service's
// own checks (src/hours/sessions.cpp), so a bug cannot store a name where initials
// belong: an alias is empty or a few characters ending in "." (or "J.D. · 2", the
// practice's alias of a second client with the same initials), with no space before
// its last ".".
constexpr std::string_view kHours =
    "CREATE TABLE hours_profiles ("
    " tenant_id {int} PRIMARY KEY,"
    " track TEXT NOT NULL CHECK (track IN ('amft', 'apcc', 'asw')),"
    " degree_date TEXT NOT NULL CHECK (length(degree_date) = 10),"
    " registration_date TEXT CHECK (registration_date IS NULL OR length(registration_date) = 10),"
    " registration_number TEXT NOT NULL CHECK (length(registration_number) <= 32),"
    " application_date TEXT CHECK (application_date IS NULL OR length(application_date) = 10),"
    " comment_key_id {int} NOT NULL,"
    " created_at {int} NOT NULL,"
    " updated_at {int} NOT NULL"
    "){strict};"
    "CREATE TABLE hours_settings ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),"
    " exempt {int} NOT NULL CHECK (exempt IN (0, 1)),"
    " supervisor_license TEXT NOT NULL CHECK (supervisor_license IN ('unknown', 'lmft', "
    "'lcsw', 'lpcc', 'psychologist', 'psychiatrist', 'lep')),"
    " created_at {int} NOT NULL,"
    " updated_at {int} NOT NULL,"
    " UNIQUE (tenant_id, name)"
    "){strict};"
    "CREATE TABLE session_logs ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " setting_id TEXT NOT NULL REFERENCES hours_settings (id),"
    " date TEXT NOT NULL CHECK (length(date) = 10),"
    " minutes {int} NOT NULL CHECK (minutes BETWEEN 1 AND 1440),"
    " category TEXT NOT NULL CHECK (category IN ('individual', 'couples_family_children', "
    "'group', 'supervision_individual', 'supervision_triadic', 'supervision_group', 'testing', "
    "'notes_reports', 'advocacy', 'workshop', 'other_nonclinical')),"
    " video {int} NOT NULL CHECK (video IN (0, 1)),"
    " group_size {int} CHECK (group_size IS NULL OR group_size BETWEEN 1 AND 99),"
    " telehealth {int} NOT NULL CHECK (telehealth IN (0, 1)),"
    " pre_degree {int} NOT NULL CHECK (pre_degree IN (0, 1)),"
    " alias TEXT NOT NULL CHECK (alias = '' OR (length(alias) BETWEEN 2 AND 12 AND"
    " alias NOT LIKE '% %.%' AND (alias LIKE '%.' OR alias LIKE '%. \xC2\xB7 %'))),"
    " created_at {int} NOT NULL,"
    " updated_at {int} NOT NULL"
    "){strict};"
    "CREATE INDEX session_logs_by_date ON session_logs (tenant_id, date);"
    "CREATE INDEX session_logs_by_setting ON session_logs (tenant_id, setting_id, date);"
    "CREATE TABLE weekly_logs ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " setting_id TEXT NOT NULL REFERENCES hours_settings (id),"
    " week_start TEXT NOT NULL CHECK (length(week_start) = 10),"
    " status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'signed', 'returned')),"
    " submitted_at {int},"
    " supervisor_id TEXT CHECK (supervisor_id IS NULL OR length(supervisor_id) = 32),"
    " signed_at {int},"
    " signed_sha256 TEXT CHECK (signed_sha256 IS NULL OR length(signed_sha256) = 64),"
    " amended {int} NOT NULL CHECK (amended IN (0, 1)),"
    " comment {bytes},"
    " returned_at {int},"
    " created_at {int} NOT NULL,"
    " updated_at {int} NOT NULL,"
    " UNIQUE (tenant_id, setting_id, week_start)"
    "){strict};"
    "CREATE INDEX weekly_logs_by_week ON weekly_logs (tenant_id, week_start)";

// Staged CSV imports (C52; docs/hours-import.md § Staging): everything read from the
// file is in `sealed`, one AES-256-GCM field ciphertext under the import's own data key
// (key_id), destroyed on confirmation, cancellation or expiry. Nothing else of the file
// has a column.
constexpr std::string_view kImports =
    "CREATE TABLE hours_imports ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " key_id {int} NOT NULL,"
    " sealed {bytes} NOT NULL,"
    " created_at {int} NOT NULL,"
    " expires_at {int} NOT NULL CHECK (expires_at > created_at)"
    "){strict};"
    "CREATE INDEX hours_imports_by_expiry ON hours_imports (tenant_id, expires_at)";

// Signatures of weekly logs (issue #15, C42; docs/signing.md): one row per signing, kept
// when the week is amended (the evidence of what was signed stays; `matches` compares it
// with the week now). The IP is the connection's, as identity::Caller saw it; event_id
// names the signature.made audit event whose receipt proves the row's statement.
constexpr std::string_view kSignatures =
    "CREATE TABLE weekly_log_signatures ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " weekly_log_id TEXT NOT NULL REFERENCES weekly_logs (id),"
    " supervisor_id TEXT NOT NULL CHECK (length(supervisor_id) = 32),"
    " ip TEXT NOT NULL CHECK (length(ip) <= 64),"
    " signed_at {int} NOT NULL,"
    " content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),"
    " event_id TEXT NOT NULL CHECK (length(event_id) = 32)"
    "){strict};"
    "CREATE INDEX weekly_log_signatures_by_week ON weekly_log_signatures "
    "(tenant_id, weekly_log_id, signed_at)";

// Reminders (issue #15; docs/hours.md § Reminders): per account, in the account's own
// tenant (an associate's, or a supervisor's), whether reminders are on and when the last
// one was mailed. Ids and times only.
constexpr std::string_view kReminders =
    "CREATE TABLE hours_reminders ("
    " tenant_id {int} NOT NULL,"
    " account_id TEXT NOT NULL CHECK (length(account_id) = 32),"
    " enabled {int} NOT NULL CHECK (enabled IN (0, 1)),"
    " last_sent_at {int},"
    " updated_at {int} NOT NULL,"
    " PRIMARY KEY (tenant_id, account_id)"
    "){strict}";

// Signing links (issue #15, C27 C28; docs/signing.md § Signing links): the token is a
// row of `tokens` (its SHA-256 only) whose subject is this row's id. The row binds the
// link to the weekly log, the content hash at submission and the supervisor (the
// associate's link to them and their account), counts wrong PINs, and says whether the
// link was used, ended (a newer submission, a withdrawal) or locked (5 wrong PINs). No
// name: the associate's and the supervisor's stay sealed in their accounts, read when
// the page shows them.
constexpr std::string_view kSigningLinks =
    "CREATE TABLE signing_links ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " weekly_log_id TEXT NOT NULL REFERENCES weekly_logs (id),"
    " content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),"
    " supervisor_link_id TEXT NOT NULL CHECK (length(supervisor_link_id) = 32),"
    " supervisor_account_id TEXT NOT NULL CHECK (length(supervisor_account_id) = 32),"
    " associate_account_id TEXT NOT NULL CHECK (length(associate_account_id) = 32),"
    " wrong_pins {int} NOT NULL CHECK (wrong_pins BETWEEN 0 AND 5),"
    " created_at {int} NOT NULL,"
    " expires_at {int} NOT NULL CHECK (expires_at > created_at),"
    " used_at {int},"
    " ended_at {int},"
    " locked_at {int}"
    "){strict};"
    "CREATE INDEX signing_links_by_week ON signing_links (tenant_id, weekly_log_id)";

// Requests to sign an experience-verification summary (hours/summary_signing.hpp): each
// bound to a supervisor link, a period and the summary's content hash when asked for;
// once signed, when, the signer's IP address and the signature.made event.
constexpr std::string_view kSummarySigningLinks =
    "CREATE TABLE summary_signing_links ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " supervisor_link_id TEXT NOT NULL CHECK (length(supervisor_link_id) = 32),"
    " supervisor_account_id TEXT NOT NULL CHECK (length(supervisor_account_id) = 32),"
    " associate_account_id TEXT NOT NULL CHECK (length(associate_account_id) = 32),"
    " period_from TEXT NOT NULL CHECK (length(period_from) = 10),"
    " period_to TEXT NOT NULL CHECK (length(period_to) = 10),"
    " content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),"
    " wrong_pins {int} NOT NULL CHECK (wrong_pins BETWEEN 0 AND 5),"
    " created_at {int} NOT NULL,"
    " expires_at {int} NOT NULL CHECK (expires_at > created_at),"
    " used_at {int},"
    " ended_at {int},"
    " locked_at {int},"
    " signed_at {int},"
    " ip TEXT CHECK (ip IS NULL OR length(ip) <= 64),"
    " event_id TEXT CHECK (event_id IS NULL OR length(event_id) = 32),"
    " CHECK ((signed_at IS NULL) = (event_id IS NULL))"
    "){strict};"
    "CREATE INDEX summary_signing_links_by_link ON summary_signing_links (tenant_id, "
    "supervisor_link_id, created_at)";

// Supervisors (issue #15; docs/supervisors.md). Not tenant tables: a supervisor's side
// reads its links by its own account before any associate's tenant is known, so every
// query names the account or the associate's tenant itself (src/hours/supervision.cpp).
// A link joins an associate (tenant and account) and a supervisor's account (and its own
// tenant), optionally for one work setting; invite_hash is the SHA-256 of its newest
// invitation token (crypto/tokens.hpp), cleared when accepted or ended. No name, address
// or content: those stay sealed in accounts.
constexpr std::string_view kSupervisionLinks =
    "CREATE TABLE supervision_links ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " associate_tenant {int} NOT NULL REFERENCES tenants (id),"
    " associate_account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " supervisor_account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " supervisor_tenant {int} NOT NULL REFERENCES tenants (id),"
    " setting_id TEXT CHECK (setting_id IS NULL OR length(setting_id) = 32),"
    " status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'ended')),"
    " invite_hash {bytes} CHECK (invite_hash IS NULL OR {bytelen}(invite_hash) = 32),"
    " invited_at {int} NOT NULL,"
    " accepted_at {int},"
    " ended_at {int},"
    " ended_by TEXT CHECK (ended_by IS NULL OR ended_by IN ('associate', 'supervisor')),"
    " created_at {int} NOT NULL,"
    " CHECK (associate_tenant <> supervisor_tenant)"
    "){strict};"
    "CREATE INDEX supervision_links_by_supervisor ON supervision_links (supervisor_account, "
    "status);"
    "CREATE INDEX supervision_links_by_associate ON supervision_links (associate_tenant, status)";

// A supervisor's signing PIN (C25): its argon2id string (crypto::PasswordHasher), and the
// hash of the newest PIN reset token.
constexpr std::string_view kSupervisorPins =
    "CREATE TABLE supervisor_pins ("
    " account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,"
    " pin_hash TEXT CHECK (pin_hash IS NULL OR pin_hash LIKE '$argon2id$%'),"
    " pin_set_at {int},"
    " reset_hash {bytes} CHECK (reset_hash IS NULL OR {bytelen}(reset_hash) = 32),"
    " updated_at {int} NOT NULL"
    "){strict}";
}  // namespace

std::span<const store::Migration> HoursMigrations() {
  static const store::MigrationSet set = store::MigrationSet().Add(
      601, "hours_logs", kHours, {"hours_profiles", "hours_settings", "session_logs", "weekly_logs"})
      .Add(602, "hours_imports", kImports, {"hours_imports"})
      .Add(603, "hours_signatures", kSignatures, {"weekly_log_signatures"})
      .Add(604, "hours_supervision_links", kSupervisionLinks)
      .Add(605, "hours_supervisor_pins", kSupervisorPins)
      .Add(606, "hours_signing_links", kSigningLinks, {"signing_links"})
      .Add(608, "hours_reminders", kReminders, {"hours_reminders"})
      .Add(609, "hours_summary_signing_links", kSummarySigningLinks, {"summary_signing_links"});
  return set.migrations();
}

}  // namespace alcove::hours
