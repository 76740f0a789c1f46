#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
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
#include "mail/queue.hpp"
#include "measures/measure_mail.hpp"
#include "measures/service.hpp"
#include "portal/types.hpp"
#include "practice/practice.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::portal {

// The client portal (issue #17; docs/portal.md; claims C20-C24, C26, C27, C31, C40, C53).
//
// - A client account (role client, in the therapist's tenant) is tied to exactly one
//   client record by a row of `portal_access` (tenant_id, client_id, account_id, status,
//   invite_hash, invited_at, accepted_at, ended_at). Every client-side method finds that
//   row from the caller's account; nothing a client sends names a client record.
// - Invitation (C27, C53): a 256-bit single-use token (crypto::TokenIssuer, purpose
//   kInvitationPurpose), valid kInvitationLifetime, stored only as its hash; the access
//   row keeps the hash of the newest one, so inviting again makes every earlier link
//   useless. It goes to the address in the client's record, in a mail
//   (mail::MailKind::kPortalInvitation) that holds the link https://ORIGIN/portal/accept#token=T
//   only. The web layer rate-limits invitations per therapist (class portal_invite, C30).
// - Accepting signs the client in (identity::Identity::SignInInvited) in the transaction
//   that uses the token up and makes the access active. Later sign-ins are the ordinary
//   magic link or code (C26).
// - Ending access deletes the client's account in one transaction with the access row's
//   change: its sessions and sign-in links go with it, so the client's next request is
//   refused (C23) and no magic link can be asked for it.
// - Shares (C21, C22): one item at a time (a reviewed summary, a questionnaire result, an
//   instrument's trend), made only through Shareable. A share is visible from the next
//   request and gone (kNotFound) from the next request after it is revoked; every read
//   checks the share and the access are live. The history (shared at, revoked at) is kept.
// - Every change is one audit event with ids only (C40): sharing.granted / sharing.revoked
//   (object portal_share, details client, kind), auth.magic_link.issued (object
//   portal_access, kind portal_invitation), sharing.revoked (object portal_access) for an
//   end; a client's or therapist's read of the portal is one record.accessed event.
// - Another tenant's client or share, or (for a client) anything of another client, is
//   kNotFound exactly like a missing one (C20, C31).
// Thread-safety: every method may be called from any thread.

// The schema (versions 801-899).
std::span<const store::Migration> PortalMigrations();

inline constexpr Micros kInvitationLifetime = 7LL * 24 * 3600 * kMicrosPerSecond;
inline constexpr std::string_view kInvitationPurpose = "portal.invite";

namespace internal {
struct AccessRow;
}  // namespace internal

class Portal {
 public:
  // Borrows everything; all must outlive the service. `public_origin` is
  // "https://host[:port]", the origin of the link in the invitation mail.
  Portal(store::Db& db, identity::Identity& identity, practice::Practice& practice,
         measures::Measures& measures, const audit::Log& log, mail::Queue& mail, const Clock& clock,
         std::string public_origin);

  // ---- The therapist's side: access ----
  // Invites the client to the portal: makes (or, while invited, renews) the access row,
  // the client's account on first invitation (identity::Identity::AddMember, role
  // client), a new invitation token, and mails its link to the address in the client's
  // record. kNotFound for a client not of the caller's practice; kFailedPrecondition when
  // the record has no address, the client is discharged, or the address has an account
  // already (another client's or anyone's); kAlreadyExists when access is active.
  Status Invite(const identity::TherapistScope& who, std::string_view client_id,
                const identity::Caller& caller);
  // The client's access (status kNone when never invited). Not audited: no content.
  Result<Access> GetAccess(const identity::TherapistScope& who, std::string_view client_id);
  // Ends the client's access (an invited one: the invitation stops working; an active
  // one: the account and its sessions go at once). kNotFound when the client has no
  // invited or active access.
  Status EndAccess(const identity::TherapistScope& who, std::string_view client_id,
                   const identity::Caller& caller);

  // ---- Accepting (the invitation's page) ----
  // Uses an invitation token: makes the access active and signs the client in, in one
  // transaction. kUnauthenticated, in one set of words, for an unknown, used, expired,
  // superseded or ended invitation (the web layer answers 410 invitation_unusable).
  Result<identity::NewSession> Accept(const crypto::SecretString& token,
                                      const identity::Caller& caller);

