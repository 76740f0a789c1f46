#include "audit/event.hpp"

#include <array>
#include <limits>
#include <utility>

#include "core/encoding.hpp"
#include "store/ids.hpp"

namespace alcove::audit {
namespace {

struct ActionEntry {
  Action action;
  std::string_view name;
};

constexpr ActionEntry kActions[] = {
    {Action::kLoginSucceeded, "auth.login.succeeded"},
    {Action::kLoginFailed, "auth.login.failed"},
    {Action::kLogout, "auth.logout"},
    {Action::kMagicLinkIssued, "auth.magic_link.issued"},
    {Action::kMagicLinkUsed, "auth.magic_link.used"},
    {Action::kSessionRevoked, "auth.session.revoked"},
    {Action::kRecordAccessed, "record.accessed"},
    {Action::kRecordExported, "record.exported"},
    {Action::kSharingGranted, "sharing.granted"},
    {Action::kSharingRevoked, "sharing.revoked"},
    {Action::kConsentGiven, "consent.given"},
    {Action::kConsentWithdrawn, "consent.withdrawn"},
    {Action::kAiUsed, "ai.used"},
    {Action::kSessionLogCreated, "session_log.created"},
    {Action::kSessionLogEdited, "session_log.edited"},
    {Action::kSessionLogDeleted, "session_log.deleted"},
    {Action::kWeeklyLogStatusChanged, "weekly_log.status_changed"},
    {Action::kSignatureMade, "signature.made"},
    {Action::kCsvImportStarted, "csv_import.started"},
    {Action::kCsvImportCompleted, "csv_import.completed"},
    {Action::kKeyRotated, "key.rotated"},
    {Action::kAccountCreated, "auth.account.created"},
    {Action::kMagicLinkRefused, "auth.magic_link.refused"},
    {Action::kPasswordChanged, "auth.password.changed"},
    {Action::kSessionDeviceMismatch, "auth.session.device_mismatch"},
    {Action::kRecordCreated, "record.created"},
    {Action::kRecordUpdated, "record.updated"},
    {Action::kRecordDeleted, "record.deleted"},
    {Action::kSummaryReviewed, "summary.reviewed"},
    {Action::kReminderSent, "reminder.sent"},
};

constexpr auto kActionList = [] {
  std::array<Action, std::size(kActions)> list{};
  for (std::size_t i = 0; i < list.size(); ++i) {
    list[i] = kActions[i].action;
  }
  return list;
}();

constexpr std::uint8_t kVersion = 1;
// No field of a valid event is longer than this; the decoder refuses longer ones before
// allocating.
constexpr std::size_t kMaxFieldLength = 128;

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
         c == '-';
}

// "" or a token.
bool IsOptionalToken(std::string_view text) { return text.empty() || IsToken(text); }

void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

void PutU64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

void PutStr(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  PutU32(out, static_cast<std::uint32_t>(bytes.size()));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void PutStr(std::vector<std::uint8_t>& out, std::string_view text) { PutStr(out, AsBytes(text)); }

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool U8(std::uint8_t& v) {
    if (pos_ >= bytes_.size()) {
      return false;
    }
    v = bytes_[pos_++];
    return true;
  }
  bool U32(std::uint32_t& v) {
    if (bytes_.size() - pos_ < 4) {
      return false;
    }
    v = 0;
    for (int i = 0; i < 4; ++i) {
      v = (v << 8) | bytes_[pos_++];
    }
    return true;
  }
  bool U64(std::uint64_t& v) {
    if (bytes_.size() - pos_ < 8) {
      return false;
    }
    v = 0;
    for (int i = 0; i < 8; ++i) {
      v = (v << 8) | bytes_[pos_++];
    }
    return true;
  }
  bool Str(std::string& s) {
    std::uint32_t n = 0;
    if (!U32(n) || n > kMaxFieldLength || bytes_.size() - pos_ < n) {
      return false;
    }
    s.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == bytes_.size(); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

std::unexpected<Error> Malformed(std::string_view what) {
  return Fail(ErrorCode::kInvalidArgument, "malformed audit event: " + std::string(what),
              "malformed audit event");
}

}  // namespace

std::span<const Action> AllActions() { return kActionList; }

std::string_view ActionName(Action action) {
  for (const auto& e : kActions) {
    if (e.action == action) {
      return e.name;
    }
  }
  return "unknown";
}

std::optional<Action> ActionFromName(std::string_view name) {
  for (const auto& e : kActions) {
    if (e.name == name) {
      return e.action;
    }
  }
  return std::nullopt;
}

Result<Actor> Actor::Account(std::string_view account_id) {
  if (!IsToken(account_id)) {
    return Fail(ErrorCode::kInvalidArgument, "audit actor: the account id is not a token");
  }
  return Actor("account:" + std::string(account_id));
}

bool IsToken(std::string_view text) {
  if (text.empty() || text.size() > kMaxTokenLength) {
    return false;
  }
  for (const char c : text) {
    if (!IsTokenChar(c)) {
      return false;
    }
  }
  return true;
}

bool IsIpText(std::string_view text) {
  if (text.empty() || text.size() > 45) {
    return false;
  }
  for (const char c : text) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                    c == '.' || c == ':';
    if (!ok) {
      return false;
    }
  }
  return true;
}

crypto::Sha256Digest UserAgentDigest(std::string_view user_agent) {
  return crypto::Sha256(user_agent);
}

Status Details::Put(std::string_view key, std::string value) {
  if (!IsToken(key)) {
    return Fail(ErrorCode::kInvalidArgument, "audit detail: the key is not a token");
  }
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    it->second = std::move(value);
    return {};
  }
  if (entries_.size() >= kMaxDetails) {
    return Fail(ErrorCode::kInvalidArgument,
                "audit detail " + std::string(key) + ": more than 16 details");
  }
  entries_.emplace(std::string(key), std::move(value));
  return {};
}

