#include "cli/backup.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "audit/checkpoint_signer.hpp"
#include "cli/backup_archive.hpp"
#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "core/files.hpp"
#include "core/time_text.hpp"
#include "crypto/dev_certificate.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "crypto/random.hpp"
#include "crypto/signing_key.hpp"
#include "store/ids.hpp"
#include "store/sqlite/sqlite_backup.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace alcove::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxConfigBytes = 1 << 20;
constexpr std::size_t kMaxCheckpointBytes = std::size_t{256} << 20;
constexpr std::size_t kMaxKeyFileBytes = 16 * 1024;

// Removes a path when it goes out of scope, unless released.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(fs::path path) : path_(std::move(path)) {}
  ~RemoveOnExit() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  void Release() { path_.clear(); }

 private:
  fs::path path_;
};

Status FsyncDir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot fsync the directory {}", dir.string()));
  }
  return {};
}

// True if `p` is `dir` or lies inside it (both made absolute, links resolved as far as
// they exist).
bool IsInside(const fs::path& p, const fs::path& dir) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(fs::absolute(p, ec), ec);
  const fs::path d = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  auto ai = a.begin();
  for (auto di = d.begin(); di != d.end(); ++di, ++ai) {
    if (di->empty() && std::next(di) == d.end()) {
      break;  // a trailing separator
    }
    if (ai == a.end() || *ai != *di) {
      return false;
    }
  }
  return true;
}

std::string PgDumpAdvice(const Config& config, const fs::path& out) {
  const bool owner = !config.database.migration_url.empty();
  const std::string& url = owner ? config.database.migration_url : config.database.url;
  const std::string& pw_env =
      owner ? config.database.migration_password_env : config.database.password_env;
  fs::path dump = out;
  dump += ".pgdump";
  return fmt::format(
      "database.url is set: the database is PostgreSQL, and `alcove backup` copies only the "
      "embedded SQLite database. Back up PostgreSQL with pg_dump (a consistent snapshot "
      "while the server runs), as the {} role:\n"
      "  {}pg_dump --format=custom --file='{}' '{}'\n"
      "and copy alcove.toml and the audit/ directory (signing.key, checkpoints) of {} "
      "beside the dump, never master.key (docs/backups.md § PostgreSQL)",
      owner ? "owner" : "configured",
      pw_env.empty() ? "" : fmt::format("PGPASSWORD=\"${}\" ", pw_env), dump.string(), url,
      config.data_dir.string());
}

// The checkpoint file's text up to its last complete note (a server may be appending).
Result<std::optional<std::string>> ReadCheckpoints(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) {
    return std::optional<std::string>();
  }
  auto text = ReadSmallFile(path, kMaxCheckpointBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  const auto end = text->rfind("\n\n");
  text->resize(end == std::string::npos ? 0 : end + 2);
  return std::optional<std::string>(std::move(*text));
}

// A path inside the data directory for a name of the configuration (relative, no "..").
Result<fs::path> InsideDataDir(const fs::path& dir, const std::string& configured,
                               std::string_view what) {
  const fs::path p(configured);
  bool ok = !configured.empty() && p.is_relative();
  for (const auto& part : p) {
    ok = ok && part != "..";
  }
  if (!ok) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("the restored alcove.toml puts the {} at {}, outside the data "
                            "directory; restore needs it inside (a relative path)",
                            what, configured));
  }
  return dir / p;
}

