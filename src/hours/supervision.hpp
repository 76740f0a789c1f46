#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/secret.hpp"
#include "crypto/tokens.hpp"
#include "hours/rules.hpp"
#include "hours/supervisor_directory.hpp"
#include "hours/types.hpp"
#include "identity/identity.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "mail/queue.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::hours {

// Supervisors of associates (issue #15; docs/supervisors.md; C25, C27, C29, C53).
//
// A supervisor is an account of role supervisor in a tenant of its own
// (identity::Identity::FindOrCreateSupervisor); a *link* joins it to one associate (a
// therapist's tenant and account), optionally for one work setting:
//   pending (invited) -> active (accepted) -> ended (by either side).
// Links live in `supervision_links`, which is not a tenant table: the supervisor's side
// reads it by the supervisor's account before any associate's tenant is known, with the
// account (or the associate's tenant) always in the SQL; the associate's data is then read
// in a transaction of Db::BeginTenant(associate's tenant).
//
// - Invitation (C27, C53): a 256-bit single-use token (crypto::TokenIssuer), 7 days,
//   stored only as its hash; the link's row keeps the hash of its newest token, so
//   inviting a pending supervisor again makes every earlier link useless. The mail holds
//   the link https://ORIGIN/supervisor/accept#token=T only.
// - Accepting signs the supervisor in (identity::Identity::SignInInvited) in the same
//   transaction that uses the token up and activates the link.
// - The PIN (C25): 6-12 digits, argon2id through crypto::PasswordHasher. The first PIN may
//   be set at any time; changing one needs a sign-in younger than kFreshSignIn, or a reset
//   link mailed to the supervisor (30 minutes, single use, hashed).
// - C29 as a type: what the supervisor's side returns is AssociateSummary and
//   SupervisedWeek only: totals, requirements, weeks and checks in words — never a session,
//   its id, a client's alias, a date finer than the week, or anything of the practice.
// Every change is one audit event with ids only (C40): sharing.granted / sharing.revoked
// for a link accepted / ended, auth.magic_link.issued (kind supervisor_invitation or
// pin_reset), auth.password.changed (credential pin).
// Thread-safety: every method may be called from any thread.

// The tables (supervision_links, supervisor_pins) are hours migrations 604-605
// (HoursMigrations, schema.cpp).

inline constexpr Micros kInvitationLifetime = 7LL * 24 * 3600 * kMicrosPerSecond;
inline constexpr Micros kPinResetLifetime = 30LL * 60 * kMicrosPerSecond;
inline constexpr Micros kFreshSignIn = 10LL * 60 * kMicrosPerSecond;
inline constexpr std::size_t kMinPinDigits = 6;
inline constexpr std::size_t kMaxPinDigits = 12;
// Token purposes (crypto/tokens.hpp).
inline constexpr std::string_view kInvitationPurpose = "hours.supervisor.invite";
inline constexpr std::string_view kPinResetPurpose = "hours.supervisor.pin_reset";

enum class LinkStatus { kPending, kActive, kEnded };
std::string_view LinkStatusName(LinkStatus s);  // "pending", "active", "ended"

struct NewInvitation {
  std::string email;
  std::string name;        // the supervisor's name as the associate writes it
  std::string setting_id;  // empty: every setting
};

// A link as the associate sees it.
struct SupervisorLink {
  std::string id;
  std::string name;
  std::string email;
  LinkStatus status = LinkStatus::kPending;
  std::string setting_id;    // empty: every setting
  std::string setting_name;  // empty: every setting
  Micros invited_at = 0;
  std::optional<Micros> accepted_at;
};

// ---- What a supervisor may see (C29). Nothing else leaves the supervisor's side. ----

// A requirement and how far the associate is (credited minutes, or weeks for weeks bars).
struct SupervisedBar {
  std::string label;
  bool maximum = false;  // a cap ("at most"), not a minimum
  bool in_weeks = false;
  std::int64_t required = 0;  // minutes, or weeks
  std::int64_t counted = 0;
};

// One weekly log: its week (the Monday), setting, status and totals by category.
struct SupervisedWeek {
  Day week_start{};
  std::string setting_name;
  WeekStatus status = WeekStatus::kDraft;
  bool waiting = false;  // submitted to this supervisor and not signed yet
  std::int64_t by_category[kCategoryCount] = {};
  std::int64_t direct = 0;
  std::int64_t nonclinical = 0;
  std::int64_t total = 0;
  std::int64_t credited = 0;
  double supervision_units = 0;
  std::vector<std::string> checks;  // in words, naming weeks, never a day
};