Status Details::SetInt(std::string_view key, std::int64_t value) {
  return Put(key, std::to_string(value));
}

Status Details::SetHash(std::string_view key, const crypto::Sha256Digest& digest) {
  return Put(key, HexEncode(digest));
}

Status Details::SetToken(std::string_view key, std::string_view token) {
  if (!IsToken(token)) {
    return Fail(ErrorCode::kInvalidArgument,
                "audit detail " + std::string(IsToken(key) ? key : "?") + ": not a token");
  }
  return Put(key, std::string(token));
}

Status Details::SetCanonical(std::string_view key, std::string_view value) {
  // Integers, hex digests and tokens are all tokens (a '-' sign is a token character).
  return SetToken(key, value);
}

Status Validate(const Event& event) {
  const std::string_view actor = event.actor.text();
  const bool actor_ok =
      actor == "system" || (actor.starts_with("account:") && IsToken(actor.substr(8)));
  if (!actor_ok) {
    return Fail(ErrorCode::kInvalidArgument, "audit event: bad actor");
  }
  if (event.tenant < 0) {
    return Fail(ErrorCode::kInvalidArgument, "audit event: negative tenant");
  }
  if (ActionFromName(ActionName(event.action)) != event.action) {
    return Fail(ErrorCode::kInvalidArgument, "audit event: unknown action");
  }
  if (!IsOptionalToken(event.object_type)) {
    return Fail(ErrorCode::kInvalidArgument, "audit event: object_type is not a token");
  }
  if (!IsOptionalToken(event.object_id)) {
    return Fail(ErrorCode::kInvalidArgument, "audit event: object_id is not a token");
  }
  if (!event.client_ip.empty() && !IsIpText(event.client_ip)) {
    return Fail(ErrorCode::kInvalidArgument, "audit event: client_ip is not an address");
  }
  if (event.time < 0) {
    return Fail(ErrorCode::kInvalidArgument, "audit event: negative time");
  }
  for (const auto& [key, value] : event.details.entries()) {
    if (!IsToken(key) || !IsToken(value)) {
      return Fail(ErrorCode::kInvalidArgument, "audit event: a detail is not a token");
    }
  }
  return {};
}

