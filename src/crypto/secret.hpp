#pragma once

#include <fmt/format.h>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace alcove::crypto {

// Sensitive values as types (STYLE.md convention 3).
//
//   Secret<T>  a credential or key-adjacent value: passwords, PINs, tokens.
//   Phi<T>     client content (names, notes, answers): protected health information.
//
// Both hold a T (std::string, std::vector<std::uint8_t> or std::array<std::uint8_t, N>)
// and:
//   - cannot be formatted: fmt::formatter is deleted, so fmt::format / spdlog calls with
//     one do not compile; operator<< is deleted, so streaming one does not compile;
//   - zero their bytes (sodium_memzero) when destroyed, assigned over or moved from;
//   - compare in constant time (sodium_memcmp) for equal lengths. Lengths are not
//     secret: values of different length compare unequal at once;
//   - hand out the value only through an explicit `reveal()`, so every read is greppable.
// They are move-only; `Clone()` copies explicitly.
//
// Secret<T> and Phi<T> are distinct types (see IsPhi below), so a later layer can refuse
// a Phi at compile time, e.g. in an audit event.
//
// Limits: zeroing covers the buffer the wrapper owns. A copy the caller takes through
// reveal(), or a buffer a std::string or std::vector left behind when it grew before it
// was wrapped, is the caller's to avoid: build the value, then wrap it once.
//
// Thread-safety: like T (const access from several threads is safe).

enum class Sensitivity { kSecret, kPhi };

// Contiguous byte-like storage we know how to wipe.
template <typename T>
concept WipeableBytes = requires(T& t) {
  { t.size() } -> std::convertible_to<std::size_t>;
  requires std::is_trivially_copyable_v<std::remove_pointer_t<decltype(t.data())>>;
  requires sizeof(*t.data()) == 1;
};

// Overwrites `n` bytes at `p` with zeros in a way the compiler cannot elide.
void SecureZero(void* p, std::size_t n);

// True iff `a` and `b` have the same length and the same bytes; the time taken depends
// only on the lengths, never on where the bytes differ.
bool ConstantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

namespace test_hooks {
// Called (if set) by every Secret/Phi wipe, right after the bytes were zeroed and before
// their storage is released, with the address and length of the wiped bytes. Lets a test
// observe that the memory really is zero without reading freed memory. Not for
// production code; set it only from a single-threaded test.
using WipeObserver = void (*)(const void* data, std::size_t size);
void SetWipeObserver(WipeObserver observer);
}  // namespace test_hooks

namespace detail {
void NotifyWipe(const void* data, std::size_t size);
}  // namespace detail

template <WipeableBytes T, Sensitivity S>
class Sensitive {
 public:
  using value_type = T;
  static constexpr Sensitivity kSensitivity = S;

  Sensitive() = default;
  explicit Sensitive(T value) : value_(std::move(value)) {}

  Sensitive(const Sensitive&) = delete;
  Sensitive& operator=(const Sensitive&) = delete;

  // A move copies into this object and wipes the source: moving a std::string that fits
  // its small-string buffer would otherwise leave the bytes behind in the source.
  Sensitive(Sensitive&& other) noexcept(std::is_nothrow_copy_constructible_v<T>)
      : value_(other.value_) {
    other.Wipe();
  }
  Sensitive& operator=(Sensitive&& other) noexcept(std::is_nothrow_copy_assignable_v<T>) {
    if (this != &other) {
      Wipe();
      value_ = other.value_;
      other.Wipe();
    }
    return *this;
  }

  ~Sensitive() { Wipe(); }

  // The only way to read the value. Call it where the value must be used (hashing,
  // sealing, sending a link), never to log or format it.
  const T& reveal() const { return value_; }

  Sensitive Clone() const { return Sensitive(value_); }

  std::size_t size() const { return value_.size(); }
  bool empty() const { return value_.size() == 0; }

  // Constant-time comparison of the bytes (see ConstantTimeEquals).
  friend bool operator==(const Sensitive& a, const Sensitive& b) {
    return ConstantTimeEquals(a.bytes(), b.bytes());
  }

  // No streaming: `os << secret` does not compile.
  template <typename CharT, typename Traits>
  friend std::basic_ostream<CharT, Traits>& operator<<(std::basic_ostream<CharT, Traits>&,
                                                       const Sensitive&) = delete;

 private:
  std::span<const std::uint8_t> bytes() const {
    return {reinterpret_cast<const std::uint8_t*>(value_.data()), value_.size()};
  }

  void Wipe() {
    const std::size_t n = value_.size();
    if (n > 0) {
      SecureZero(static_cast<void*>(value_.data()), n);
      detail::NotifyWipe(value_.data(), n);
    }
    if constexpr (requires { value_.clear(); }) {
      value_.clear();
    }
  }

  T value_{};
};

template <typename T>
using Secret = Sensitive<T, Sensitivity::kSecret>;

template <typename T>
using Phi = Sensitive<T, Sensitivity::kPhi>;

using SecretString = Secret<std::string>;
using SecretBytes = Secret<std::vector<std::uint8_t>>;
using PhiString = Phi<std::string>;

// IsPhi<X>: true for every Phi<T>. Use it to reject client content at compile time:
//   static_assert(!IsPhi<std::remove_cvref_t<Arg>>, "client content may not be audited");
template <typename X>
inline constexpr bool IsPhi = false;
template <typename T>
inline constexpr bool IsPhi<Sensitive<T, Sensitivity::kPhi>> = true;

template <typename X>
inline constexpr bool IsSensitive = false;
template <typename T, Sensitivity S>
inline constexpr bool IsSensitive<Sensitive<T, S>> = true;

}  // namespace alcove::crypto

// Not formattable: fmt::is_formattable<Secret<T>> is false and fmt::format("{}", s) does
// not compile (nor does any spdlog call that takes one).
template <typename T, alcove::crypto::Sensitivity S, typename Char>
struct fmt::formatter<alcove::crypto::Sensitive<T, S>, Char> {
  formatter() = delete;
};
