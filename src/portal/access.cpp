// Portal access: invitations, accepting, ending (portal.hpp; docs/portal.md § Access).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "crypto/tokens.hpp"
#include "mail/message.hpp"
#include "portal/internal.hpp"
#include "portal/portal.hpp"
#include "store/ids.hpp"

namespace alcove::portal {

using crypto::SecretString;
using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::ClientScope;
using identity::TherapistScope;
using internal::AccessRow;
using internal::NotFound;

namespace {

std::unexpected<Error> InvitationUnusable(std::string_view why) {
  return Fail(ErrorCode::kUnauthenticated, fmt::format("portal invitation refused: {}", why),
              "This invitation cannot be used: it has been used already, it has expired (an "
              "invitation works for 7 days), or a newer one was sent. Ask your therapist to "
              "send a new one.");
}

}  // namespace

Portal::Portal(store::Db& db, identity::Identity& identity, practice::Practice& practice,
               measures::Measures& measures, const audit::Log& log, mail::Queue& mail,
               const Clock& clock, std::string public_origin)
    : db_(db),
      identity_(identity),
      practice_(practice),
      measures_(measures),
      log_(log),
      mail_(mail),
      clock_(clock),
      origin_(std::move(public_origin)),
      tokens_(db, clock),
      work_(db, log, clock),
      address_(practice, identity, mail, origin_) {}

Result<std::optional<AccessRow>> Portal::CurrentAccess(store::Transaction& tx,
                                                       store::TenantId tenant,
                                                       std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(auto rows, internal::AccessRows(tx,
                                                    "tenant_id = $1 AND client_id = $2 AND "
                                                    "status <> 'ended'",
                                                    {tenant, std::string(client_id)}));
  if (rows.empty()) {
    return std::nullopt;
  }
  return std::move(rows.front());
}

Status Portal::Invite(const TherapistScope& who, std::string_view client_id, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  if (client.status != practice::ClientStatus::kActive) {
    return Fail(ErrorCode::kFailedPrecondition, "client discharged",
                "This client is discharged: the portal is for current clients only.");
  }
  std::optional<AccessRow> current;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(current, CurrentAccess(*tx, who.tenant(), client.id));
  }
  if (current && current->status == AccessStatus::kActive) {
    return Fail(ErrorCode::kAlreadyExists, "portal access active already",
                "This client has portal access already.");
  }
  // The address in the record (an audited read of it); no address: nothing is made.
  ALCOVE_TRY_ASSIGN(const std::string address, address_.ClientAddress(who, client.id, caller));
  if (current) {
    // Invited before: the same account, unless the record's address changed since (the
    // account would sign in at the old one): then that invitation and account go.
    auto account = identity_.AccountById(current->account_id);
    if (!account && account.error().code != ErrorCode::kNotFound) {
      return std::unexpected(account.error());
    }
    if (!account || account->email != address) {
      ALCOVE_TRY(End(who, client.id, "address_changed", caller));
      current.reset();
    }
  }
  std::string account_id;
  if (current) {
    account_id = current->account_id;  // a new link for the same account
  } else {
    // The account's display name is the alias: no name leaves the record (C50).
    auto made = identity_.AddMember(who, identity::Role::kClient, address, client.alias, caller);
    if (!made) {
      if (made.error().code == ErrorCode::kAlreadyExists) {
        return Fail(ErrorCode::kFailedPrecondition, "client address has an account",
                    "The email address in this client's record already has an Alcove account "
                    "(perhaps another client's or your own): correct the address first.");
      }
      return std::unexpected(made.error());
    }
    account_id = *made;
  }
  const Micros now = clock_.Now();
  const std::string access_id = current ? current->id : store::NewId();
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  if (!current) {
    const store::Value row[] = {access_id,
                                who.tenant(),
                                client.id,
                                account_id,
                                who.account_id(),
                                now,
                                now + kInvitationLifetime};
    ALCOVE_TRY(tx->Execute(
        "INSERT INTO portal_access (id, tenant_id, client_id, account_id, invited_by, status, "
        "invited_at, invitation_expires_at) VALUES ($1, $2, $3, $4, $5, 'invited', $6, $7)",
        row));
  }
  ALCOVE_TRY_ASSIGN(auto token, tokens_.Issue(*tx, kInvitationPurpose, kInvitationLifetime,
                                              crypto::TokenUse::kSingle, access_id, who.tenant()));
  const store::Value update[] = {crypto::TokenHashBytes(kInvitationPurpose, token), now,
                                 now + kInvitationLifetime, access_id, who.tenant()};
  ALCOVE_TRY_ASSIGN(const auto n,
                    tx->Execute("UPDATE portal_access SET invite_hash = $1, invited_at = $2, "
                                "invitation_expires_at = $3 WHERE id = $4 AND tenant_id = $5 AND "
                                "status = 'invited'",
                                update));
  if (n != 1) {
    return Fail(ErrorCode::kConflict, "portal access changed meanwhile",
                "The portal access of this client changed meanwhile; try again.");
  }
  audit::Event e = identity::EventFor(now, audit::Action::kMagicLinkIssued, who.tenant(),
                                      who.account_id(), caller, "portal_access", access_id);
  e.details = identity::ClientDetails(client.id);
  ALCOVE_TRY(e.details.SetToken("kind", "portal_invitation"));
  ALCOVE_TRY(log_.Append(*tx, e));
  // The mail holds the link only (C53); the token is in the fragment (never in a log).
  ALCOVE_TRY_ASSIGN(auto message, mail::Message::Make(
                                      mail::MailKind::kPortalInvitation, address,
                                      origin_ + "/portal/accept#token=" + token.reveal(), origin_));
  ALCOVE_TRY(tx->Commit());
  return mail_.Enqueue(std::move(message));
}

