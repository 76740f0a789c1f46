#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/secret.hpp"
#include "hours/rules.hpp"
#include "hours/types.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "identity/unit_of_work.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::hours {

// Supervised hours (issue #14; docs/hours.md): an associate's licensure profile, work
// settings, session logs, weekly logs and progress against the track's rules, and CSV
// import with sealed 15-minute staging.
//
// - An associate is a therapist with a licensure profile; every method takes the
//   caller's TherapistScope and touches only its tenant (Db::BeginTenant + tenant_id in
//   the SQL); another tenant's id is kNotFound (C20).
// - A session log holds date, minutes, category, setting, phase, flags and the client's
//   alias only (C51). A name typed in becomes initials before anything is stored (C50);
//   a picked client contributes its alias, copied (the log does not follow the client).
// - Every create, edit and delete of a session log and every status change of a weekly
//   log is one audit event with ids and counts only (C40).
// - A weekly log is one per week (Monday) per setting; its row exists from the first
//   session logged in it and goes when its last session goes while it is a draft.
//   draft -> submitted -> signed, or -> returned (with the supervisor's comment) ->
//   (edited) -> submitted. A submitted week cannot change until it is withdrawn; a
//   signed week changes only by an explicit amendment, after which its signature no
//   longer matches its content (content_sha256 != signed_sha256).
// Thread-safety: every method may be called from any thread.

// The schema (versions 601-699).
std::span<const store::Migration> HoursMigrations();

struct NewSetting {
  std::string name;
  bool exempt = false;
  SupervisorLicense supervisor_license = SupervisorLicense::kUnknown;
};

// A session to log. The client is either typed (`client_name`: a full name or initials,
// turned into initials at once and never stored) or picked (`client_id` of a client of
// the practice: its alias is copied), or neither (supervision, workshops).
struct NewSession {
  Day date{};
  std::int64_t minutes = 0;
  Category category = Category::kIndividual;
  std::string setting_id;
  std::optional<bool> pre_degree;  // nullopt: from the profile's degree date
  bool telehealth = false;
  bool video = false;
  std::optional<int> group_size;
  crypto::PhiString client_name;
  std::string client_id;
  // Logging into a signed week is an amendment too (see SessionChange::amend).
  bool amend = false;
};

// A change; nullopt leaves a field alone. `amend` must be true to change a session of a
// signed week (the amendment is audited and the signature stops matching).
struct SessionChange {
  std::optional<Day> date;
  std::optional<std::int64_t> minutes;
  std::optional<Category> category;
  std::optional<std::string> setting_id;
  std::optional<bool> pre_degree;
  std::optional<bool> telehealth;
  std::optional<bool> video;
  std::optional<std::optional<int>> group_size;
  std::optional<crypto::PhiString> client_name;  // empty: no client
  std::optional<std::string> client_id;          // a picked client (its alias is copied)
  bool amend = false;
};

// A value of a new session that is out of range, naming its field ("date", "minutes",
// "setting_id", "group_size", "video", "client") with a message in plain words.
struct FieldError {
  std::string field;
  std::string message;
};

// The refusal a kFailedPrecondition error of this service stands for, as a stable token
// the web layer answers with 409 and as its error code: "no_profile" (the account has no
// licensure profile yet), "week_submitted" (withdraw the week first), "week_signed" (an
// amendment is needed), "week_not_submitted", "week_changed" (the week changed since
// the supervisor saw it), "setting_in_use". nullopt for any other error.
std::optional<std::string_view> RefusalOf(const Error& error);

struct WeeklyLog {
  std::string id;
  Day week_start{};
  std::string setting_id;
  std::string setting_name;
  WeekStatus status = WeekStatus::kDraft;
  WeekTotals totals;           // from the engine, over this week's sessions in this setting
  std::vector<Check> checks;   // the week's checks in words
  std::string content_sha256;  // hex: the canonical content now (docs/hours.md)
  std::optional<std::string> signed_sha256;  // hex, once signed
  bool amended = false;        // changed after signing
  std::optional<Micros> submitted_at;
  std::optional<Micros> signed_at;
  std::optional<std::string> supervisor_id;  // who it was submitted to (issue #15)
  bool has_comment = false;    // returned with a comment (ReturnComment reads it)
};

