#pragma once

// What the hours pages show instead of machine text, and how they read what people type
// (docs/hours.md § Pages): categories, tracks, licences and week statuses in words,
// hours as people write them ("1.5", "1:30"), days in words. Pure: no service, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hours/rules.hpp"
#include "hours/types.hpp"
#include "hours/words.hpp"

namespace alcove::web::hours_pages {

// "Individual therapy", "Couples, families and children", "Group supervision", ...
std::string_view CategoryWords(hours::Category c);
// The categories in the order the forms and the week grid list them: direct first,
// then supervision, then the other nonclinical work.
inline constexpr hours::Category kCategoryOrder[] = {
    hours::Category::kIndividual,
    hours::Category::kCouplesFamilyChildren,
    hours::Category::kGroup,
    hours::Category::kSupervisionIndividual,
    hours::Category::kSupervisionTriadic,
    hours::Category::kSupervisionGroup,
    hours::Category::kTesting,
    hours::Category::kNotesReports,
    hours::Category::kAdvocacy,
    hours::Category::kWorkshop,
    hours::Category::kOtherNonclinical,
};
// Direct clinical counseling (individual, couples/families/children, group).
bool IsDirect(hours::Category c);

// "AMFT", and "Associate Marriage and Family Therapist".
std::string_view TrackShort(hours::Track t);
std::string_view TrackFull(hours::Track t);
// "LMFT (Licensed Marriage and Family Therapist)", "Not known yet".
std::string_view LicenseWords(hours::SupervisorLicense l);
inline constexpr hours::SupervisorLicense kLicenseOrder[] = {
    hours::SupervisorLicense::kUnknown,      hours::SupervisorLicense::kLmft,
    hours::SupervisorLicense::kLcsw,         hours::SupervisorLicense::kLpcc,
    hours::SupervisorLicense::kPsychologist, hours::SupervisorLicense::kPsychiatrist,
    hours::SupervisorLicense::kLep,
};
// "Draft", "Waiting for signature", "Signed", "Returned with a comment".
std::string_view StatusWords(hours::WeekStatus s);

// Minutes as a number of hours, as people write it: 90 -> "1.5", 50 -> "0.83",
// 105000 -> "1,750" (the rules engine's words, hours/words.hpp).
using hours::HoursNumber;
// Minutes as a length in words: "50 minutes", "1 hour", "1 hour 30 minutes", "12 hours".
std::string LengthWords(std::int64_t minutes);

// Hours as typed into the week grid or the session form: "1.5", ".5", "1,5", "2",
// "1:30" (hours:minutes), surrounding blanks allowed; rounded to the minute. nullopt for
// anything else (the page says what it expected). Zero is a number (an empty cell).
std::optional<std::int64_t> ParseHours(std::string_view text);
// A whole number of minutes ("50"), or nullopt.
std::optional<std::int64_t> ParseMinutes(std::string_view text);

// A day in words: "Monday 30 November 2026"; the short form "Mon 30 Nov".
std::string DayLong(hours::Day day);
std::string DayShort(hours::Day day);
// "30 November 2026".
std::string DateWords(hours::Day day);
// "Monday" .. "Sunday" for 0..6 (days after the week's Monday).
std::string_view WeekdayName(int index);

}  // namespace alcove::web::hours_pages
