#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "crypto/sha.hpp"
#include "store/db.hpp"

namespace alcove::audit {

// One auditable action (claim C40). Each value has one stable name (ActionName), which
// is what the canonical bytes and the export carry; names are never reused or renamed
// (a change is a new value).
enum class Action : std::uint8_t {
  kLoginSucceeded,          // "auth.login.succeeded"
  kLoginFailed,             // "auth.login.failed"
  kLogout,                  // "auth.logout"
  kMagicLinkIssued,         // "auth.magic_link.issued"
  kMagicLinkUsed,           // "auth.magic_link.used"
  kSessionRevoked,          // "auth.session.revoked"
  kRecordAccessed,          // "record.accessed"
  kRecordExported,          // "record.exported"
  kSharingGranted,          // "sharing.granted"
  kSharingRevoked,          // "sharing.revoked"
  kConsentGiven,            // "consent.given"
  kConsentWithdrawn,        // "consent.withdrawn"
  kAiUsed,                  // "ai.used"
  kSessionLogCreated,       // "session_log.created"
  kSessionLogEdited,        // "session_log.edited"
  kSessionLogDeleted,       // "session_log.deleted"
  kWeeklyLogStatusChanged,  // "weekly_log.status_changed"
  kSignatureMade,           // "signature.made"
  kCsvImportStarted,        // "csv_import.started"
  kCsvImportCompleted,      // "csv_import.completed"
  kKeyRotated,              // "key.rotated"
  kAccountCreated,          // "auth.account.created"
  kMagicLinkRefused,        // "auth.magic_link.refused" (expired, used, another browser)
  kPasswordChanged,         // "auth.password.changed"
  kSessionDeviceMismatch,   // "auth.session.device_mismatch" (the session is revoked)
  kRecordCreated,           // "record.created" (client, note, summary, conceptualization)
  kRecordUpdated,           // "record.updated"
  kRecordDeleted,           // "record.deleted" (a client: its data key is destroyed too)
  kSummaryReviewed,         // "summary.reviewed"
  kReminderSent,            // "reminder.sent" (hours: a reminder mail, ids only)
};

// Every action, in declaration order (for tests and documentation).
std::span<const Action> AllActions();
std::string_view ActionName(Action action);
std::optional<Action> ActionFromName(std::string_view name);

// Who acted: an account (by its id) or the system itself (start-up, timers).
class Actor {
 public:
  static Actor System() { return Actor("system"); }
  // `account_id` must be a token (see IsToken); kInvalidArgument otherwise (the message
  // never echoes it).
  static Result<Actor> Account(std::string_view account_id);
  // "system" or "account:<id>".
  const std::string& text() const { return text_; }
  bool operator==(const Actor&) const = default;

 private:
  explicit Actor(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// A token: 1 to 64 characters of [a-z0-9_.:-] (lower case). Every text an event holds
// (ids, object types, statuses, detail keys and values) is a token, so no sentence a
// user typed can be put in one, only identifiers and enumerated values.
inline constexpr std::size_t kMaxTokenLength = 64;
bool IsToken(std::string_view text);

// A client IP address as text: 1 to 45 characters of [0-9a-fA-F.:] (IPv4 or IPv6).
bool IsIpText(std::string_view text);

// SHA-256 of the User-Agent header: the event keeps this, never the header itself.
crypto::Sha256Digest UserAgentDigest(std::string_view user_agent);

// Non-sensitive details of an event: at most kMaxDetails entries, keyed by token, each
// value an integer (count), a SHA-256 digest (content hash), or a token (id, status).
// Values are stored as their canonical text: decimal, 64 lowercase hex digits, or the
// token itself. Setting a key twice replaces the value.
//
// Client content cannot be put here: every setter refuses crypto::Secret<> and
// crypto::Phi<> at compile time (deleted overloads; see tests/audit/event_test.cpp,
// claim C43), and a token cannot hold free text.
// Thread-safety: a value type; const access from several threads is safe.
inline constexpr std::size_t kMaxDetails = 16;

class Details {
 public:
  // Errors: kInvalidArgument for a key that is not a token, a value that is not a token,
  // or a 17th key. Messages name the key, never the value.
  Status SetInt(std::string_view key, std::int64_t value);
  Status SetHash(std::string_view key, const crypto::Sha256Digest& digest);
  Status SetToken(std::string_view key, std::string_view token);

  // Sensitive values never compile as details.
  template <typename T, crypto::Sensitivity S>
  Status SetInt(std::string_view, const crypto::Sensitive<T, S>&) = delete;
  template <typename T, crypto::Sensitivity S>
  Status SetHash(std::string_view, const crypto::Sensitive<T, S>&) = delete;
  template <typename T, crypto::Sensitivity S>
  Status SetToken(std::string_view, const crypto::Sensitive<T, S>&) = delete;

  const std::map<std::string, std::string, std::less<>>& entries() const { return entries_; }
  bool operator==(const Details&) const = default;

  // For the decoder: inserts an already-validated canonical entry.
  Status SetCanonical(std::string_view key, std::string_view value);

 private:
  Status Put(std::string_view key, std::string value);
  std::map<std::string, std::string, std::less<>> entries_;
};

// What happened, typed (ARCHITECTURE.md § Audit): who, in which tenant, did what to which
// object, when and from where. Ids only: no field can hold client content (C43).
struct Event {
  Actor actor = Actor::System();
  store::TenantId tenant = 0;  // 0: a system event that belongs to no tenant
  Action action = Action::kLoginSucceeded;
  std::string object_type;  // a token, e.g. "client", "session_log", "" when none
  std::string object_id;    // a token (usually a 32-hex id), "" when none
  Micros time = 0;
  std::string client_ip;  // IsIpText, or "" for system events
  std::optional<crypto::Sha256Digest> user_agent_digest;
  Details details;

  bool operator==(const Event&) const = default;
};

// The fields of an event are not assignable from sensitive wrappers.
static_assert(!std::is_assignable_v<std::string&, const crypto::PhiString&>);
static_assert(!std::is_assignable_v<std::string&, crypto::PhiString&&>);

// kInvalidArgument naming the first bad field (never its value).
Status Validate(const Event& event);

// An event as the log holds it: its position (sequence number = leaf index, from 0) and
// its random id are part of the canonical bytes.
struct LoggedEvent {
  std::uint64_t seq = 0;
  std::string id;  // 32 lowercase hex (store::NewId)
  Event event;
  bool operator==(const LoggedEvent&) const = default;
};

// The canonical bytes of an event (docs/audit.md § Canonical bytes, version 1):
//   u8 version = 1 | u64 seq | str id | i64 time | i64 tenant | str actor | str action
//   | str object_type | str object_id | str client_ip | str user_agent_digest (0 or 32
//   bytes) | u32 n | n × (str key | str value), keys strictly ascending
// Integers are big-endian; `str` is a u32 big-endian length then that many bytes.
// REQUIRES: Validate(logged.event) succeeded and logged.id is a valid id.
std::vector<std::uint8_t> EncodeEvent(const LoggedEvent& logged);

// The inverse of EncodeEvent, strict: anything EncodeEvent would not have produced
// (another version, a bad field, unsorted or duplicate keys, trailing bytes) is
// kInvalidArgument. DecodeEvent(b) succeeds iff EncodeEvent(*DecodeEvent(b)) == b.
// Safe on any input (fuzzed: fuzz/audit_receipt_fuzz.cpp).
Result<LoggedEvent> DecodeEvent(std::span<const std::uint8_t> bytes);

}  // namespace alcove::audit
