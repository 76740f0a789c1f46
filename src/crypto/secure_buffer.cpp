#include "crypto/secure_buffer.hpp"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "crypto/random.hpp"

namespace alcove::crypto {

SecureBuffer::SecureBuffer(std::size_t size) : size_(size) {
  if (size == 0) {
    return;
  }
  EnsureSodium();
  data_ = static_cast<std::uint8_t*>(sodium_malloc(size));
  if (data_ == nullptr) {
    std::abort();  // out of memory
  }
  sodium_memzero(data_, size);
}

SecureBuffer SecureBuffer::CopyOf(std::span<const std::uint8_t> bytes) {
  SecureBuffer b(bytes.size());
  if (!bytes.empty()) {
    std::memcpy(b.data_, bytes.data(), bytes.size());
  }
  return b;
}

void SecureBuffer::Truncate(std::size_t n) {
  if (n >= size_) {
    return;
  }
  sodium_memzero(data_ + n, size_ - n);
  size_ = n;
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecureBuffer::~SecureBuffer() { Release(); }

void SecureBuffer::Release() {
  if (data_ != nullptr) {
    sodium_free(data_);  // wipes the bytes, unlocks and unmaps
    data_ = nullptr;
  }
  size_ = 0;
}

}  // namespace alcove::crypto
