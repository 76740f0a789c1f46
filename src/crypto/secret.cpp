#include "crypto/secret.hpp"

#include <sodium.h>

#include <atomic>

#include "crypto/random.hpp"

namespace alcove::crypto {
namespace {

std::atomic<test_hooks::WipeObserver> g_wipe_observer{nullptr};

}  // namespace

void SecureZero(void* p, std::size_t n) {
  if (n > 0) {
    sodium_memzero(p, n);
  }
}

bool ConstantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) {
    return false;  // lengths are public; contents are not
  }
  if (a.empty()) {
    return true;
  }
  EnsureSodium();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace test_hooks {
void SetWipeObserver(WipeObserver observer) { g_wipe_observer.store(observer); }
}  // namespace test_hooks

namespace detail {
void NotifyWipe(const void* data, std::size_t size) {
  if (auto observer = g_wipe_observer.load(std::memory_order_relaxed); observer != nullptr) {
    observer(data, size);
  }
}
}  // namespace detail

}  // namespace alcove::crypto
