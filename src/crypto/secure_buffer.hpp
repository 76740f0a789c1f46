#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>

namespace alcove::crypto {

// Memory for key bytes: allocated with libsodium's sodium_malloc (guard pages around
// it, locked with mlock so it is not swapped out where the kernel allows it), wiped and
// released with sodium_free. Move-only; it cannot be copied, formatted or streamed, and
// it never leaves src/crypto/ (no public interface returns one).
//
// Allocation failure (out of memory) aborts the process, like any other allocation in
// a program that does not handle std::bad_alloc.
// Thread-safety: like a plain buffer (const access from several threads is safe).
class SecureBuffer {
 public:
  SecureBuffer() = default;
  // `size` zero bytes.
  explicit SecureBuffer(std::size_t size);
  // A copy of `bytes` (the caller wipes its own copy).
  static SecureBuffer CopyOf(std::span<const std::uint8_t> bytes);

  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  ~SecureBuffer();

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<std::uint8_t> span() { return {data_, size_}; }
  // Wipes the bytes from `n` on and makes the buffer `n` bytes long (n <= size()); the
  // memory stays allocated until release. For outputs whose length is known only after
  // they were written, without a second locked allocation.
  void Truncate(std::size_t n);
  std::span<const std::uint8_t> span() const { return {data_, size_}; }

  template <typename CharT, typename Traits>
  friend std::basic_ostream<CharT, Traits>& operator<<(std::basic_ostream<CharT, Traits>&,
                                                       const SecureBuffer&) = delete;

 private:
  void Release();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace alcove::crypto

// Not formattable: fmt::format("{}", buffer) does not compile.
template <typename Char>
struct fmt::formatter<alcove::crypto::SecureBuffer, Char> {
  formatter() = delete;
};
