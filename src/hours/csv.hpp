#pragma once

// The CSV parser of the hours import (C52; docs/hours-import.md): the uploaded file, held
// only in memory, becomes import rows and row-level errors in words. Parsing is Debian's
// libcsv (RFC 4180: quoted cells, doubled quotes, embedded newlines, CRLF), with a UTF-8
// byte-order mark dropped and the delimiter (`,` or `;`) read from the header line.
//
// The client column never leaves the parser as text: each of its cells becomes initials
// (practice::InitialsOf, or kept when it already is initials) inside libcsv's field
// callback, so nothing here or after holds the name (C50). libcsv's own buffer is wiped
// before it is freed. An error message never repeats a cell of the client column.
//
// Pure: no database, no clock, no I/O. Thread-safety: a function of its arguments.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "hours/hours.hpp"

namespace alcove::hours {

// A field an import fills, with the headers it is known by (normalised: lower case,
// every run of other characters than letters and digits one space).
struct ImportField {
  std::string_view name;   // "date", "minutes", ... (ColumnMapping's keys)
  std::string_view label;  // "Date" (the mapping form's words)
  bool required = false;   // date, category, and minutes or hours
  std::span<const std::string_view> synonyms;
};
std::span<const ImportField> ImportFields();

// The mapping value that says "this field is not in the file" (a guessed column refused).
inline constexpr std::string_view kNoColumn = "-";

struct ParsedCsv {
  std::vector<std::string> headers;     // as found (trimmed)
  ColumnMapping mapping;                // field -> header, as used
  // Required fields without a column ("date", "minutes" for minutes or hours,
  // "category"): then no row is read, and `rows` and `errors` are empty.
  std::vector<std::string> missing;
  std::vector<ImportRow> rows;          // the rows without an error
  std::vector<ImportError> errors;      // one per row with an error, by row
  std::int64_t data_rows = 0;           // rows under the header (blank ones not counted)
};

// Parses an upload. `mapping` names the file's header for some fields (the rest are
// guessed from the headers; kNoColumn refuses a guess). Errors (kInvalidArgument, in
// words): a file over kMaxImportBytes or kMaxImportRows rows, not UTF-8 (or UTF-16), not
// CSV, empty, without a header row, without rows under the header; a mapping naming an
// unknown field or a header the file lacks.
Result<ParsedCsv> ParseImportCsv(const crypto::PhiString& csv, const ColumnMapping& mapping);

// Pieces of the parser, for the tests and the pages.
// The delimiter of the file whose first line is `text`'s: ';' when the first line (outside
// quotes) holds more semicolons than commas, else ','.
char DetectDelimiter(std::string_view text);
// "Session Date" -> "session date", "Duration (min)" -> "duration min".
std::string NormalizeHeader(std::string_view header);
// YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY, M/D/YYYY and M/D/YY (20YY).
std::optional<Day> ParseImportDate(std::string_view text);
// Minutes from an hours cell: "1.5", "1,5" (with `decimal_comma`), "1:30"; rounded to
// the minute. nullopt for anything else.
std::optional<std::int64_t> ParseHours(std::string_view text, bool decimal_comma);
// Minutes from a minutes cell: "50", "1:30" (hours:minutes).
std::optional<std::int64_t> ParseMinutes(std::string_view text);
// The category of a cell ("Individual", "Couples/Family", "Group Supervision",
// "supervision_group", ...); nullopt if unknown or ambiguous (a bare "Supervision").
std::optional<Category> ParseCategory(std::string_view text);
// The initials of a client cell: "J.D.", "J. D." and "JD" are initials already (kept,
// normalised to "J.D."; of three, the first and the last); anything else is a name and goes through practice::InitialsOf.
// Empty for an empty cell. Errors never repeat the cell.
Result<std::string> ClientAlias(const crypto::PhiString& cell);

}  // namespace alcove::hours
