#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace alcove::store {

// Ids of objects that appear in URLs (and blob ids): 128 random bits from the kernel
// (getrandom(2)), written as 32 lowercase hex characters. Never sequential, never
// derived from content. Thread-safe.
inline constexpr std::size_t kIdLength = 32;

// A new random id. Aborts the process if the kernel cannot supply randomness (it only
// blocks before the entropy pool is initialised at boot).
std::string NewId();

// True if `text` is exactly 32 lowercase hex characters. Anything else — upper case,
// another length, `..`, `/`, NUL — is not an id, so a valid id is always a safe file name.
bool IsValidId(std::string_view text);

// `text` as an id, or kInvalidArgument ("malformed id"; the message never echoes it).
Result<std::string> ParseId(std::string_view text);

}  // namespace alcove::store
