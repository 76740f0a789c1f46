#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "crypto/tokens.hpp"
#include "identity/identity.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "identity/unit_of_work.hpp"
#include "measures/types.hpp"
#include "practice/practice.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::measures {

// Assignments, their links and the results (issue #16; docs/measures.md § Assignments
// and links; claims C01, C20, C27, C40). Built on practice: an assignment is of a client
// of the caller's practice.
//
// - The therapist's side takes a TherapistScope and touches only its tenant (every
//   statement in Db::BeginTenant(who.tenant()) and filtered by tenant_id): another
//   tenant's client or assignment is kNotFound, exactly as a missing one (C20).
// - The link (C27): a 256-bit single-use token from crypto::TokenIssuer (purpose
//   kLinkPurpose, the assignment's id as subject, its tenant), valid 1 hour to 30 days
//   (default 7 days), stored only as its SHA-256 hash. The path `/q/TOKEN` is returned
//   once, by Assign. OpenLink and Submit refuse an unknown, used, expired or cancelled
//   link, or one whose client is gone or discharged, with one same error (LinkUnusable:
//   kUnauthenticated, "This link is invalid or has expired."): nothing tells them apart.
// - The public side (OpenLink, Submit) needs no account: the token is the authority, and
//   names the tenant. OpenLink shows the instrument and the practice's name, nothing of
//   the client. The web layer rate-limits these per address (C30) before calling them.
// - Answers and scores are sealed with the client's data key (practice::ClientSealer;
//   C01), in table measure_results. No column holds them in clear; the flags are inside
//   the sealed scores.
// - Audited with ids only (C40): an assignment made (record.created, object
//   measure_assignment, details client) or cancelled (record.updated, change cancelled),
//   a submission (record.created, object measure_result, details client and assignment;
//   no actor account: the link's holder), a list of results read (record.accessed,
//   object client, details count).
// Thread-safety: every method may be called from any thread.

// The schema (versions 701-799).
std::span<const store::Migration> MeasuresMigrations();

inline constexpr std::string_view kLinkPurpose = "measures.link";
inline constexpr Micros kMinLinkLifetime = 3600LL * kMicrosPerSecond;
inline constexpr Micros kMaxLinkLifetime = 30LL * 24 * 3600 * kMicrosPerSecond;
inline constexpr Micros kDefaultLinkLifetime = 7LL * 24 * 3600 * kMicrosPerSecond;

// The one error of an unusable link (unknown, used, expired, cancelled, client gone).
std::unexpected<Error> LinkUnusable(std::string internal);

// What Assign hands back once: the assignment and its link's path "/q/TOKEN".
struct NewAssignment {
  std::string id;
  crypto::SecretString link;
  Micros expires_at = 0;
};

enum class AssignmentStatus { kPending, kUsed, kExpired, kCancelled };
std::string_view AssignmentStatusName(AssignmentStatus s);  // "pending", "used", ...

// An assignment as the therapist sees it (no content: ids, the instrument, times).
struct Assignment {
  std::string id;
  std::string client_id;
  std::string instrument_id;
  AssignmentStatus status = AssignmentStatus::kPending;
  Micros created_at = 0;
  Micros expires_at = 0;
  std::optional<Micros> used_at;
  std::optional<Micros> cancelled_at;
};

// What the public form shows: the instrument and who asks, nothing of the client.
struct LinkView {
  const Instrument* instrument = nullptr;  // a built-in instrument (never null on success)
  std::string practice_name;               // the assigning therapist's display name
  Micros expires_at = 0;
};

// One result, decrypted, with how it moved from the first and the previous result of the
// same instrument (empty for the first).
struct MeasureResult {
  std::string id;
  std::string client_id;
  std::string assignment_id;  // "" when none
  std::string instrument_id;
  int instrument_version = 0;
  Micros submitted_at = 0;
  Answers answers;
  Score score;
  std::vector<ScaleChange> change;
};

