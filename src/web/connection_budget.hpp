#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace alcove::web {

// The group a client address counts in for connection budgets: an IPv4 address itself,
// an IPv6 address by its /64 (one host usually holds a whole /64), an IPv4-mapped IPv6
// address as its IPv4 address. Text that is not an address is its own group.
std::string AddressGroup(std::string_view address);

// Open connections per address group, capped (C14: a few hundred idle sockets from one
// client must not take every slot of the server). Thread-safety: any thread.
class ConnectionBudget {
 public:
  explicit ConnectionBudget(std::size_t per_group) : per_group_(per_group) {}

  // Counts a new connection of `group`; false (and nothing counted) when the group is
  // at its cap.
  bool TryAcquire(const std::string& group);
  void Release(const std::string& group);
  std::size_t open(const std::string& group) const;

 private:
  const std::size_t per_group_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::size_t> open_;
};

// Says "refused N connections in the last interval" at most once per interval instead
// of a line per refusal (a flood must not flood the log). Thread-safety: any thread.
class RefusalLog {
 public:
  explicit RefusalLog(std::chrono::seconds interval = std::chrono::seconds(10))
      : interval_(interval) {}
  // Counts one refusal; returns the count to log (> 0) when a line is due now.
  std::uint64_t Count(std::chrono::steady_clock::time_point now);

 private:
  const std::chrono::seconds interval_;
  std::mutex mu_;
  std::uint64_t pending_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace alcove::web
