#pragma once

// The plaintext of a staged CSV import (C52; docs/hours-import.md § Staging): what is
// sealed, as one field ciphertext, into hours_imports.sealed. A small length-prefixed
// binary layout (version 1), read back only by this code:
//
//   0x01 | u32 count, rows (row i32, day i32 days since 1970-01-01, minutes i64, category
//   u8, flags u8 (1 telehealth, 2 video, 4 has group size, 8 has phase, 16 pre-degree),
//   group size i32, setting str, alias str) | u32 count, errors (row i32, message str) |
//   u32 count, headers (str) | u32 count, mapping (field str, header str) |
//   default setting id str        — integers big-endian, str = u32 length + bytes.
//
// Pure. Thread-safety: functions of their arguments.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "hours/hours.hpp"

namespace alcove::hours {

struct StagedImport {
  std::vector<ImportRow> rows;
  std::vector<ImportError> errors;
  std::vector<std::string> headers;
  ColumnMapping mapping;
  std::string default_setting_id;  // empty: none chosen
};

std::string EncodeStagedImport(const StagedImport& staged);
// kInternal for bytes that are not an encoding of version 1 (they came out of an
// authenticated ciphertext, so only a bug makes them).
Result<StagedImport> DecodeStagedImport(std::string_view bytes);

}  // namespace alcove::hours
