#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace alcove {

// Times as text for files and the command line (UTC only, no time zones to get wrong).

// "2026-11-23T09:30:00.123456Z": RFC 3339 with microseconds, so that a time written
// to a file and read back is exactly the same Micros.
std::string FormatRfc3339Micros(Micros t);

// Reads a UTC time in one of the forms
//   2026-11-23                    (midnight UTC at the start of that day)
//   2026-11-23T09:30:00Z
//   2026-11-23T09:30:00.123456Z   (1 to 6 digits of fraction)
// and returns it, or nullopt for anything else (another zone offset, a day that does not
// exist, a year before 1970 or after 9999).
std::optional<Micros> ParseUtcTime(std::string_view text);

}  // namespace alcove
