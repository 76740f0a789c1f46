#include "crypto/password_hasher.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "crypto/random.hpp"

namespace alcove::crypto {
namespace {

std::unexpected<Error> Busy() {
  return Fail(ErrorCode::kResourceExhausted, "password hashing pool is full",
              "the server is busy; try again in a moment");
}

Status CheckInput(const Secret<std::string>& password) {
  if (password.size() > kMaxPasswordBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("password longer than {} bytes", kMaxPasswordBytes),
                "the password is too long");
  }
  return {};
}

// Releases a pool slot when it goes out of scope.
class SlotGuard {
 public:
  explicit SlotGuard(std::function<void()> release) : release_(std::move(release)) {}
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  ~SlotGuard() { release_(); }

 private:
  std::function<void()> release_;
};

}  // namespace

Result<std::unique_ptr<PasswordHasher>> PasswordHasher::Create(PasswordHasherOptions options) {
  EnsureSodium();
  if (options.opslimit < kOwaspMinOpsLimit || options.memlimit < kOwaspMinMemLimit) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("argon2id parameters below the OWASP floor (t >= {}, m >= {} bytes)",
                            kOwaspMinOpsLimit, kOwaspMinMemLimit));
  }
  if (options.opslimit > crypto_pwhash_OPSLIMIT_MAX ||
      options.memlimit > crypto_pwhash_MEMLIMIT_MAX) {
    return Fail(ErrorCode::kInvalidArgument, "argon2id parameters above libsodium's limits");
  }
  if (options.max_concurrent == 0) {
    return Fail(ErrorCode::kInvalidArgument, "password hashing pool needs at least one slot");
  }
  return std::unique_ptr<PasswordHasher>(new PasswordHasher(std::move(options)));
}

bool PasswordHasher::Acquire() {
  std::unique_lock lock(mu_);
  const bool got = cv_.wait_for(lock, options_.max_wait,
                                [this] { return in_flight_ < options_.max_concurrent; });
  if (got) {
    ++in_flight_;
  }
  return got;
}

void PasswordHasher::Release() {
  {
    std::lock_guard lock(mu_);
    --in_flight_;
  }
  cv_.notify_one();
}

std::size_t PasswordHasher::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

Result<std::string> PasswordHasher::Hash(const Secret<std::string>& password) {
  if (auto st = CheckInput(password); !st) {
    return std::unexpected(st.error());
  }
  if (!Acquire()) {
    return Busy();
  }
  SlotGuard slot([this] { Release(); });
  if (options_.on_slot_acquired) {
    options_.on_slot_acquired();
  }
  std::array<char, crypto_pwhash_STRBYTES> out{};
  const std::string& pw = password.reveal();
  if (crypto_pwhash_str_alg(out.data(), pw.data(), pw.size(), options_.opslimit, options_.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Fail(ErrorCode::kResourceExhausted, "argon2id hashing failed (out of memory)",
                "the server is busy; try again in a moment");
  }
  return std::string(out.data());
}

namespace {

// The m (KiB), t and p of "$argon2id$v=19$m=19456,t=3,p=1$salt$hash", or nullopt.
struct Argon2Params {
  std::uint64_t m_kib = 0;
  std::uint64_t t = 0;
  std::uint64_t p = 0;
};

std::optional<Argon2Params> ParseArgon2Params(std::string_view stored) {
  const auto start = stored.find("$m=");
  if (start == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = stored.substr(start + 1);
  rest = rest.substr(0, rest.find('$'));
  Argon2Params out;
  for (auto [key, target] : {std::pair{std::string_view("m="), &out.m_kib},
                             std::pair{std::string_view("t="), &out.t},
                             std::pair{std::string_view("p="), &out.p}}) {
    if (!rest.starts_with(key)) {
      return std::nullopt;
    }
    rest.remove_prefix(key.size());
    const auto end = rest.find(',');
    const auto digits = rest.substr(0, end);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *target);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) {
      return std::nullopt;
    }
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  return out;
}

}  // namespace

Status PasswordHasher::CheckStoredCost(std::string_view stored) const {
  // A stored string carries its own cost. One planted by someone with write access to
  // the database must not make a single Verify allocate past what the pool budgets
  // for, so costs far above ours are refused instead of computed.
  const auto params = ParseArgon2Params(stored);
  const std::uint64_t max_mem = std::max<std::uint64_t>(4 * options_.memlimit, 256u << 20);
  const std::uint64_t max_ops = 4 * options_.opslimit;
  if (!params || params->p != 1 || params->m_kib * 1024 > max_mem || params->t > max_ops) {
    return Fail(ErrorCode::kFailedPrecondition,
                "stored password hash has parameters outside the accepted range",
                "Sign-in is not possible with this password right now.");
  }
  return {};
}

Result<bool> PasswordHasher::Verify(const Secret<std::string>& password, std::string_view stored) {
  if (auto st = CheckInput(password); !st) {
    return std::unexpected(st.error());
  }
  // Only Argon2id strings of a sane length are verified: an argon2i or foreign string
  // never matches, and the NUL-terminated copy below stays bounded.
  if (!stored.starts_with("$argon2id$") || stored.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  if (auto st = CheckStoredCost(stored); !st) {
    return std::unexpected(st.error());
  }
  if (!Acquire()) {
    return Busy();
  }
  SlotGuard slot([this] { Release(); });
  if (options_.on_slot_acquired) {
    options_.on_slot_acquired();
  }
  std::array<char, crypto_pwhash_STRBYTES> str{};
  std::copy(stored.begin(), stored.end(), str.begin());
  const std::string& pw = password.reveal();
  // crypto_pwhash_str_verify compares in constant time and takes its parameters from
  // the string (bounded by libsodium's limits).
  return crypto_pwhash_str_verify(str.data(), pw.data(), pw.size()) == 0;
}

bool PasswordHasher::NeedsRehash(std::string_view stored) const {
  if (stored.size() >= crypto_pwhash_STRBYTES) {
    return true;
  }
  std::array<char, crypto_pwhash_STRBYTES> str{};
  std::copy(stored.begin(), stored.end(), str.begin());
  // 0: same parameters; 1: different; -1: not an Argon2id string.
  return crypto_pwhash_argon2id_str_needs_rehash(str.data(), options_.opslimit,
                                                 options_.memlimit) != 0;
}

}  // namespace alcove::crypto
