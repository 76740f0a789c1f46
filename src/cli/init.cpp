#include <fmt/format.h>

#include <filesystem>

#include "ai/openai.hpp"
#include "audit/checkpoint_signer.hpp"
#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "core/files.hpp"
#include "crypto/dev_certificate.hpp"
#include "crypto/master_key_file.hpp"

namespace alcove::cli {
namespace {

Status CreateContents(const std::filesystem::path& dir) {
  Config defaults;
  if (auto st = WriteNewFile(dir / "alcove.toml", DefaultConfigToml(), 0600); !st) {
    return st;
  }
  if (auto st = crypto::CreateMasterKeyFile(dir / defaults.keys.master_key_file); !st) {
    return st;
  }
  if (auto st = CreatePrivateDirectory(dir / "tls"); !st) {
    return st;
  }
  if (auto st = crypto::CreateDevelopmentCertificate(dir / defaults.tls.certificate,
                                                     dir / defaults.tls.private_key);
      !st) {
    return st;
  }
  // The drafting prompt of an OpenAI-compatible provider, a file the practice can read and
  // change (docs/ai.md).
  if (auto st = CreatePrivateDirectory(dir / defaults.ai.prompts_dir); !st) {
    return st;
  }
  if (auto st = WriteNewFile(dir / defaults.ai.prompts_dir / "draft-summary.txt",
                             std::string(ai::BuiltInDraftPrompt()) + "\n", 0600);
      !st) {
    return st;
  }
  // The audit log's checkpoint signing key (audit/signing.key), kept outside the database.
  if (auto st = audit::CreateAuditFiles(dir); !st) {
    return st;
  }
  // The embedded database (alcove.db), with every migration applied.
  Config config;
  config.data_dir = dir;
  if (auto db = OpenDatabase(config); !db) {
    return std::unexpected(db.error());
  }
  return {};
}

}  // namespace

Status InitDataDir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(dir, ec))) {
    return Fail(ErrorCode::kAlreadyExists,
                fmt::format("{} already exists; alcove init never overwrites a data directory. "
                            "Choose another path, or remove it if you really mean to start over",
                            dir.string()));
  }
  if (auto st = CreatePrivateDirectory(dir); !st) {
    return st;
  }
  if (auto st = CreateContents(dir); !st) {
    std::filesystem::remove_all(dir, ec);  // we created it in this call: nothing else is lost
    return st;
  }
  return {};
}

}  // namespace alcove::cli
