#pragma once

// The instruments built into Alcove (src/measures/instruments/*.toml, one file each) and
// their strict loader (docs/measures.md § Instrument files). The files are embedded in
// the binary at build time (cmake/embed_instruments.cmake); `alcove serve` refuses to
// start if one does not load (CheckBuiltInInstruments), and the tests load every one.
//
// Pure: no database, no clock, no I/O.

#include <span>
#include <string_view>

#include "core/error.hpp"
#include "measures/types.hpp"

namespace alcove::measures {

// Parses and checks one instrument file: every key known and of the right type, item
// numbers 1..n, answer options ascending from 0 in steps of the set's `step` (default 1),
// every scored item in a scale and no unscored one, bands that cover each scale's whole
// range in order without gaps or overlaps, LOINC codes well-formed (their check digit
// included), flags on existing items with a reachable value. kInvalidArgument naming the
// file and the key otherwise.
Result<Instrument> ParseInstrument(std::string_view toml_text, std::string_view file_name);

// The instrument files embedded at build time, by file name ("phq-9.toml"), sorted.
struct InstrumentFile {
  std::string_view path;
  std::string_view text;
};
std::span<const InstrumentFile> BuiltInInstrumentFiles();

// Every built-in file parses and is named after its instrument's id. Run at start-up.
Status CheckBuiltInInstruments();

// The built-in instruments, parsed once, sorted by id. A built-in file that does not load
// is a build defect (the tests load every one and `alcove serve` checks them first): the
// process stops with the loader's message rather than score with a wrong instrument.
std::span<const Instrument> BuiltInInstruments();
// The built-in instrument with this id ("phq-9"; also spelt without its hyphens, "phq9"),
// or null. Stored and listed ids are always the hyphenated ones.
const Instrument* FindInstrument(std::string_view id);

// True for a LOINC code of the form "44249-1" whose last digit is its mod-10 check digit.
bool IsLoincCode(std::string_view code);
// True for a LOINC answer code of the form "LA6568-5" (its check digit is not verified).
bool IsLoincAnswerCode(std::string_view code);

}  // namespace alcove::measures
