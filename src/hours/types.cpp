#include "hours/types.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace alcove::hours {
namespace {

using std::chrono::year_month_day;

constexpr std::array<std::pair<Track, std::string_view>, 3> kTracks = {
    {{Track::kAmft, "amft"}, {Track::kApcc, "apcc"}, {Track::kAsw, "asw"}}};

constexpr std::array<std::pair<Category, std::string_view>, kCategoryCount> kCategories = {{
    {Category::kIndividual, "individual"},
    {Category::kCouplesFamilyChildren, "couples_family_children"},
    {Category::kGroup, "group"},
    {Category::kSupervisionIndividual, "supervision_individual"},
    {Category::kSupervisionTriadic, "supervision_triadic"},
    {Category::kSupervisionGroup, "supervision_group"},
    {Category::kTesting, "testing"},
    {Category::kNotesReports, "notes_reports"},
    {Category::kAdvocacy, "advocacy"},
    {Category::kWorkshop, "workshop"},
    {Category::kOtherNonclinical, "other_nonclinical"},
}};

constexpr std::array<std::pair<SupervisorLicense, std::string_view>, 7> kLicenses = {{
    {SupervisorLicense::kUnknown, "unknown"},
    {SupervisorLicense::kLmft, "lmft"},
    {SupervisorLicense::kLcsw, "lcsw"},
    {SupervisorLicense::kLpcc, "lpcc"},
    {SupervisorLicense::kPsychologist, "psychologist"},
    {SupervisorLicense::kPsychiatrist, "psychiatrist"},
    {SupervisorLicense::kLep, "lep"},
}};

constexpr std::array<std::pair<WeekStatus, std::string_view>, 4> kWeekStatuses = {{
    {WeekStatus::kDraft, "draft"},
    {WeekStatus::kSubmitted, "submitted"},
    {WeekStatus::kSigned, "signed"},
    {WeekStatus::kReturned, "returned"},
}};

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

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !s.empty();
}

int Number(std::string_view s) {
  int n = 0;
  for (char c : s) {
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::optional<Day> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  const std::string_view y = text.substr(0, 4);
  const std::string_view m = text.substr(5, 2);
  const std::string_view d = text.substr(8, 2);
  if (!AllDigits(y) || !AllDigits(m) || !AllDigits(d)) {
    return std::nullopt;
  }
  const int year = Number(y);
  if (year < 1900 || year > 2199) {
    return std::nullopt;
  }
  const year_month_day ymd{std::chrono::year(year),
                           std::chrono::month(static_cast<unsigned>(Number(m))),
                           std::chrono::day(static_cast<unsigned>(Number(d)))};
  if (!ymd.ok()) {  // 2026-02-30, month 13, day 0
    return std::nullopt;
  }
  return Day(ymd);
}

std::string DayText(Day day) {
  const year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

Day WeekStart(Day day) {
  // iso_encoding: Monday 1 ... Sunday 7.
  const unsigned since_monday = std::chrono::weekday(day).iso_encoding() - 1;
  return day - std::chrono::days(since_monday);
}

std::string_view TrackName(Track track) { return NameIn(kTracks, track); }
std::optional<Track> TrackFromName(std::string_view name) { return ValueIn(kTracks, name); }

std::string_view CategoryName(Category c) { return NameIn(kCategories, c); }
std::optional<Category> CategoryFromName(std::string_view name) {
  return ValueIn(kCategories, name);
}
bool IsSupervision(Category c) {
  return c == Category::kSupervisionIndividual || c == Category::kSupervisionTriadic ||
         c == Category::kSupervisionGroup;
}

std::string_view LicenseName(SupervisorLicense l) { return NameIn(kLicenses, l); }
std::optional<SupervisorLicense> LicenseFromName(std::string_view name) {
  return ValueIn(kLicenses, name);
}

std::string_view WeekStatusName(WeekStatus s) { return NameIn(kWeekStatuses, s); }
std::optional<WeekStatus> WeekStatusFromName(std::string_view name) {
  return ValueIn(kWeekStatuses, name);
}

}  // namespace alcove::hours
