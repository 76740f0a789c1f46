// Accounts: therapists with their tenant, members of a tenant (supervisors, clients).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <utility>

#include "core/encoding.hpp"
#include "core/utf8.hpp"
#include "crypto/field_cipher.hpp"
#include "crypto/random.hpp"
#include "crypto/sha.hpp"
#include "identity/identity.hpp"
#include "identity/internal.hpp"
#include "identity/password_policy.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"

namespace alcove::identity {

using crypto::SecretString;
using namespace internal;  // NOLINT: this module's own helpers

store::TenantId Identity::NewTenantId() {
  // A tenant id: random, positive, below 2^53 (exact in JSON numbers).
  std::array<std::uint8_t, 8> raw{};
  crypto::RandomBytes(raw);
  std::uint64_t r = 0;
  for (const auto b : raw) {
    r = (r << 8) | b;
  }
  return static_cast<store::TenantId>((r & ((std::uint64_t{1} << 53) - 1)) | 1);
}

Result<std::string> Identity::AddMember(const TherapistScope& owner, Role role,
                                        std::string_view email, std::string_view name,
                                        const Caller& caller) {
  if (role == Role::kTherapist) {
    return Fail(ErrorCode::kInvalidArgument, "a tenant has one therapist",
                "A practice has one therapist; add a supervisor or a client.");
  }
  ALCOVE_TRY_ASSIGN(const std::string normalized, NormalizeEmail(email));
  ALCOVE_TRY_ASSIGN(const std::string display, NormalizeName(name));
  ALCOVE_TRY_ASSIGN(const auto existing, FindAccountByEmail(normalized));
  if (existing) {
    return Fail(ErrorCode::kAlreadyExists, "member address already has an account",
                "That address already has an Alcove account.");
  }
  ALCOVE_TRY_ASSIGN(const AccountRow a,
                    CreateAccount(owner.tenant(), false, role, normalized, display,
                                  owner.account_id(), caller));
  return a.id;
}

Result<Identity::Member> Identity::FindOrCreateSupervisor(std::string_view email,
                                                          std::string_view name,
                                                          std::string_view inviter_account,
                                                          const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const std::string normalized, NormalizeEmail(email));
  ALCOVE_TRY_ASSIGN(const std::string display, NormalizeName(name));
  auto of_role = [](const AccountRow& a) -> Result<Member> {
    if (a.role != Role::kSupervisor) {
      return Fail(ErrorCode::kFailedPrecondition, "supervisor address has an account of another role",
                  "That address already has an Alcove account of another kind (a therapist's "
                  "or a client's), so it cannot be a supervisor's. Ask your supervisor for "
                  "another address.");
    }
    return Member{.account_id = a.id, .tenant = a.tenant};
  };
  for (int attempt = 0; attempt < 2; ++attempt) {
    ALCOVE_TRY_ASSIGN(const auto existing, FindAccountByEmail(normalized));
    if (existing) {
      return of_role(*existing);
    }
    auto created = CreateAccount(NewTenantId(), true, Role::kSupervisor, normalized, display,
                                 std::string(inviter_account), caller);
    if (created) {
      return Member{.account_id = created->id, .tenant = created->tenant};
    }
    if (created.error().code != ErrorCode::kConflict) {
      return std::unexpected(created.error());
    }
    // The address got an account between the lookup and the insert: take that one.
  }
  return Fail(ErrorCode::kUnavailable, "supervisor account creation raced twice");
}

Result<NewSession> Identity::SignInInvited(
    std::string_view account_id, const std::function<Result<bool>(store::Transaction&)>& consume,
    const Caller& caller) {
  // Supervisors accept supervision links, clients portal invitations (docs/portal.md).
  auto invitable = [](const AccountRow& a) {
    return a.role == Role::kSupervisor || a.role == Role::kClient;
  };
  std::optional<AccountRow> before;
  {
    ALCOVE_TRY_ASSIGN(auto read, db_.Begin());
    ALCOVE_TRY_ASSIGN(before, FindAccountById(*read, account_id));
  }
  if (!before || !invitable(*before)) {
    return Unauthenticated("invitation for an account that is gone or not a member's",
                           "this link is invalid or has expired");
  }
  ALCOVE_TRY_ASSIGN(const std::string email, AccountEmail(*before));
  ALCOVE_TRY_ASSIGN(auto known_browser, KnownBrowserCookie(email, caller));
  // A client's invitation lives in the therapist's tenant tables (row-level security).
  ALCOVE_TRY_ASSIGN(auto tx,
                    before->role == Role::kClient ? db_.BeginTenant(before->tenant) : db_.Begin());
  ALCOVE_TRY_ASSIGN(const bool owned, consume(*tx));
  if (!owned) {
    return Unauthenticated("invitation used concurrently", "this link is invalid or has expired");
  }
  ALCOVE_TRY_ASSIGN(auto account, FindAccountById(*tx, account_id));
  if (!account || account->role != before->role) {
    return Unauthenticated("invitation for an account that is gone",
                           "this link is invalid or has expired");
  }
  return FinishLinkSignIn(std::move(tx), std::move(*account), "invitation", false,
                          std::move(known_browser), caller);
}