Result<Access> Portal::GetAccess(const TherapistScope& who, std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto rows, internal::AccessRows(*tx, "tenant_id = $1 AND client_id = $2",
                                                    {who.tenant(), client.id}));
  Access out{.client_id = client.id};
  if (rows.empty()) {
    return out;
  }
  const AccessRow& r = rows.back();  // the newest
  out.status = r.status;
  out.invited_at = r.invited_at;
  out.invitation_expires_at = r.invitation_expires_at;
  out.accepted_at = r.accepted_at;
  out.ended_at = r.ended_at;
  return out;
}

Status Portal::EndAccess(const TherapistScope& who, std::string_view client_id,
                         const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  return End(who, client.id, "ended", caller);
}

Status Portal::End(const TherapistScope& who, const std::string& client_id, std::string_view reason,
                   const Caller& caller) {
  ALCOVE_TRY_ASSIGN(
      const auto key,
      work_.Write(who, caller,
                  [&](store::Transaction& tx) -> Result<Audited<std::optional<crypto::KeyId>>> {
                    ALCOVE_TRY_ASSIGN(auto current, CurrentAccess(tx, who.tenant(), client_id));
                    if (!current) {
                      return NotFound("portal access");
                    }
                    const store::Value set[] = {clock_.Now(), current->id, who.tenant()};
                    ALCOVE_TRY_ASSIGN(
                        const auto n,
                        tx.Execute("UPDATE portal_access SET status = 'ended', ended_at = $1, "
                                   "invite_hash = NULL WHERE id = $2 AND tenant_id = $3 AND "
                                   "status <> 'ended'",
                                   set));
                    if (n != 1) {
                      return NotFound("portal access");
                    }
                    // The account goes, and its sessions with it: dead on the next request.
                    ALCOVE_TRY_ASSIGN(auto account_key, identity_.DeleteClientAccount(
                                                            tx, who.tenant(), current->account_id));
                    AuditNote note{audit::Action::kSharingRevoked, "portal_access", current->id,
                                   identity::ClientDetails(client_id)};
                    ALCOVE_TRY(note.details.SetToken("was", AccessStatusName(current->status)));
                    ALCOVE_TRY(note.details.SetToken("account", current->account_id));
                    ALCOVE_TRY(note.details.SetToken("reason", reason));
                    return Audited<std::optional<crypto::KeyId>>{account_key, std::move(note)};
                  }));
  if (key) {
    identity_.DestroyAccountKey(who.tenant(), *key);
  }
  return {};
}

