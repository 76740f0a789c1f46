#include "cli/keys.hpp"

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/database.hpp"

namespace alcove::cli {

Result<crypto::RotationReport> RotateMasterKeys(const Config& config, const Environment& env) {
  if (const auto it = env.find(std::string(kMasterKeyEnv));
      it != env.end() && !it->second.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} is set: the master keys come from the environment, and "
                            "`alcove keys rotate` rotates the key file only. Unset it, or "
                            "rotate by hand as docs/crypto.md describes",
                            kMasterKeyEnv));
  }
  if (auto st = CheckDataDir(config); !st) {
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

}  // namespace alcove::cli
