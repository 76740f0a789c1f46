#include <array>
#include <utility>

#include "schedule/types.hpp"

namespace alcove::schedule {
namespace {

constexpr std::array<std::pair<Kind, std::string_view>, 3> kKinds = {
    {{Kind::kSession, "session"}, {Kind::kIntake, "intake"}, {Kind::kOther, "other"}}};
constexpr std::array<std::pair<AppointmentStatus, std::string_view>, 4> kStatuses = {
    {{AppointmentStatus::kScheduled, "scheduled"},
     {AppointmentStatus::kAttended, "attended"},
     {AppointmentStatus::kNoShow, "no_show"},
     {AppointmentStatus::kCancelled, "cancelled"}}};

template <typename E, std::size_t N>
std::string_view NameIn(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, name] : table) {
    if (v == e) {
      return name;
    }
  }
  return table.front().second;
}

template <typename E, std::size_t N>
std::optional<E> ValueIn(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) {
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view KindName(Kind kind) { return NameIn(kKinds, kind); }
std::optional<Kind> KindFromName(std::string_view name) { return ValueIn(kKinds, name); }
std::string_view StatusName(AppointmentStatus status) { return NameIn(kStatuses, status); }
std::optional<AppointmentStatus> StatusFromName(std::string_view name) {
  return ValueIn(kStatuses, name);
}

}  // namespace alcove::schedule