  // ---- The therapist's side: shares (C21, C22) ----
  // Shares one item of the client: kSummary (a reviewed summary; kFailedPrecondition for
  // a draft), kResult (a questionnaire result) or kTrend (`item_id` an instrument id with
  // at least one result, else kFailedPrecondition). kNotFound for a client or item not of
  // the caller's practice or not of this client; kAlreadyExists when the same item is shared and
  // not revoked. Returns the share's id. Audited sharing.granted.
  Result<std::string> Share(const identity::TherapistScope& who, std::string_view client_id,
                            ShareKind kind, std::string_view item_id,
                            const identity::Caller& caller);
  // Revokes a live share: gone from the client's next request. kNotFound for a share not
  // of the caller's tenant or revoked already. Audited sharing.revoked.
  Status Revoke(const identity::TherapistScope& who, std::string_view share_id,
                const identity::Caller& caller);
  // Every share of the client, live and revoked, newest first (not audited: ids only).
  Result<std::vector<ShareRecord>> ShareHistory(const identity::TherapistScope& who,
                                                std::string_view client_id);
  // "What this client sees now": the very PortalView the client's home is made from (by
  // the same code), marked read_only, whether or not access is active. Audited once.
  Result<PortalView> PortalViewFor(const identity::TherapistScope& who, std::string_view client_id,
                                   const identity::Caller& caller);
  // One live share of the client as the client sees it, without marking it opened.
  // kNotFound as GetItem. Audited once.
  Result<PortalItem> ItemFor(const identity::TherapistScope& who, std::string_view client_id,
                             std::string_view share_id, const identity::Caller& caller);

  // ---- The client's side (ClientScope: only the caller's own client record) ----
  // The id of the caller's own client record, for modules built on the portal (a
  // recording's consent). kNotFound when the account has no active access. Not audited:
  // an id only.
  Result<std::string> ClientOf(const identity::ClientScope& who);
  // The home: live shares newest first (opened ones marked), pending questionnaires.
  // kNotFound when the account has no active access. Audited once.
  Result<PortalView> Home(const identity::ClientScope& who, const identity::Caller& caller);
  // One live share with its content; the first read marks it opened. kNotFound for a
  // share that is not the caller's, revoked, or unknown. Audited once.
  Result<PortalItem> GetItem(const identity::ClientScope& who, std::string_view share_id,
                             const identity::Caller& caller);
  // The questionnaires waiting for the caller, oldest first (not audited: no content).
  Result<std::vector<PendingQuestionnaire>> PendingQuestionnaires(const identity::ClientScope& who);
  // The instrument of one of them, for its form. kNotFound unless the assignment is the
  // caller's and pending.
  Result<const measures::Instrument*> OpenQuestionnaire(const identity::ClientScope& who,
                                                        std::string_view assignment_id);
  // Submits one of them, signed in: the same scoring, sealing, safety flag and audit as
  // the public form (measures::Measures::SubmitSignedIn). Returns the result's id.
  // kNotFound unless the assignment is the caller's and pending; kInvalidArgument naming
  // the item for a missing answer.
  Result<std::string> SubmitQuestionnaire(const identity::ClientScope& who,
                                          std::string_view assignment_id,
                                          const measures::Answers& answers,
                                          const identity::Caller& caller);

  // For practice's ClientExtension: deletes the client's portal rows and the client's
  // account (its sessions with it) inside DeleteClient's transaction. The account's data
  // key cannot be destroyed inside a transaction: identity's SweepOrphanAccountKeys does it
  // (the module runs it once a minute).
  Status DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                          std::string_view client_id);

 private:
  // A share about to be recorded: the Shareable (C22: nothing else can be recorded) and
  // what the row keeps besides it.
  struct NewShare {
    std::optional<Shareable> item;
    std::optional<store::Bytes> content;  // a summary's text, sealed
    std::optional<Micros> reviewed_at;
    std::string instrument_id;
  };
  Result<std::string> Record(const identity::TherapistScope& who, const std::string& share_id,
                             const NewShare& share, const identity::Caller& caller);
  // Ends the client's current access (`reason` for its audit event: "ended",
  // "address_changed"): the account and its sessions go in the same transaction.
  Status End(const identity::TherapistScope& who, const std::string& client_id,
             std::string_view reason, const identity::Caller& caller);
  // The caller's active access row (kNotFound without one: no portal for this account).
  Result<internal::AccessRow> ActiveAccess(const identity::ClientScope& who);
  // The client's current (invited or active) access row in `tx`, if any.
  Result<std::optional<internal::AccessRow>> CurrentAccess(store::Transaction& tx,
                                                           store::TenantId tenant,
                                                           std::string_view client_id);
  // The view of client `client_id` of `tenant`, whose therapist is `therapist_account`:
  // the one code both Home and PortalViewFor use.
  Result<PortalView> ViewOf(store::TenantId tenant, std::string_view client_id,
                            std::string_view therapist_account);
  // One live share of the client with its content (not audited, nothing marked).
  Result<PortalItem> ItemOf(store::TenantId tenant, std::string_view client_id,
                            std::string_view share_id);

  store::Db& db_;
  identity::Identity& identity_;
  practice::Practice& practice_;
  measures::Measures& measures_;
  const audit::Log& log_;
  mail::Queue& mail_;
  const Clock& clock_;
  std::string origin_;
  crypto::TokenIssuer tokens_;
  identity::UnitOfWork work_;
  measures::MeasureMail address_;  // the address in the client's record
};

}  // namespace alcove::portal
