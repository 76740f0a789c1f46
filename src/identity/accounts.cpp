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