// A result not yet reviewed, as the Today page shows it (part "pages"): the scores
// decrypted, the answers not.
struct NewResult {
  std::string id;
  std::string client_id;
  std::string alias;
  std::string instrument_id;
  Micros submitted_at = 0;
  Score score;
};

class Measures {
 public:
  // Borrows everything; all must outlive the service.
  Measures(store::Db& db, practice::Practice& practice, identity::Identity& identity,
           const audit::Log& log, const Clock& clock);

  // ---- The therapist's side ----
  // Assigns instrument `instrument_id` ("phq-9") to the client; the link lives
  // `lifetime` (kMinLinkLifetime..kMaxLinkLifetime; nullopt: kDefaultLinkLifetime).
  // kNotFound for a client not of the caller's practice; kInvalidArgument for an unknown
  // instrument or a lifetime out of range; kFailedPrecondition for a discharged client.
  Result<NewAssignment> Assign(const identity::TherapistScope& who, std::string_view client_id,
                               std::string_view instrument_id, std::optional<Micros> lifetime,
                               const identity::Caller& caller);
  // The client's assignments, newest first (not audited: no content).
  Result<std::vector<Assignment>> ListAssignments(const identity::TherapistScope& who,
                                                  std::string_view client_id);
  // Withdraws a pending or expired assignment: its link stops working. kNotFound for an
  // assignment not of the caller's tenant; kFailedPrecondition when it was filled in or
  // cancelled already.
  Status Cancel(const identity::TherapistScope& who, std::string_view assignment_id,
                const identity::Caller& caller);
  // The client's results, oldest first, decrypted, each with its change from the first
  // and the previous result of its instrument; one audit event before they are returned.
  Result<std::vector<MeasureResult>> ListResults(const identity::TherapistScope& who,
                                                 std::string_view client_id,
                                                 const identity::Caller& caller);

  // ---- The public form (no account: the token is the authority) ----
  Result<LinkView> OpenLink(const crypto::SecretString& token);
  // Scores the answers, seals answers and scores with the client's key, stores the result
  // and uses the link up, in one transaction with its audit event. Returns the result's
  // id. LinkUnusable as OpenLink (also for the loser of two concurrent submissions);
  // kInvalidArgument naming the item ("Item 4 needs an answer.") leaves the link usable.
  Result<std::string> Submit(const crypto::SecretString& token, const Answers& answers,
                             const identity::Caller& caller);

  // ---- Reviews of results (part "pages"; docs/measures.md § The safety flag) ----
  // Every result is new until the therapist marks it reviewed (migration 710,
  // measure_reviews: ids and times only, so nothing there tells a flagged result from
  // another). The Today page shows the new ones, a raised flag (PHQ-9 item 9 above zero)
  // as an alert, until then.
  // The caller's new results, oldest first: only these are decrypted (their scores, not
  // their answers), with the client's alias; one record.accessed event per client
  // (object the client, details the count) before they are returned. At most `limit`.
  Result<std::vector<NewResult>> ListUnreviewed(const identity::TherapistScope& who,
                                                const identity::Caller& caller,
                                                std::size_t limit = 100);
  // How many results the client has (no content, not audited).
  Result<std::int64_t> CountResults(const identity::TherapistScope& who,
                                    std::string_view client_id);
  // The ids of the client's results not yet reviewed (no content, not audited).
  Result<std::vector<std::string>> UnreviewedIds(const identity::TherapistScope& who,
                                                 std::string_view client_id);
  // Marks a result reviewed (audited: record.updated of the measure_result, change
  // reviewed, details client). kNotFound for a result not of the caller's tenant;
  // reviewing one twice is kFailedPrecondition.
  Status MarkReviewed(const identity::TherapistScope& who, std::string_view result_id,
                      const identity::Caller& caller);