// A supervisor's signature of a weekly log (issue #15, C42; docs/signing.md): who signed,
// from which IP (as the connection saw it), when, and the SHA-256 of the week's canonical
// content at signing. `event_id` is its signature.made audit event, whose receipt
// (audit::ProofFor) proves it offline. `matches`: the week's content now is the signed
// content and it was not amended since.
struct Signature {
  std::string week_id;
  std::string supervisor_id;
  std::string ip;
  Micros signed_at = 0;
  std::string content_sha256;
  std::string event_id;
  bool matches = false;
};

// A staged CSV import (C52): parsed in memory, rows sealed under a key of its own that is
// destroyed on confirmation, cancellation or at 15 minutes.
struct ImportRow {
  int row = 0;  // 1-based line of the file's data (the header is row 0)
  Day date{};
  std::int64_t minutes = 0;
  Category category = Category::kIndividual;
  std::string setting;  // a setting's name from the file, or empty: the default setting
  std::string alias;    // initials only
  bool telehealth = false;
  bool video = false;
  std::optional<int> group_size;
  std::optional<bool> pre_degree;
};
struct ImportError {
  int row = 0;
  std::string message;  // "row 17: 13/45/2026 is not a date" — never a cell's name text
};
// Field -> the file's header for it ("date" -> "Session Date"); empty: guessed.
using ColumnMapping = std::map<std::string, std::string>;
struct ImportPreview {
  std::string id;
  std::vector<ImportRow> rows;
  std::vector<ImportError> errors;
  std::vector<std::string> headers;  // as found in the file
  ColumnMapping mapping;             // as used
  std::vector<std::string> new_settings;  // names the file uses that do not exist yet
  Micros expires_at = 0;
  // What the file lacks a column for: "date", "minutes" (minutes or hours), "category",
  // and "setting" when there is no setting column, no default setting was chosen and the
  // associate does not have exactly one. Non-empty: nothing was read or staged (`id` is
  // empty, no row, no error, no audit event); the mapping form asks.
  std::vector<std::string> missing;
};
inline constexpr Micros kImportLifetime = 15LL * 60 * kMicrosPerSecond;
inline constexpr std::size_t kMaxImportBytes = 8u * 1024 * 1024;
inline constexpr std::size_t kMaxImportRows = 50'000;

// The progress page's contents.
struct Summary {
  Profile profile;
  std::vector<Setting> settings;
  Progress progress;
};

// What hours borrows from the modules before it (cli/modules.cpp wires practice's).
struct Lookups {
  // The alias of a client of the caller's practice; kNotFound for another tenant's.
  std::function<Result<std::string>(const identity::TherapistScope&, std::string_view client_id)>
      alias_of;
  // The caller's local day ("YYYY-MM-DD") at `t` (practice::Practice::LocalDay).
  std::function<Result<std::string>(const identity::TherapistScope&, Micros t)> local_day;
};

struct StagedImport;  // hours/import_blob.hpp

class Hours {
 public:
  // Borrows everything; all must outlive the service.
  Hours(store::Db& db, crypto::KeyRing& keys, const audit::Log& log, const Clock& clock,
        Lookups lookups);

  // The profile; nullopt until set (the account then has no hours pages).
  Result<std::optional<Profile>> GetProfile(const identity::TherapistScope& who);
  // Audited. kInvalidArgument for a degree date in the future, a registration before
  // the degree, a registration number that is not [A-Za-z0-9 -]{1,32}.
  Status SetProfile(const identity::TherapistScope& who, const Profile& profile,
                    const identity::Caller& caller);

