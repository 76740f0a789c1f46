#pragma once

#include <filesystem>

#include "core/error.hpp"

namespace alcove::store {

// A consistent copy of a live SQLite database, for `alcove backup` (docs/backups.md).
//
// Copies the database at `source` into the new file `dest` with SQLite's online backup
// API (sqlite3_backup_*) from a connection of its own, in one step, i.e. inside one read
// transaction: the copy is the database as of one commit (committed transactions in
// the WAL included), while other connections and processes (a running `alcove serve`)
// keep reading and writing. `dest` is created with mode 0600 (never over an existing
// file), checked with `PRAGMA quick_check`, fsynced, and is a single self-contained file
// (no -wal beside it). Errors: kNotFound if `source` is missing; kAlreadyExists if `dest`
// exists; kUnavailable if the source stays locked; kFailedPrecondition otherwise. On
// failure `dest` is removed.
Status BackupSqliteFile(const std::filesystem::path& source, const std::filesystem::path& dest);

}  // namespace alcove::store