struct AssociateSummary {
  std::string link_id;
  std::string name;                 // the associate's display name
  std::optional<Track> track;       // nullopt: no licensure profile yet
  std::string setting_name;         // the link's setting; empty: every setting
  std::vector<SupervisedBar> bars;  // requirements, then weeks
  std::int64_t credited_minutes = 0;
  std::int64_t remaining_minutes = 0;  // of the total hours requirement
  std::int64_t weeks_supervised = 0;
  std::int64_t weeks_required = 0;
  std::optional<Day> projected_completion;
  bool complete = false;
  std::vector<std::string> checks;     // about the whole record, in words
  std::vector<SupervisedWeek> weeks;   // submitted, signed or returned; newest first
  std::int64_t waiting_weeks = 0;
};

class Supervision {
 public:
  // Borrows everything; all must outlive the service. `public_origin` is
  // "https://host[:port]", the origin of the links in mail.
  Supervision(store::Db& db, identity::Identity& identity, crypto::PasswordHasher& hasher,
              const audit::Log& log, mail::Queue& mail, const Clock& clock,
              std::string public_origin);

  // ---- The associate's side ----
  // Invites a supervisor: finds or makes the supervisor's account, makes the link (or
  // takes the pending one for the same supervisor and setting), issues a new invitation
  // token and mails its link. Returns the link's id. kInvalidArgument for a bad address
  // or name; kNotFound for a setting not of the tenant; kAlreadyExists when that
  // supervisor is active already for that setting; kFailedPrecondition for an address
  // with an account of another role, or the associate's own.
  Result<std::string> Invite(const identity::TherapistScope& who, const NewInvitation& invitation,
                             const identity::Caller& caller);
  // The associate's pending and active links, by name.
  Result<std::vector<SupervisorLink>> ListSupervisors(const identity::TherapistScope& who);
  // Ends a pending or active link (its invitation stops working, the supervisor's access
  // ends on their next request). kNotFound for an ended, unknown or other tenant's link.
  Status EndLink(const identity::TherapistScope& who, std::string_view link_id,
                 const identity::Caller& caller);

  // ---- Accepting (the invitation's page) ----
  // Uses an invitation token: activates its link and signs the supervisor in, in one
  // transaction. kUnauthenticated, in one set of words, for an unknown, used, expired,
  // superseded or withdrawn invitation (the web layer answers 410).
  Result<identity::NewSession> Accept(const crypto::SecretString& token,
                                      const identity::Caller& caller);

  // ---- The supervisor's side (C29: summaries only) ----
  Result<std::vector<AssociateSummary>> ListAssociates(const identity::SupervisorScope& who);
  // kNotFound for a link that is not the supervisor's active one.
  Result<AssociateSummary> GetAssociate(const identity::SupervisorScope& who,
                                        std::string_view link_id);
  Status EndLink(const identity::SupervisorScope& who, std::string_view link_id,
                 const identity::Caller& caller);

  // Whether the supervisor has a PIN.
  Result<bool> HasPin(const identity::SupervisorScope& who);
  // Sets the PIN (C25): 6-12 digits (kInvalidArgument otherwise). The first PIN needs
  // nothing more; changing one needs a session younger than kFreshSignIn
  // (kFailedPrecondition "fresh_sign_in_required" otherwise) or `reset_token`, a PIN
  // reset link's token (used up; kUnauthenticated when it is not the newest live one of
  // this supervisor's).
  // kResourceExhausted when the hashing pool is busy. Audited.
  Status SetPin(const identity::SupervisorScope& who, const crypto::SecretString& pin,
                const std::optional<crypto::SecretString>& reset_token,
                const identity::Caller& caller);
  // Mails the supervisor a PIN reset link (/supervisor/pin#token=T). Audited.
  Status RequestPinReset(const identity::SupervisorScope& who, const identity::Caller& caller);
  // True when the session of `who` is younger than kFreshSignIn.
  Result<bool> FreshSignIn(const identity::SupervisorScope& who);

  // What signing and the forms borrow (supervisor_directory.hpp).
  SupervisorDirectory Directory();

 private:
  struct LinkRow;
  Result<AssociateSummary> Summarise(const LinkRow& link);
  Status End(std::string_view link_id, store::TenantId associate_tenant,
             std::string_view supervisor_account, std::string_view ended_by,
             const std::string& actor, store::TenantId actor_tenant,
             const identity::Caller& caller);
  Result<PinCheck> VerifyPin(std::string_view account_id, const crypto::SecretString& pin);
  // An argon2id string of a random PIN, for the same work when no PIN is set.
  Result<std::string> DummyHash();

  store::Db& db_;
  identity::Identity& identity_;
  crypto::PasswordHasher& hasher_;
  const audit::Log& log_;
  mail::Queue& mail_;
  const Clock& clock_;
  std::string origin_;
  crypto::TokenIssuer tokens_;
  std::mutex dummy_mu_;
  std::string dummy_hash_;
};

// Whether `pin` is 6-12 ASCII digits.
bool IsValidPin(std::string_view pin);
// Whether `error` is SetPin's refusal to change a PIN without a recent sign-in (the web
// layer answers 403 "fresh_sign_in_required").
bool IsFreshSignInRefusal(const Error& error);

}  // namespace alcove::hours
