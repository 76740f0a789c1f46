#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/secure_buffer.hpp"

namespace alcove::crypto {

// The master key file (format in docs/data-directory.md):
//
//   # comment lines and blank lines are ignored
//   alcove-master-keys v1
//   key <version> <base64 of 32 bytes> [created=<UTC time>] [replaced=<UTC time>]
//
// One line per live master-key version; the highest version wraps new data keys.
// `created` is when the version was made; `replaced` is when a rotation finished
// re-wrapping every data key under a newer version (from then on only database backups
// taken before that time need it; `alcove keys retire` removes it once they are gone).
// Times are RFC 3339 UTC with microseconds (core/time_text.hpp). Files written before
// these attributes existed have none and are read as before.
// The same text may instead come from the environment variable ALCOVE_MASTER_KEY, which
// also accepts the bare base64 of one 32-byte key (read as version 1).

// Creates the file with a single version 1 of 256 bits from the OS CSPRNG, mode 0600,
// created now. Fails with kAlreadyExists rather than overwrite a key.
Status CreateMasterKeyFile(const std::filesystem::path& path);

// Checks that the file is private to this user (mode 0600 or stricter, not a link)
// and well formed, and returns the key versions it holds (ascending). Key bytes are
// decoded into locked memory, checked and wiped; none leave this function.
Result<std::vector<std::uint32_t>> CheckMasterKeyFile(const std::filesystem::path& path);

// The master-key versions held in memory: locked (SecureBuffer), wiped when released.
// For src/crypto/ only (the key ring); nothing outside crypto/ sees a key byte.
// Thread-safety: const methods are safe from several threads; the object is move-only.
class MasterKeys {
 public:
  // Parses the file format above. `what` names the source in error messages (never the
  // content). Errors: kFailedPrecondition for anything malformed, a version that is not
  // a positive 32-bit number, a duplicate version, or no key at all.
  static Result<MasterKeys> Parse(std::string_view text, std::string_view what);

  // The value of ALCOVE_MASTER_KEY: the file format, or the base64 of one 32-byte key
  // (version 1). Errors as Parse.
  static Result<MasterKeys> ParseEnvironmentValue(std::string_view value);

  // Reads and parses the key file after CheckPrivateFile (a file that group or others
  // may read, or a symbolic link, is refused with kFailedPrecondition).
  static Result<MasterKeys> Load(const std::filesystem::path& path);

  // Ascending; never empty for a parsed object.
  std::vector<std::uint32_t> versions() const;
  std::uint32_t newest() const;
  bool Has(std::uint32_t version) const { return keys_.contains(version); }
  // The 32 key bytes of `version`, or an empty span if this object does not hold it.
  std::span<const std::uint8_t> Key(std::uint32_t version) const;

  // When `version` was created / replaced (see the file format); nullopt if the file
  // does not say (older files) or there is no such version.
  std::optional<Micros> Created(std::uint32_t version) const;
  std::optional<Micros> Replaced(std::uint32_t version) const;

  // Adds `version` with 32 fresh bytes from the CSPRNG, created at `created`.
  // kAlreadyExists if present.
  Status AddRandom(std::uint32_t version, Micros created);
  // Records that a rotation finished moving every data key off `version` at `when`
  // (no effect if `version` is absent or already marked).
  void MarkReplaced(std::uint32_t version, Micros when);
  // Drops `version` (its bytes are wiped).
  void Remove(std::uint32_t version);

  // The file format, for writing. The returned text holds key material: the caller
  // wipes it (WriteMasterKeyFile does).
  std::string Serialize() const;

 private:
  struct Dates {
    std::optional<Micros> created;
    std::optional<Micros> replaced;
  };
  std::map<std::uint32_t, SecureBuffer> keys_;
  std::map<std::uint32_t, Dates> dates_;  // the same versions as keys_
};

// Replaces the key file atomically and durably: writes `keys` to a new temporary file
// (mode 0600, O_EXCL) in the same directory, fsyncs it, renames it over `path` and
// fsyncs the directory. A crash leaves either the old file or the new one, never a
// mix; a stray temporary file (`<name>.tmp-<hex>`) may remain and is safe to delete.
Status WriteMasterKeyFile(const std::filesystem::path& path, const MasterKeys& keys);

// Loads the file, adds version newest + 1 with a fresh random key (created now), and
// writes it back with WriteMasterKeyFile. Returns the new version.
Result<std::uint32_t> AddMasterKeyVersion(const std::filesystem::path& path);

// For `alcove restore`: reads the operator's key file at `from` (it must be private to
// this user and well formed, as MasterKeys::Load checks) and writes the same keys to the
// new file `to` (mode 0600, never over an existing file, fsynced). The key bytes stay in
// this function. Errors: those of Load; kAlreadyExists if `to` exists.
Status InstallMasterKeyFile(const std::filesystem::path& from, const std::filesystem::path& to);

// For `alcove doctor`: the versions of the key file with their dates, and never a key
// byte (the keys are wiped before this returns). Errors: those of MasterKeys::Load.
struct MasterKeyVersionDates {
  std::uint32_t version = 0;
  std::optional<Micros> created;
  std::optional<Micros> replaced;
};
Result<std::vector<MasterKeyVersionDates>> DescribeMasterKeyFile(const std::filesystem::path& path);

}  // namespace alcove::crypto
