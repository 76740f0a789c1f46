#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "crypto/secret.hpp"
#include "crypto/sha.hpp"

namespace alcove::cli {

// The backup file of `alcove backup` (format v1, docs/backups.md § The backup file).
// Every integer is big-endian.
//
//   magic        8 bytes   "ALCVBKUP"
//   version      1 byte    0x01
//   created_at   8 bytes   microseconds since the epoch, UTC
//   entries, each:
//     kind       1 byte    0x01 (a file)
//     name_len   2 bytes   1..255
//     name       name_len bytes: one of kBackupEntryNames, or "blobs/<id>" (a recording's
//                audio, ciphertext as the blob store holds it; <id> a store id)
//     size       8 bytes
//     content    size bytes
//   end          1 byte    0x00
//   checksum     32 bytes  SHA-256 of every byte before it
//
// A reader checks the checksum over the whole file before it trusts any field, then
// parses; anything else (unknown version or kind, a name not in the list or twice,
// sizes past the end, bytes after the checksum) is refused.

inline constexpr std::string_view kBackupMagic = "ALCVBKUP";
inline constexpr std::uint8_t kBackupFormatVersion = 1;

// The only entries a backup may hold. None of them is a master key (claim C08).
inline constexpr std::string_view kBackupConfigEntry = "alcove.toml";
inline constexpr std::string_view kBackupDatabaseEntry = "alcove.db";
inline constexpr std::string_view kBackupSigningKeyEntry = "audit/signing.key";
inline constexpr std::string_view kBackupCheckpointsEntry = "audit/checkpoints";
// The newest signed checkpoint (C44: every commit's), read before the database copy.
inline constexpr std::string_view kBackupLatestCheckpointEntry = "audit/checkpoints.latest";
inline constexpr std::string_view kBackupEntryNames[] = {
    kBackupConfigEntry, kBackupDatabaseEntry, kBackupSigningKeyEntry, kBackupCheckpointsEntry,
    kBackupLatestCheckpointEntry};

// Writes a backup file. Create() makes the file (0600, O_EXCL); Add* append entries;
// Finish() writes the end, the checksum and fsyncs. Destroying a writer that did not
// Finish removes its file. Not thread-safe.
// "blobs/<id>": a recording's audio (docs/backups.md § What a backup holds).
inline constexpr std::string_view kBackupBlobPrefix = "blobs/";
bool IsBackupBlobEntry(std::string_view name);

class BackupWriter {
 public:
  static Result<std::unique_ptr<BackupWriter>> Create(const std::filesystem::path& path,
                                                      Micros created_at);
  ~BackupWriter();
  BackupWriter(const BackupWriter&) = delete;
  BackupWriter& operator=(const BackupWriter&) = delete;

  // Streams the regular file `source` (not a link) in as entry `name`.
  Status AddFile(std::string_view name, const std::filesystem::path& source);
  Status AddText(std::string_view name, std::string_view content);
  // A key file's text (crypto::ReadSigningKeyFileForBackup); only written, never logged.
  Status AddSecret(std::string_view name, const crypto::SecretString& content);
  Status Finish();

 private:
  BackupWriter(std::filesystem::path path, UniqueFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  Status Write(std::string_view bytes);
  Status EntryHeader(std::string_view name, std::uint64_t size);

  std::filesystem::path path_;
  UniqueFd fd_;
  crypto::Sha256Hasher hash_;
  std::vector<std::string> names_;
  bool finished_ = false;
};

// Reads a backup file. Open() checks the whole file's checksum and the structure, and
// records where each entry is; the Extract* calls then copy entries out. Errors name
// the file and what is wrong (kInvalidArgument for a damaged, truncated or foreign file,
// kNotFound if it is missing).
class BackupReader {
 public:
  struct Entry {
    std::string name;
    std::uint64_t offset = 0;  // of the content
    std::uint64_t size = 0;
  };
  static Result<std::unique_ptr<BackupReader>> Open(const std::filesystem::path& path);

  Micros created_at() const { return created_at_; }
  bool Has(std::string_view name) const;
  // The names of the "blobs/<id>" entries, in file order.
  std::vector<std::string> BlobEntries() const;
  // Writes entry `name` to the new file `dest` (`mode`, O_EXCL), fsynced.
  Status ExtractTo(std::string_view name, const std::filesystem::path& dest, mode_t mode) const;
  // Entry `name` in memory (for small entries: the configuration, a key file).
  Result<std::string> ReadSmall(std::string_view name, std::size_t max_bytes) const;
  Result<crypto::SecretString> ReadSecret(std::string_view name, std::size_t max_bytes) const;

 private:
  BackupReader(std::filesystem::path path, UniqueFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  const Entry* Find(std::string_view name) const;
  Status ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) const;

  std::filesystem::path path_;
  UniqueFd fd_;
  Micros created_at_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace alcove::cli