Result<std::optional<crypto::KeyId>> Identity::DeleteClientAccount(store::Transaction& tx,
                                                                   store::TenantId tenant,
                                                                   std::string_view account_id) {
  const store::Value params[] = {std::string(account_id), tenant};
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query("SELECT key_id FROM accounts WHERE id = $1 AND "
                                        "tenant_id = $2 AND role = 'client'",
                                        params));
  if (rows.empty()) {
    return std::nullopt;
  }
  const auto key = static_cast<crypto::KeyId>(rows.front().Int(0));
  const std::string id(account_id);
  const store::Value one[] = {id};
  // Its sessions first (dead on their next request, C23), then its links and the account
  // (sign-in codes go with it: ON DELETE CASCADE).
  ALCOVE_TRY(tx.Execute("DELETE FROM sessions WHERE account_id = $1", one));
  ALCOVE_TRY(EndSignInLinks(tx, id));
  ALCOVE_TRY(
      tx.Execute("DELETE FROM accounts WHERE id = $1 AND tenant_id = $2 AND role = "
                 "'client'",
                 params));
  return key;
}

Result<Profile> Identity::AccountById(std::string_view account_id) {
  std::optional<AccountRow> a;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    ALCOVE_TRY_ASSIGN(a, FindAccountById(*tx, account_id));
  }
  if (!a) {
    return Fail(ErrorCode::kNotFound, "no such account", "No such account.");
  }
  const crypto::FieldCipher cipher(keys_, a->key_id);
  auto email = cipher.Open(a->email, {a->tenant, "accounts", "email", a->id});
  auto name = cipher.Open(a->name, {a->tenant, "accounts", "name", a->id});
  if (!email || !name) {
    return std::unexpected(!email ? email.error() : name.error());
  }
  return Profile{.id = a->id,
                 .email = email->reveal(),
                 .name = name->reveal(),
                 .role = a->role,
                 .has_password = a->password_hash.has_value()};
}

void Identity::DiscardAccountKey(store::TenantId tenant, crypto::KeyId key) {
  // The key sealed nothing that was stored; a failure leaves an unused wrapped key.
  if (auto st = keys_.DestroyDek(tenant, key); !st) {
    spdlog::error("an unused account data key {} was not destroyed: {}", key, st.error().internal);
  }
}

Result<Identity::AccountRow> Identity::PrepareAccount(store::TenantId tenant, Role role,
                                                     const std::string& email,
                                                     const std::string& name) {
  // Everything that needs the key ring (which may read the database) happens here,
  // before the insert's transaction.
  ALCOVE_TRY_ASSIGN(auto lookup, EmailLookupHash(email));
  ALCOVE_TRY_ASSIGN(auto key, keys_.CreateDek(tenant, "account"));
  AccountRow a;
  a.email_hash = store::Bytes(lookup.begin(), lookup.end());
  a.id = store::NewId();
  a.tenant = tenant;
  a.role = role;
  a.key_id = key;
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed_email = cipher.Seal(email, {tenant, "accounts", "email", a.id});
  auto sealed_name = cipher.Seal(name, {tenant, "accounts", "name", a.id});
  if (!sealed_email || !sealed_name) {
    DiscardAccountKey(tenant, key);
    return std::unexpected(!sealed_email ? sealed_email.error() : sealed_name.error());
  }
  a.email = std::move(*sealed_email);
  a.name = std::move(*sealed_name);
  return a;
}

Status Identity::InsertAccount(store::Transaction& tx, const AccountRow& a, bool new_tenant,
                               const std::optional<std::string>& actor, const Caller& caller) {
  const Micros now = clock_.Now();
  const store::Value tenant_params[] = {a.tenant, now};
  if (new_tenant) {
    ALCOVE_TRY(tx.Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", tenant_params));
  }
  auto optional_text = [](const std::optional<std::string>& v) {
    return v ? store::Value(*v) : store::Value(store::Null{});
  };
  auto optional_time = [](const std::optional<Micros>& v) {
    return v ? store::Value(*v) : store::Value(store::Null{});
  };
  const store::Value params[] = {
      a.id,
      a.tenant,
      std::string(RoleName(a.role)),
      a.email_hash,
      a.email,
      a.name,
      static_cast<std::int64_t>(a.key_id),
      optional_text(a.password_hash),
      optional_text(a.pending_password_hash),
      optional_time(a.email_verified_at),
      now,
      optional_time(a.password_hash ? a.email_verified_at : std::nullopt),
  };
  ALCOVE_TRY(tx.Execute(
      "INSERT INTO accounts (id, tenant_id, role, email_hash, email, name, key_id, "
      "password_hash, pending_password_hash, email_verified_at, created_at, "
      "password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      params));
  audit::Event e = EventFor(now, audit::Action::kAccountCreated, a.tenant,
                            actor ? std::string_view(*actor) : std::string_view(a.id), caller,
                            "account", a.id);
  (void)e.details.SetToken("role", RoleName(a.role));
  ALCOVE_TRY(log_.Append(tx, e));
  return {};
}

Result<Identity::AccountRow> Identity::CreateAccount(store::TenantId tenant, bool new_tenant,
                                                     Role role, const std::string& email,
                                                     const std::string& name,
                                                     const std::optional<std::string>& actor,
                                                     const Caller& caller) {
  ALCOVE_TRY_ASSIGN(AccountRow a, PrepareAccount(tenant, role, email, name));
  auto insert = [&]() -> Status {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    ALCOVE_TRY(InsertAccount(*tx, a, new_tenant, actor, caller));
    return tx->Commit();
  };
  if (auto st = insert(); !st) {
    DiscardAccountKey(tenant, a.key_id);
    return std::unexpected(st.error());
  }
  return a;
}

}  // namespace alcove::identity
