#include "web/connection_budget.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "core/encoding.hpp"

namespace alcove::web {

std::string AddressGroup(std::string_view address) {
  const std::string text(address);
  std::array<std::uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) {
    // ::ffff:a.b.c.d counts as a.b.c.d.
    const bool mapped = std::all_of(v6.begin(), v6.begin() + 10, [](auto b) { return b == 0; }) &&
                        v6[10] == 0xff && v6[11] == 0xff;
    if (mapped) {
      return std::to_string(v6[12]) + "." + std::to_string(v6[13]) + "." +
             std::to_string(v6[14]) + "." + std::to_string(v6[15]);
    }
    return HexEncode(std::span<const std::uint8_t>(v6.data(), 8)) + "::/64";
  }
  return text;
}

bool ConnectionBudget::TryAcquire(const std::string& group) {
  std::lock_guard lock(mu_);
  std::size_t& n = open_[group];
  if (n >= per_group_) {
    if (n == 0) {
      open_.erase(group);
    }
    return false;
  }
  ++n;
  return true;
}

void ConnectionBudget::Release(const std::string& group) {
  std::lock_guard lock(mu_);
  auto it = open_.find(group);
  if (it == open_.end()) {
    return;
  }
  if (--it->second == 0) {
    open_.erase(it);
  }
}

std::size_t ConnectionBudget::open(const std::string& group) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(group);
  return it == open_.end() ? 0 : it->second;
}

std::uint64_t RefusalLog::Count(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  ++pending_;
  if (now - last_ < interval_) {
    return 0;
  }
  last_ = now;
  const std::uint64_t n = pending_;
  pending_ = 0;
  return n;
}

}  // namespace alcove::web