std::vector<std::uint8_t> EncodeEvent(const LoggedEvent& logged) {
  const Event& e = logged.event;
  std::vector<std::uint8_t> out;
  out.reserve(256);
  out.push_back(kVersion);
  PutU64(out, logged.seq);
  PutStr(out, logged.id);
  PutU64(out, static_cast<std::uint64_t>(e.time));
  PutU64(out, static_cast<std::uint64_t>(e.tenant));
  PutStr(out, e.actor.text());
  PutStr(out, ActionName(e.action));
  PutStr(out, e.object_type);
  PutStr(out, e.object_id);
  PutStr(out, e.client_ip);
  if (e.user_agent_digest) {
    PutStr(out, std::span<const std::uint8_t>(*e.user_agent_digest));
  } else {
    PutStr(out, std::string_view());
  }
  PutU32(out, static_cast<std::uint32_t>(e.details.entries().size()));
  for (const auto& [key, value] : e.details.entries()) {
    PutStr(out, key);
    PutStr(out, value);
  }
  return out;
}

Result<LoggedEvent> DecodeEvent(std::span<const std::uint8_t> bytes) {
  Reader r(bytes);
  LoggedEvent logged;
  Event& e = logged.event;
  std::uint8_t version = 0;
  if (!r.U8(version) || version != kVersion) {
    return Malformed("unknown version");
  }
  std::uint64_t time = 0;
  std::uint64_t tenant = 0;
  if (!r.U64(logged.seq) || !r.Str(logged.id) || !r.U64(time) || !r.U64(tenant)) {
    return Malformed("truncated header");
  }
  if (!store::IsValidId(logged.id)) {
    return Malformed("bad id");
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (time > kMax || tenant > kMax) {
    return Malformed("time or tenant out of range");
  }
  e.time = static_cast<Micros>(time);
  e.tenant = static_cast<store::TenantId>(tenant);
  std::string actor;
  std::string action;
  std::string ua;
  if (!r.Str(actor) || !r.Str(action) || !r.Str(e.object_type) || !r.Str(e.object_id) ||
      !r.Str(e.client_ip) || !r.Str(ua)) {
    return Malformed("truncated fields");
  }
  if (actor == "system") {
    e.actor = Actor::System();
  } else if (actor.starts_with("account:")) {
    auto a = Actor::Account(std::string_view(actor).substr(8));
    if (!a) {
      return Malformed("bad actor");
    }
    e.actor = *a;
  } else {
    return Malformed("bad actor");
  }
  const auto parsed_action = ActionFromName(action);
  if (!parsed_action) {
    return Malformed("unknown action");
  }
  e.action = *parsed_action;
  if (ua.size() == crypto::kSha256Size) {
    crypto::Sha256Digest d{};
    std::copy(ua.begin(), ua.end(), d.begin());
    e.user_agent_digest = d;
  } else if (!ua.empty()) {
    return Malformed("bad user-agent digest");
  }
  std::uint32_t n = 0;
  if (!r.U32(n) || n > kMaxDetails) {
    return Malformed("bad detail count");
  }
  std::string previous;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string key;
    std::string value;
    if (!r.Str(key) || !r.Str(value)) {
      return Malformed("truncated details");
    }
    if (i > 0 && key <= previous) {
      return Malformed("details out of order");
    }
    if (!e.details.SetCanonical(key, value)) {
      return Malformed("bad detail");
    }
    previous = std::move(key);
  }
  if (!r.AtEnd()) {
    return Malformed("trailing bytes");
  }
  if (!Validate(e)) {
    return Malformed("invalid field");
  }
  return logged;
}

}  // namespace alcove::audit
