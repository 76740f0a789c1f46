#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/error.hpp"

namespace alcove::crypto {

// The master key file (format in docs/data-directory.md):
//
//   # comment lines and blank lines are ignored
//   alcove-master-keys v1
//   key <version> <base64 of 32 bytes>
//
// One line per live master-key version; the highest version wraps new data keys.

// Creates the file with a single version 1 of 256 bits from the OS CSPRNG, mode 0600.
// Fails with kAlreadyExists rather than overwrite a key.
Status CreateMasterKeyFile(const std::filesystem::path& path);

// Checks that the file is private to this user (mode 0600 or stricter, not a link)
// and well formed, and returns the key versions it holds (ascending). Key bytes are
// decoded into locked memory, checked and wiped; none leave this function.
Result<std::vector<std::uint32_t>> CheckMasterKeyFile(const std::filesystem::path& path);

}  // namespace alcove::crypto