  // For practice's ClientExtension: deletes the client's rows, inside DeleteClient's
  // transaction (the client's key is destroyed after it, C06).
  static Status DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                                 std::string_view client_id);

  // ---- Part "api" (results_api.cpp): one result, the safety flag's notice, and the
  // assignment a schedule makes ----
  // One result, decrypted, without `change` (ListResults has it); audited record.accessed
  // (object measure_result, details client) before it is returned. kNotFound for a result
  // not of the caller's tenant (C20) or a malformed id.
  Result<MeasureResult> GetResult(const identity::TherapistScope& who, std::string_view result_id,
                                  const identity::Caller& caller);
  // Called by Submit after its commit when the answers raised a flag (Score::flags not
  // empty), with ids only: the tenant, the assigning therapist's account and the client.
  // It must not block (measure_mail.hpp's MeasureMail::FlagNotice queues a mail). Set at
  // start-up, before any Submit (cli's MeasuresModule); none set: no notice.
  using FlagNotice = std::function<void(store::TenantId tenant, std::string_view assigned_by,
                                        std::string_view client_id)>;
  void SetFlagNotice(FlagNotice notice) { flag_notice_ = std::move(notice); }
  // Inserts a pending assignment of `client_id` (which the caller checked is of `tenant`
  // and active) and issues its link, inside the caller's transaction `tx`, not audited
  // (the caller audits): Assign's core, and what a schedule (schedules.hpp) makes.
  // kInvalidArgument for an unknown instrument or a lifetime out of range.
  Result<NewAssignment> InsertAssignment(store::Transaction& tx, store::TenantId tenant,
                                         std::string_view client_id, std::string_view instrument_id,
                                         std::string_view assigned_by, Micros lifetime);

  // ---- For the client portal (src/portal/): the portal has found the client record the
  // signed-in client is tied to; these never decide that themselves ----
  // The client's results, oldest first, decrypted, each with its change (as ListResults),
  // NOT audited: the caller audits what it shows. kNotFound for a client not of `tenant`.
  Result<std::vector<MeasureResult>> LoadClientResults(store::TenantId tenant,
                                                       std::string_view client_id);
  // The client's pending, unexpired assignments, oldest first (no content, not audited).
  Result<std::vector<Assignment>> PendingAssignments(store::TenantId tenant,
                                                     std::string_view client_id);
  // Submits a pending assignment of `client_id` as the signed-in client `who` (its link is
  // then unusable too): the same scoring, sealing, flag notice and record.created event as
  // Submit, with the client's account as actor. REQUIRES: `client_id` is the record `who`
  // is tied to (the portal's check). kNotFound unless the assignment is that client's and
  // pending in who's tenant; kInvalidArgument naming the item as Submit.
  Result<std::string> SubmitSignedIn(const identity::ClientScope& who, std::string_view client_id,
                                     std::string_view assignment_id, const Answers& answers,
                                     const identity::Caller& caller);

 private:
  struct LinkRow;
  // The assignment a token stands for, still pending; LinkUnusable otherwise.
  Result<LinkRow> UsableLink(const crypto::SecretString& token);
  // Assignment `assignment_id` of `tenant` (and of `client_id`, when given), pending, its
  // client active; LinkUnusable otherwise.
  Result<LinkRow> PendingAssignment(store::TenantId tenant, std::string_view assignment_id,
                                    std::optional<std::string_view> client_id);
  // Submit's core: scores, seals and stores the answers and uses the assignment up (and
  // `token`, when the form came by link), with its event by `actor` (nullopt: the link's
  // holder) in one transaction; then the flag notice.
  Result<std::string> RecordSubmission(const LinkRow& link, const Answers& answers,
                                       const crypto::SecretString* token,
                                       std::optional<std::string_view> actor,
                                       const identity::Caller& caller);

  store::Db& db_;
  practice::Practice& practice_;
  identity::Identity& identity_;
  crypto::TokenIssuer tokens_;
  identity::UnitOfWork work_;
  const audit::Log& log_;
  const Clock& clock_;
  FlagNotice flag_notice_;  // part "api"
};

}  // namespace alcove::measures