  Result<std::vector<Setting>> ListSettings(const identity::TherapistScope& who);
  // One setting; kNotFound for another tenant's (and for any id without a profile).
  Result<Setting> GetSetting(const identity::TherapistScope& who, std::string_view id);
  Result<std::string> AddSetting(const identity::TherapistScope& who, const NewSetting& s,
                                 const identity::Caller& caller);
  Status UpdateSetting(const identity::TherapistScope& who, std::string_view id,
                       const NewSetting& s, const identity::Caller& caller);
  // kFailedPrecondition while sessions are logged in it.
  Status DeleteSetting(const identity::TherapistScope& who, std::string_view id,
                       const identity::Caller& caller);

  // kFailedPrecondition without a profile; kNotFound for a setting or client not of
  // this tenant; kInvalidArgument for values out of range; kFailedPrecondition
  // ("week_submitted", "week_signed") for a week that is not open.
  Result<SessionLog> AddSession(const identity::TherapistScope& who, const NewSession& s,
                                const identity::Caller& caller);
  // The week grid: all or nothing, one transaction, one audit event per session.
  Result<std::vector<SessionLog>> AddSessions(const identity::TherapistScope& who,
                                              std::span<const NewSession> sessions,
                                              const identity::Caller& caller);
  // Sessions dated [from, to], by date. kInvalidArgument for a range over 3 years.
  Result<std::vector<SessionLog>> ListSessions(const identity::TherapistScope& who, Day from,
                                               Day to);
  Result<SessionLog> GetSession(const identity::TherapistScope& who, std::string_view id);
  Result<SessionLog> UpdateSession(const identity::TherapistScope& who, std::string_view id,
                                   const SessionChange& change, const identity::Caller& caller);
  Status DeleteSession(const identity::TherapistScope& who, std::string_view id, bool amend,
                       const identity::Caller& caller);

  // Weekly logs with a week_start in [from, to], by week then setting name.
  Result<std::vector<WeeklyLog>> ListWeeks(const identity::TherapistScope& who, Day from, Day to);
  Result<WeeklyLog> GetWeek(const identity::TherapistScope& who, std::string_view id);
  // draft or returned -> submitted (to a supervisor, once issue #15 has them). Audited.
  Result<WeeklyLog> SubmitWeek(const identity::TherapistScope& who, std::string_view id,
                               std::optional<std::string> supervisor_id,
                               const identity::Caller& caller);
  // submitted -> draft: the associate takes a submission back to change it. Audited.
  Result<WeeklyLog> WithdrawWeek(const identity::TherapistScope& who, std::string_view id,
                                 const identity::Caller& caller);
  // The supervisor's side (issue #15 calls these from the signing link; inside its own
  // transaction, which also appends its audit event): submitted -> signed, recording the
  // content hash at signing (and clearing `amended`); submitted -> returned with a
  // comment, sealed beforehand by SealComment. kFailedPrecondition ("week_not_submitted",
  // "week_changed") unless submitted and unchanged since (content_sha256 ==
  // `expected_sha256`); kNotFound for another tenant's week.
  static Status MarkSigned(store::Transaction& tx, store::TenantId tenant,
                           std::string_view week_id, std::string_view expected_sha256, Micros at);
  static Status MarkReturned(store::Transaction& tx, store::TenantId tenant,
                             std::string_view week_id, std::string_view expected_sha256,
                             std::span<const std::uint8_t> sealed_comment, Micros at);
  // The signing itself (C42): MarkSigned, the signature record (supervisor, caller.ip,
  // time, `expected_sha256`) and its signature.made audit event (details: the week, the
  // supervisor, the content digest; ids only), in one transaction, one commit. Errors as
  // MarkSigned; kInvalidArgument for a supervisor id that is not an id.
  Result<Signature> RecordSignature(store::TenantId tenant, std::string_view week_id,
                                    std::string_view supervisor_id,
                                    std::string_view expected_sha256,
                                    const identity::Caller& caller);
  // The same inside the caller's transaction `tx` of Db::BeginTenant(tenant), which the
  // caller commits (hours::Signing consumes the signing link in it too).
  Result<Signature> RecordSignature(store::Transaction& tx, store::TenantId tenant,
                                    std::string_view week_id, std::string_view supervisor_id,
                                    std::string_view expected_sha256,
                                    const identity::Caller& caller);
  // Week `id` of `tenant` for the holder of a signing link (hours::Signing, which checked
  // the link: the caller has no scope of this tenant). Its checks are those of the UTC
  // day. kNotFound as GetWeek.
  Result<WeeklyLog> WeekForSigning(store::TenantId tenant, std::string_view id);
  // The latest signature of the caller's week; kNotFound for a week never signed and for
  // another tenant's week (C20).
  Result<Signature> GetSignature(const identity::TherapistScope& who, std::string_view week_id);
  // Seals a supervisor's comment on week `week_id` for MarkReturned, under the profile's
  // comment key. A key-ring call: BEFORE the transaction that calls MarkReturned (never
  // inside one). kNotFound without a profile.
  Result<std::vector<std::uint8_t>> SealComment(store::TenantId tenant, std::string_view week_id,
                                                const crypto::PhiString& comment);
  // The comment a returned week came back with; kNotFound for a week without one.
  Result<crypto::PhiString> ReturnComment(const identity::TherapistScope& who,
                                          std::string_view week_id);

