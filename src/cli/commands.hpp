#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"

namespace alcove::cli {

// `alcove init`: creates `dir` (0700) with alcove.toml, a master key file (0600), a
// self-signed development certificate for localhost (tls/, key 0600), and the SQLite
// database alcove.db with every migration applied. Refuses if `dir`
// exists. If anything fails, removes what it created, so a retry starts clean.
Status InitDataDir(const std::filesystem::path& dir);

// The checks every command that opens a data directory makes first: the directory is
// private to this user, and the master key file is private and well formed. The
// error says which chmod/chown or which line fixes it.
Status CheckDataDir(const Config& config);

// `alcove serve`: checks the data directory (private, key files private, certificate
// present, configuration valid), then serves until SIGTERM/SIGINT. Returns the
// process exit code; explains on stderr what to fix when it cannot start.
int Serve(const Config& config);

// Sets up logging (stderr, UTC timestamps) at `level`.
void SetUpLogging(const std::string& level);

}  // namespace alcove::cli
