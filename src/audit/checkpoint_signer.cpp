#include "audit/checkpoint_signer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "audit/log.hpp"
#include "core/encoding.hpp"
#include "core/files.hpp"
#include "crypto/sha.hpp"

namespace alcove::audit {
namespace {

constexpr std::size_t kMaxCheckpointFileBytes = 256 * 1024 * 1024;

Status FsyncPath(const std::filesystem::path& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                "cannot fsync " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

std::filesystem::path AuditDir(const std::filesystem::path& data_dir) { return data_dir / "audit"; }
std::filesystem::path SigningKeyPath(const std::filesystem::path& data_dir) {
  return AuditDir(data_dir) / "signing.key";
}
std::filesystem::path CheckpointFilePath(const std::filesystem::path& data_dir) {
  return AuditDir(data_dir) / "checkpoints";
}

Status CreateAuditFiles(const std::filesystem::path& data_dir) {
  if (auto st = CreatePrivateDirectory(AuditDir(data_dir)); !st) {
    return st;
  }
  return crypto::CreateSigningKeyFile(SigningKeyPath(data_dir));
}

std::string LogOrigin(std::span<const std::uint8_t> public_key) {
  return "alcove.audit/" + HexEncode(crypto::Sha256(public_key)).substr(0, 16);
}

std::string SignCheckpoint(const crypto::SigningKey& key, const Checkpoint& checkpoint) {
  const std::string body = CheckpointBody(checkpoint);
  const auto signature = key.Sign(body);
  return FormatSignedCheckpoint(checkpoint, kCheckpointKeyName, key.public_key(), signature);
}

bool VerifyCheckpointSignature(const SignedCheckpoint& cp, std::string_view key_name,
                               std::span<const std::uint8_t> public_key) {
  const KeyHash expected = NoteKeyHash(key_name, public_key);
  for (const auto& sig : cp.signatures) {
    if (sig.key_name == key_name && sig.key_hash == expected &&
        crypto::VerifyEd25519(public_key, AsBytes(cp.body), sig.signature)) {
      return true;
    }
  }
  return false;
}

Status AppendCheckpointFile(const std::filesystem::path& path, std::string_view note) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(std::filesystem::symlink_status(path, ec));
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot open the audit checkpoint file " +
                                                    path.string() + ": " + std::strerror(errno));
  }
  std::string record(note);
  record += '\n';
  std::size_t done = 0;
  while (done < record.size()) {
    const ssize_t n = ::write(fd.get(), record.data() + done, record.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Fail(ErrorCode::kFailedPrecondition, "cannot write the audit checkpoint file " +
                                                      path.string() + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot fsync the audit checkpoint file " +
                                                    path.string() + ": " + std::strerror(errno));
  }
  if (!existed) {
    return FsyncPath(path.parent_path(), O_RDONLY | O_DIRECTORY);
  }
  return {};
}

Result<std::vector<SignedCheckpoint>> ReadCheckpointFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    return std::vector<SignedCheckpoint>{};
  }
  auto text = ReadSmallFile(path, kMaxCheckpointFileBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  auto parsed = ParseCheckpointFile(*text);
  if (!parsed) {
    return Fail(ErrorCode::kInvalidArgument, "the audit checkpoint file " + path.string() +
                                                 " is damaged: " + parsed.error().internal);
  }
  return parsed;
}

Checkpointer::Checkpointer(store::Db& db, const crypto::SigningKey& key, std::filesystem::path file,
                           const Clock& clock, CheckpointerOptions options)
    : db_(db),
      key_(key),
      file_(std::move(file)),
      clock_(clock),
      options_(options),
      origin_(LogOrigin(key.public_key())) {}

Result<std::unique_ptr<Checkpointer>> Checkpointer::Create(store::Db& db,
                                                           const crypto::SigningKey& key,
                                                           std::filesystem::path file,
                                                           const Clock& clock,
                                                           CheckpointerOptions options) {
  auto existing = ReadCheckpointFile(file);
  if (!existing) {
    return std::unexpected(existing.error());
  }
  std::unique_ptr<Checkpointer> c(new Checkpointer(db, key, std::move(file), clock, options));
  if (!existing->empty()) {
    c->latest_ = existing->back();
    c->last_size_ = existing->back().checkpoint.size;
  }
  c->last_time_ = clock.Now();
  return c;
}

Checkpointer::~Checkpointer() {
  std::unique_lock lock(mu_);
  if (thread_.joinable()) {
    stopping_ = true;
    lock.unlock();
    wake_.notify_all();
    thread_.join();
  }
}

Result<bool> Checkpointer::Tick() { return Round(false); }
Result<bool> Checkpointer::Flush() { return Round(true); }

Result<bool> Checkpointer::Round(bool flush) {
  std::lock_guard round(round_mu_);
  TreeHead head;
  {
    auto tx = db_.Begin();
    if (!tx) {
      return std::unexpected(tx.error());
    }
    auto h = ReadHead(**tx);
    if (!h) {
      return std::unexpected(h.error());
    }
    head = std::move(*h);
  }
  const Micros now = clock_.Now();
  std::uint64_t last_size = 0;
  Micros last_time = 0;
  {
    std::lock_guard lock(mu_);
    last_size = last_size_;
    last_time = last_time_;
  }
  if (head.size() <= last_size) {
    return false;
  }
  const bool due = flush || head.size() - last_size >= options_.every_events ||
                   now - last_time >= options_.every;
  if (!due) {
    return false;
  }
  const Checkpoint cp{.origin = origin_, .size = head.size(), .root = head.root()};
  const std::string note = SignCheckpoint(key_, cp);
  if (auto st = AppendCheckpointFile(file_, note); !st) {
    return std::unexpected(st.error());
  }
  auto parsed = ParseSignedCheckpoint(note);
  std::lock_guard lock(mu_);
  if (parsed) {
    latest_ = std::move(*parsed);
  }
  last_size_ = cp.size;
  last_time_ = now;
  return true;
}

void Checkpointer::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock held(mu_);
    while (!stopping_) {
      wake_.wait_for(held, options_.poll, [this] { return stopping_ || nudged_; });
      if (stopping_) {
        break;
      }
      nudged_ = false;
      held.unlock();
      if (auto r = Tick(); !r) {
        spdlog::warn("audit checkpoint: {}", r.error().internal);
      }
      held.lock();
    }
  });
}

void Checkpointer::Stop() {
  {
    std::unique_lock lock(mu_);
    if (thread_.joinable()) {
      stopping_ = true;
      lock.unlock();
      wake_.notify_all();
      thread_.join();
    }
  }
  if (auto r = Flush(); !r) {
    spdlog::error("audit checkpoint at shutdown: {}", r.error().internal);
  }
}

void Checkpointer::Notify(std::uint64_t size) {
  {
    std::lock_guard lock(mu_);
    if (size < last_size_ + options_.every_events) {
      return;
    }
    nudged_ = true;
  }
  wake_.notify_all();
}

std::optional<SignedCheckpoint> Checkpointer::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

}  // namespace alcove::audit