Status RestoreInto(const BackupReader& backup, const fs::path& dir, const fs::path& key_file,
                   RestoreReport& report) {
  const fs::path db_file = dir / store::kSqliteFileName;
  if (auto st = backup.ExtractTo(kBackupConfigEntry, dir / "alcove.toml", 0600); !st) {
    return st;
  }
  if (auto st = backup.ExtractTo(kBackupDatabaseEntry, db_file, 0600); !st) {
    return st;
  }
  if (auto st = CreatePrivateDirectory(audit::AuditDir(dir)); !st) {
    return st;
  }
  {
    auto signing = backup.ReadSecret(kBackupSigningKeyEntry, kMaxKeyFileBytes);
    if (!signing) {
      return std::unexpected(signing.error());
    }
    if (auto st = crypto::InstallSigningKeyFile(*signing, audit::SigningKeyPath(dir)); !st) {
      return st;
    }
  }
  if (const auto blobs = backup.BlobEntries(); !blobs.empty()) {
    const fs::path blob_dir = dir / "blobs";
    if (auto st = CreatePrivateDirectory(blob_dir); !st) {
      return st;
    }
    for (const auto& name : blobs) {
      if (auto st = backup.ExtractTo(name, blob_dir / name.substr(kBackupBlobPrefix.size()), 0600);
          !st) {
        return st;
      }
    }
    report.blobs = blobs.size();
    if (auto st = FsyncDir(blob_dir); !st) {
      return st;
    }
  }
  if (backup.Has(kBackupCheckpointsEntry)) {
    if (auto st = backup.ExtractTo(kBackupCheckpointsEntry, audit::CheckpointFilePath(dir), 0600);
        !st) {
      return st;
    }
  }
  if (backup.Has(kBackupLatestCheckpointEntry)) {
    if (auto st =
            backup.ExtractTo(kBackupLatestCheckpointEntry,
                             audit::LatestCheckpointPath(audit::CheckpointFilePath(dir)), 0600);
        !st) {
      return st;
    }
  }
  // The restored configuration as it is in the file: the operator's environment (e.g.
  // ALCOVE_DATABASE_URL) must not send the checks below to another database.
  auto config = LoadConfig(dir, Environment{});
  if (!config) {
    return std::unexpected(config.error());
  }
  if (!config->database.url.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the backup's alcove.toml sets database.url (PostgreSQL), but the backup holds "
                "an SQLite database; remove database.url from it");
  }
  auto key_dest = InsideDataDir(dir, config->keys.master_key_file, "master key file");
  if (!key_dest) {
    return std::unexpected(key_dest.error());
  }
  if (auto st = crypto::InstallMasterKeyFile(key_file, *key_dest); !st) {
    return st;
  }
  // TLS: the private key never travels. A development certificate where serve expects
  // one inside the data directory; certificates elsewhere are the operator's.
  report.certificate = config->InDataDir(config->tls.certificate);
  const fs::path tls_key = config->InDataDir(config->tls.private_key);
  std::error_code ec;
  if (IsInside(report.certificate, dir) && IsInside(tls_key, dir) &&
      !fs::exists(report.certificate, ec) && !fs::exists(tls_key, ec)) {
    for (const fs::path& parent : {report.certificate.parent_path(), tls_key.parent_path()}) {
      if (!fs::exists(parent, ec)) {
        if (auto st = CreatePrivateDirectory(parent); !st) {
          return st;
        }
      }
    }
    if (auto st = crypto::CreateDevelopmentCertificate(report.certificate, tls_key); !st) {
      return st;
    }
    report.made_development_certificate = true;
  }
  // Open as serve would (pending migrations applied), then the key check.
  auto db = OpenDatabase(*config);
  if (!db) {
    return std::unexpected(db.error());
  }
  auto checked = crypto::CheckKeyFileOpensEveryDek(**db, *key_dest);
  if (!checked) {
    return Fail(checked.error().code,
                fmt::format("the master key file {} does not open this backup: {}",
                            key_file.string(), checked.error().internal));
  }
  report.data_keys_checked = *checked;
  db->reset();
  if (auto st = FsyncDir(audit::AuditDir(dir)); !st) {
    return st;
  }
  return FsyncDir(dir);
}

}  // namespace

