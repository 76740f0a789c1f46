#include "cli/keys.hpp"

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/database.hpp"

namespace alcove::cli {

namespace {

// The checks both commands make; the error says what to do.
Status CheckKeyFileCommand(const Config& config, const Environment& env, std::string_view cmd) {
  if (const auto it = env.find(std::string(kMasterKeyEnv));
      it != env.end() && !it->second.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} is set: the master keys come from the environment, and "
                            "`alcove keys {}` changes the key file only. Unset it, or "
                            "change the keys by hand as docs/crypto.md describes",
                            kMasterKeyEnv, cmd));
  }
  return CheckDataDir(config);
}

}  // namespace

Result<crypto::RotationReport> RotateMasterKeys(const Config& config, const Environment& env) {
  if (auto st = CheckKeyFileCommand(config, env, "rotate"); !st) {
    return std::unexpected(st.error());
  }
  const auto key_file = config.InDataDir(config.keys.master_key_file);
  // Opened as `serve` opens it (migrations through the owner role when configured).
  auto db = OpenDatabase(config);
  if (!db) {
    return std::unexpected(db.error());
  }
  return crypto::RotateMasterKey(**db, key_file);
}

Result<crypto::RetirementPlan> RetireKeyVersions(const Config& config, const Environment& env,
                                                 Micros before, bool apply) {
  if (auto st = CheckKeyFileCommand(config, env, "retire"); !st) {
    return std::unexpected(st.error());
  }
  auto db = OpenDatabase(config);
  if (!db) {
    return std::unexpected(db.error());
  }
  return crypto::RetireMasterKeys(**db, config.InDataDir(config.keys.master_key_file), before,
                                  apply);
}

}  // namespace alcove::cli
