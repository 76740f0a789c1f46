#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace alcove::cli {

// `alcove backup` and `alcove restore` (docs/backups.md; claim C08).

struct BackupReport {
  Micros taken_at = 0;           // when the database copy was started
  std::uint64_t bytes = 0;       // size of the backup file
  bool has_checkpoints = false;  // audit/checkpoints was included
  std::size_t blobs = 0;         // recordings' audio files (ciphertext) included
};

// Writes a backup of the data directory of `config` to the new file `out`, while a
// server may be serving: the audit checkpoints as they are (read first, so they never
// cover more than the database copy), then a consistent copy of the SQLite database
// (store::BackupSqliteFile), alcove.toml, the audit signing key and the recordings' audio
// (the committed blobs, ciphertext; not in-progress uploads), in the format of
// cli/backup_archive.hpp. Never a master key (C08), nor the TLS private key. The file
// is written under a temporary name beside `out` (0600), fsynced and renamed to `out`
// without replacing anything; on any failure nothing is left behind.
// Errors: kFailedPrecondition for a PostgreSQL configuration (the message gives the
// pg_dump command to run instead), an unsafe data directory, or `out` inside the data
// directory; kAlreadyExists if `out` exists; kInvalidArgument if the directory of `out`
// does not exist; file and database errors. Records the time in DATA_DIR/last-backup.
//
// Where CreateBackup records when the last backup was taken (in the data directory).
inline constexpr const char* kLastBackupFileName = "last-backup";

Result<BackupReport> CreateBackup(const Config& config, const std::filesystem::path& out);

struct RestoreReport {
  Micros backup_taken_at = 0;
  std::int64_t data_keys_checked = 0;  // every one unwrapped with the key file
  bool made_development_certificate = false;
  std::size_t blobs = 0;              // recordings' audio files restored into blobs/
  std::filesystem::path certificate;  // where `serve` looks for the certificate
};

// Creates the new data directory `dir` (0700) from the backup `from` and the separately
// kept master key file `key_file` (copied in as the configured key file, 0600), applies
// pending migrations, and checks that the key file unwraps every data key of the
// restored database before it succeeds. A TLS certificate does not travel in a backup: if
// the configuration expects it inside the data directory, a self-signed development
// certificate for localhost is made there (replace it with the real one). On any failure
// `dir` is removed again. Errors: kAlreadyExists if `dir` exists; kInvalidArgument for a
// damaged, truncated or foreign backup file; kFailedPrecondition when the key file is
// unsafe, malformed or does not open the database's keys (the message says which
// version is missing or wrong); file and database errors.
Result<RestoreReport> RestoreBackup(const std::filesystem::path& from,
                                    const std::filesystem::path& dir,
                                    const std::filesystem::path& key_file);

}  // namespace alcove::cli