  // The checks of AddSession on one session's own values (not its setting, client or
  // week): for pages that show the message next to the field. `today` is the caller's
  // local day (no session after it).
  static std::optional<FieldError> CheckSession(const NewSession& s, Day today);

  // Progress against the track's rules at the associate's today.
  Result<Summary> GetSummary(const identity::TherapistScope& who);

  // CSV import (C52; docs/hours-import.md). `csv` is the file as uploaded; nothing of it
  // touches a disk. Rows are checked as AddSession would (CheckSession, and no row in a
  // submitted or signed week): a row that fails is an error of the preview. Rows without
  // a setting go to `default_setting_id` (kNotFound if not the tenant's), or to the only
  // setting there is. kFailedPrecondition without a profile; kInvalidArgument for a file
  // that is not CSV, too big (kMaxImportBytes), or has no row. Audited
  // (csv_import.started, with counts only) once staged; see ImportPreview::missing.
  Result<ImportPreview> StartImport(const identity::TherapistScope& who,
                                    const crypto::PhiString& csv, const ColumnMapping& mapping,
                                    std::optional<std::string> default_setting_id,
                                    const identity::Caller& caller);
  // kNotFound once expired, confirmed or cancelled.
  Result<ImportPreview> GetImport(const identity::TherapistScope& who, std::string_view id);
  // Creates every row's session (and the new settings) in one transaction; destroys the
  // staging key. Audited (csv_import.completed). kFailedPrecondition while any row has an
  // error or a row falls in a submitted or signed week.
  Result<std::int64_t> ConfirmImport(const identity::TherapistScope& who, std::string_view id,
                                     const identity::Caller& caller);
  Status CancelImport(const identity::TherapistScope& who, std::string_view id,
                      const identity::Caller& caller);
  // Destroys staged imports older than kImportLifetime (keys first); how many. Also
  // destroys import keys left without a staging row (a write or destruction that failed).
  Result<std::int64_t> SweepImports(Micros now);

 private:
  // The caller's local day now (Lookups::local_day; UTC without one). Never inside a
  // transaction: the lookup reads the database.
  Result<Day> Today(const identity::TherapistScope& who);
  // The picked clients' aliases of `sessions` (Lookups::alias_of), before a transaction.
  Result<std::map<std::string, std::string>> PickedAliases(
      const identity::TherapistScope& who, std::span<const NewSession> sessions);
  // imports.cpp: a staged import of the caller's, opened (kNotFound when missing or
  // expired: an expired one is destroyed at once); its key and expiry.
  Result<StagedImport> OpenStaged(const identity::TherapistScope& who,
                                         std::string_view id, crypto::KeyId* key,
                                         Micros* expires_at);
  // Destroys the key of a staged import, then deletes its row.
  Status DestroyStaged(store::TenantId tenant, std::string_view id, crypto::KeyId key);

  store::Db& db_;
  crypto::KeyRing& keys_;
  identity::UnitOfWork work_;
  const Clock& clock_;
  Lookups lookups_;
  const audit::Log& log_;
};

}  // namespace alcove::hours