Result<identity::NewSession> Portal::Accept(const SecretString& token, const Caller& caller) {
  // Right purpose, not used, not expired (one refusal for all).
  auto record = tokens_.Verify(kInvitationPurpose, token);
  if (!record) {
    if (record.error().code == ErrorCode::kUnauthenticated ||
        record.error().code == ErrorCode::kInvalidArgument) {
      return InvitationUnusable(record.error().internal);
    }
    return std::unexpected(record.error());
  }
  if (!record->tenant || *record->tenant <= 0) {
    return InvitationUnusable("token without a tenant");
  }
  const Micros now = clock_.Now();
  const store::TenantId tenant = *record->tenant;
  const store::Bytes hash = crypto::TokenHashBytes(kInvitationPurpose, token);
  std::vector<AccessRow> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
    ALCOVE_TRY_ASSIGN(rows, internal::AccessRows(*tx,
                                                 "id = $1 AND tenant_id = $2 AND status = "
                                                 "'invited'",
                                                 {record->subject, tenant}));
  }
  if (rows.empty() || !crypto::SameTokenHash(rows.front().invite_hash, hash)) {
    return InvitationUnusable("ended, accepted or superseded");
  }
  const AccessRow access = rows.front();
  auto consume = [&](store::Transaction& tx) -> Result<bool> {
    if (!tokens_.Consume(tx, kInvitationPurpose, token)) {
      return false;
    }
    const store::Value params[] = {now, access.id, tenant, hash};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx.Execute("UPDATE portal_access SET status = 'active', accepted_at = $1, "
                                 "invite_hash = NULL WHERE id = $2 AND tenant_id = $3 AND status "
                                 "= 'invited' AND invite_hash = $4",
                                 params));
    if (n != 1) {
      return false;
    }
    audit::Event e = identity::EventFor(now, audit::Action::kSharingGranted, tenant,
                                        access.account_id, caller, "portal_access", access.id);
    e.details = identity::ClientDetails(access.client_id);
    ALCOVE_TRY(e.details.SetToken("to", "client"));
    ALCOVE_TRY(log_.Append(tx, e));
    return true;
  };
  auto session = identity_.SignInInvited(access.account_id, consume, caller);
  if (!session && session.error().code == ErrorCode::kUnauthenticated) {
    return InvitationUnusable("used concurrently, or the account is gone");
  }
  return session;
}

Result<AccessRow> Portal::ActiveAccess(const ClientScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto rows, internal::AccessRows(*tx,
                                                    "tenant_id = $1 AND account_id = $2 AND "
                                                    "status = 'active'",
                                                    {who.tenant(), who.account_id()}));
  if (rows.empty()) {
    // As another's object (C31): an account of role client without portal access has
    // nothing here.
    return Fail(ErrorCode::kNotFound, "client account without active portal access",
                "There is no portal for this account. Ask your therapist if this is a mistake.");
  }
  return std::move(rows.front());
}

Result<std::string> Portal::ClientOf(const ClientScope& who) {
  ALCOVE_TRY_ASSIGN(auto access, ActiveAccess(who));
  return std::move(access.client_id);
}

Status Portal::DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                                std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(auto rows, internal::AccessRows(tx,
                                                    "tenant_id = $1 AND client_id = $2 AND "
                                                    "status <> 'ended'",
                                                    {tenant, std::string(client_id)}));
  for (const AccessRow& r : rows) {
    // Its key goes with identity's sweep of orphan account keys, after this commits.
    ALCOVE_TRY(identity_.DeleteClientAccount(tx, tenant, r.account_id));
  }
  const store::Value params[] = {std::string(client_id), tenant};
  ALCOVE_TRY(
      tx.Execute("DELETE FROM portal_shares WHERE client_id = $1 AND tenant_id = $2", params));
  ALCOVE_TRY(
      tx.Execute("DELETE FROM portal_access WHERE client_id = $1 AND tenant_id = $2", params));
  return {};
}

}  // namespace alcove::portal
