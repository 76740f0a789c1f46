#include "crypto/password_hasher.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <array>

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

Result<bool> PasswordHasher::Verify(const Secret<std::string>& password, std::string_view stored) {
  if (auto st = CheckInput(password); !st) {
    return std::unexpected(st.error());
  }
  // Only Argon2id strings of a sane length are verified: an argon2i or foreign string
  // never matches, and the NUL-terminated copy below stays bounded.
  if (!stored.starts_with("$argon2id$") || stored.size() >= crypto_pwhash_STRBYTES) {
    return false;
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