Result<BackupReport> CreateBackup(const Config& config, const fs::path& out) {
  if (!config.database.url.empty()) {
    return Fail(ErrorCode::kFailedPrecondition, PgDumpAdvice(config, out));
  }
  if (auto st = CheckDataDir(config); !st) {
    return std::unexpected(st.error());
  }
  std::error_code ec;
  if (out.empty() || fs::is_directory(out, ec)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("--out must name a new file, not {}", out.string()));
  }
  if (fs::exists(fs::symlink_status(out, ec))) {
    return Fail(ErrorCode::kAlreadyExists,
                fmt::format("{} exists; alcove backup never overwrites a file", out.string()));
  }
  const fs::path parent = fs::absolute(out, ec).parent_path();
  if (!fs::is_directory(parent, ec)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("the directory {} of --out does not exist", parent.string()));
  }
  if (IsInside(out, config.data_dir)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} is inside the data directory {}; a backup kept there is lost "
                            "with it. Write it somewhere else",
                            out.string(), config.data_dir.string()));
  }
  const std::string tag = crypto::RandomHex(8);
  fs::path temp = fs::absolute(out, ec);
  temp += ".tmp-" + tag;
  fs::path temp_db = temp;
  temp_db += ".db";
  RemoveOnExit remove_temp_db(temp_db);

  BackupReport report;
  // 1. The checkpoints, before the database: they then never cover events the copy lacks.
  auto checkpoints = ReadCheckpoints(audit::CheckpointFilePath(config.data_dir));
  if (!checkpoints) {
    return std::unexpected(checkpoints.error());
  }
  auto latest =
      ReadCheckpoints(audit::LatestCheckpointPath(audit::CheckpointFilePath(config.data_dir)));
  if (!latest) {
    return std::unexpected(latest.error());
  }
  // 2. The database, consistent as of one commit.
  report.taken_at = SystemClock::Instance().Now();
  if (auto st = store::BackupSqliteFile(config.data_dir / store::kSqliteFileName, temp_db); !st) {
    return std::unexpected(st.error());
  }
  // 3. The small files.
  auto toml = ReadSmallFile(config.data_dir / "alcove.toml", kMaxConfigBytes);
  if (!toml) {
    return std::unexpected(toml.error());
  }
  auto signing = crypto::ReadSigningKeyFileForBackup(audit::SigningKeyPath(config.data_dir));
  if (!signing) {
    return std::unexpected(signing.error());
  }
  {
    auto writer = BackupWriter::Create(temp, report.taken_at);
    if (!writer) {
      return std::unexpected(writer.error());
    }
    Status st = (*writer)->AddText(kBackupConfigEntry, *toml);
    if (st) {
      st = (*writer)->AddSecret(kBackupSigningKeyEntry, *signing);
    }
    if (st && *checkpoints) {
      st = (*writer)->AddText(kBackupCheckpointsEntry, **checkpoints);
      report.has_checkpoints = true;
    }
    if (st && *latest && !(*latest)->empty()) {
      st = (*writer)->AddText(kBackupLatestCheckpointEntry, **latest);
      report.has_checkpoints = true;
    }
    if (st) {
      st = (*writer)->AddFile(kBackupDatabaseEntry, temp_db);
    }
    // Recordings' audio, after the database: each committed blob (ciphertext under its
    // recording's key, which the database holds wrapped); in-progress uploads are not
    // taken. A blob deleted meanwhile (a withdrawal) is left out.
    const fs::path blobs = config.data_dir / "blobs";
    if (st && fs::is_directory(blobs, ec)) {
      std::vector<std::string> ids;
      for (const auto& entry : fs::directory_iterator(blobs, ec)) {
        const std::string name = entry.path().filename().string();
        if (store::IsValidId(name) && entry.is_regular_file(ec)) {
          ids.push_back(name);
        }
      }
      std::sort(ids.begin(), ids.end());
      for (const auto& id : ids) {
        if (!st) {
          break;
        }
        if (!fs::exists(blobs / id, ec)) {
          continue;
        }
        st = (*writer)->AddFile(std::string(kBackupBlobPrefix) + id, blobs / id);
        report.blobs += st ? 1 : 0;
      }
    }
    if (st) {
      st = (*writer)->Finish();
    }
    if (!st) {
      return std::unexpected(st.error());  // the writer removes its file
    }
  }
  RemoveOnExit remove_temp(temp);
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE) != 0) {
    const int err = errno;
    return Fail(
        err == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kFailedPrecondition,
        fmt::format("cannot rename {} to {}: {}", temp.string(), out.string(), std::strerror(err)));
  }
  remove_temp.Release();
  if (auto st = FsyncDir(parent); !st) {
    return std::unexpected(st.error());
  }
  report.bytes = fs::file_size(out, ec);
  // When the last backup was taken, for `alcove doctor` (DATA_DIR/last-backup; the time
  // only). A record that cannot be written leaves the backup as it is: the doctor then
  // says no backup is recorded.
  const fs::path record = config.data_dir / kLastBackupFileName;
  fs::path record_temp = record;
  record_temp += ".tmp-" + tag;
  if (WriteNewFile(record_temp, FormatRfc3339Micros(report.taken_at) + "\n", 0600)) {
    fs::rename(record_temp, record, ec);
    if (ec) {
      fs::remove(record_temp, ec);
    }
  }
  return report;
}

Result<RestoreReport> RestoreBackup(const fs::path& from, const fs::path& dir,
                                    const fs::path& key_file) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dir, ec))) {
    return Fail(ErrorCode::kAlreadyExists,
                fmt::format("{} exists; alcove restore only creates a new data directory. "
                            "Choose a path that does not exist yet",
                            dir.string()));
  }
  // The key file before anything is created: the commonest mistakes fail at once.
  if (auto versions = crypto::CheckMasterKeyFile(key_file); !versions) {
    return std::unexpected(versions.error());
  }
  auto backup = BackupReader::Open(from);
  if (!backup) {
    return std::unexpected(backup.error());
  }
  for (std::string_view needed :
       {kBackupConfigEntry, kBackupDatabaseEntry, kBackupSigningKeyEntry}) {
    if (!(*backup)->Has(needed)) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("the backup {} holds no {}", from.string(), needed));
    }
  }
  if (auto st = CreatePrivateDirectory(dir); !st) {
    return std::unexpected(st.error());
  }
  RemoveOnExit remove_dir(dir);  // we created it in this call: nothing else is lost
  RestoreReport report;
  report.backup_taken_at = (*backup)->created_at();
  if (auto st = RestoreInto(**backup, dir, key_file, report); !st) {
    return std::unexpected(st.error());
  }
  remove_dir.Release();
  return report;
}

}  // namespace alcove::cli
