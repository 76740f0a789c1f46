#pragma once

// The entities of supervised-hours tracking (issue #14; docs/hours.md): an associate's
// licensure profile, work settings, session logs and weekly logs, as the service hands
// them out. A session log holds only a date, a length, a category, its setting, the pre-
// or post-degree phase, two flags and the client's alias (C51): never a name (C50).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace alcove::hours {

using Day = std::chrono::sys_days;

// "YYYY-MM-DD" (a real calendar day, 1900-2199) or nullopt.
std::optional<Day> ParseDay(std::string_view text);
std::string DayText(Day day);  // "YYYY-MM-DD"
// The Monday that starts `day`'s week. A week is Monday to Sunday (the BBS's definition
// of a week is unconfirmed: rules/ca-bbs/*.toml say so).
Day WeekStart(Day day);

enum class Track { kAmft, kApcc, kAsw };
std::string_view TrackName(Track track);  // "amft", "apcc", "asw"
std::optional<Track> TrackFromName(std::string_view name);

// API.md § Supervised hours.
enum class Category {
  kIndividual,
  kCouplesFamilyChildren,
  kGroup,
  kSupervisionIndividual,
  kSupervisionTriadic,
  kSupervisionGroup,
  kTesting,
  kNotesReports,
  kAdvocacy,
  kWorkshop,
  kOtherNonclinical,
};
inline constexpr int kCategoryCount = 11;
// "individual", "couples_family_children", "group", "supervision_individual", ...
std::string_view CategoryName(Category c);
std::optional<Category> CategoryFromName(std::string_view name);
bool IsSupervision(Category c);  // the three supervision_* categories

// The licence a work setting's supervisor holds (ASW: weeks and hours under an LCSW).
enum class SupervisorLicense { kUnknown, kLmft, kLcsw, kLpcc, kPsychologist, kPsychiatrist, kLep };
std::string_view LicenseName(SupervisorLicense l);  // "unknown", "lmft", "lcsw", ...
std::optional<SupervisorLicense> LicenseFromName(std::string_view name);

struct Profile {
  Track track = Track::kAmft;
  Day degree_date{};
  std::optional<Day> registration_date;
  std::string registration_number;  // as the Board printed it; may be empty
  // When the associate plans to apply for licensure (the 6-year window looks back from
  // it); nullopt: today.
  std::optional<Day> application_date;
};

struct Setting {
  std::string id;
  std::string name;  // "Valley Clinic": a workplace, not client content
  bool exempt = false;
  SupervisorLicense supervisor_license = SupervisorLicense::kUnknown;
};

struct SessionLog {
  std::string id;
  Day date{};
  std::int64_t minutes = 0;
  Category category = Category::kIndividual;
  std::string setting_id;
  bool pre_degree = false;  // derived from the degree date unless set explicitly
  bool telehealth = false;
  bool video = false;               // supervision by two-way real-time video
  std::optional<int> group_size;    // supervision_group: how many supervisees
  std::string alias;                // initials ("J.D.") or empty; never a name (C50)
};

enum class WeekStatus { kDraft, kSubmitted, kSigned, kReturned };
std::string_view WeekStatusName(WeekStatus s);  // "draft", "submitted", "signed", "returned"
std::optional<WeekStatus> WeekStatusFromName(std::string_view name);

// Limits checked by the service (the pages name the field).
inline constexpr std::int64_t kMinSessionMinutes = 1;
inline constexpr std::int64_t kMaxSessionMinutes = 24 * 60;
inline constexpr int kMaxGroupSize = 99;
inline constexpr std::size_t kMaxSettingName = 120;
inline constexpr std::size_t kMaxRegistrationNumber = 32;

}  // namespace alcove::hours
