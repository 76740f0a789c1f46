#include "web/hours/page_kit.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>

namespace alcove::web::hours_pages {
namespace {

using hours::Category;
using hours::SupervisorLicense;
using hours::Track;
using hours::WeekStatus;

constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
// Monday first: the weeks of hours start on Monday.
constexpr std::array<std::string_view, 7> kWeekdays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) {
    return "";
  }
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool AllDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "1,750" from 1750.
std::string Grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

struct Civil {
  int weekday;  // 0 = Monday
  unsigned day;
  unsigned month;
  int year;
};

Civil CivilOf(hours::Day d) {
  const std::chrono::year_month_day ymd(d);
  const unsigned iso = std::chrono::weekday(d).iso_encoding();  // 1 = Monday
  return Civil{static_cast<int>(iso) - 1, static_cast<unsigned>(ymd.day()),
               static_cast<unsigned>(ymd.month()), static_cast<int>(ymd.year())};
}

}  // namespace

std::string_view CategoryWords(Category c) {
  switch (c) {
    case Category::kIndividual:
      return "Individual therapy";
    case Category::kCouplesFamilyChildren:
      return "Couples, families and children";
    case Category::kGroup:
      return "Group therapy";
    case Category::kSupervisionIndividual:
      return "Individual supervision";
    case Category::kSupervisionTriadic:
      return "Triadic supervision";
    case Category::kSupervisionGroup:
      return "Group supervision";
    case Category::kTesting:
      return "Psychological testing";
    case Category::kNotesReports:
      return "Notes and reports";
    case Category::kAdvocacy:
      return "Client-centered advocacy";
    case Category::kWorkshop:
      return "Workshops and trainings";
    case Category::kOtherNonclinical:
      return "Other nonclinical work";
  }
  return "";
}

bool IsDirect(Category c) {
  return c == Category::kIndividual || c == Category::kCouplesFamilyChildren ||
         c == Category::kGroup;
}

std::string_view TrackShort(Track t) {
  switch (t) {
    case Track::kAmft:
      return "AMFT";
    case Track::kApcc:
      return "APCC";
    case Track::kAsw:
      return "ASW";
  }
  return "";
}

std::string_view TrackFull(Track t) {
  switch (t) {
    case Track::kAmft:
      return "Associate Marriage and Family Therapist";
    case Track::kApcc:
      return "Associate Professional Clinical Counselor";
    case Track::kAsw:
      return "Associate Clinical Social Worker";
  }
  return "";
}

std::string_view LicenseWords(SupervisorLicense l) {
  switch (l) {
    case SupervisorLicense::kUnknown:
      return "Not known yet";
    case SupervisorLicense::kLmft:
      return "LMFT (Licensed Marriage and Family Therapist)";
    case SupervisorLicense::kLcsw:
      return "LCSW (Licensed Clinical Social Worker)";
    case SupervisorLicense::kLpcc:
      return "LPCC (Licensed Professional Clinical Counselor)";
    case SupervisorLicense::kPsychologist:
      return "Licensed psychologist";
    case SupervisorLicense::kPsychiatrist:
      return "Psychiatrist (board certified)";
    case SupervisorLicense::kLep:
      return "LEP (Licensed Educational Psychologist)";
  }
  return "";
}

std::string_view StatusWords(WeekStatus s) {
  switch (s) {
    case WeekStatus::kDraft:
      return "Draft";
    case WeekStatus::kSubmitted:
      return "Waiting for signature";
    case WeekStatus::kSigned:
      return "Signed";
    case WeekStatus::kReturned:
      return "Returned with a comment";
  }
  return "";
}

std::string LengthWords(std::int64_t minutes) {
  const std::int64_t h = minutes / 60;
  const std::int64_t m = minutes % 60;
  std::string out;
  if (h > 0) {
    out = fmt::format("{} hour{}", Grouped(h), h == 1 ? "" : "s");
  }
  if (m > 0 || h == 0) {
    out += fmt::format("{}{} minute{}", out.empty() ? "" : " ", m, m == 1 ? "" : "s");
  }
  return out;
}

std::optional<std::int64_t> ParseHours(std::string_view text) {
  const std::string s = Trim(text);
  if (s.empty() || s.size() > 8) {
    return std::nullopt;
  }
  if (const auto colon = s.find(':'); colon != std::string::npos) {
    const std::string h = s.substr(0, colon);
    const std::string m = s.substr(colon + 1);
    if ((!h.empty() && !AllDigits(h)) || m.size() != 2 || !AllDigits(m) || std::stoi(m) > 59) {
      return std::nullopt;
    }
    return (h.empty() ? 0 : std::stoll(h)) * 60 + std::stoll(m);
  }
  const auto dot = s.find_first_of(".,");
  const std::string whole = s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  // Two decimals at most: "1,000" is not one hour (nor a thousand in a day's cell).
  if ((whole.empty() && frac.empty()) || (!whole.empty() && !AllDigits(whole)) ||
      (!frac.empty() && !AllDigits(frac)) || frac.size() > 2) {
    return std::nullopt;
  }
  std::int64_t hundredths = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    hundredths = hundredths * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  }
  const std::int64_t h = whole.empty() ? 0 : std::stoll(whole);
  // Rounded to the minute: "1.33" -> 80 minutes.
  return h * 60 + (hundredths * 60 + 50) / 100;
}

std::optional<std::int64_t> ParseMinutes(std::string_view text) {
  const std::string s = Trim(text);
  if (!AllDigits(s) || s.size() > 6) {
    return std::nullopt;
  }
  return std::stoll(s);
}

std::string DayLong(hours::Day day) {
  const Civil c = CivilOf(day);
  return fmt::format("{} {} {} {}", kWeekdays[c.weekday], c.day, kMonths[c.month - 1], c.year);
}

std::string DayShort(hours::Day day) {
  const Civil c = CivilOf(day);
  return fmt::format("{} {} {}", kWeekdays[c.weekday].substr(0, 3), c.day,
                     kMonths[c.month - 1].substr(0, 3));
}

std::string DateWords(hours::Day day) {
  const Civil c = CivilOf(day);
  return fmt::format("{} {} {}", c.day, kMonths[c.month - 1], c.year);
}

std::string_view WeekdayName(int index) {
  return index >= 0 && index < 7 ? kWeekdays[index] : std::string_view();
}

}  // namespace alcove::web::hours_pages
