#include "audit/checkpoint_signer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "audit/log.hpp"
#include "core/encoding.hpp"
#include "core/files.hpp"
#include "crypto/sha.hpp"

namespace alcove::audit {
namespace {

Status FsyncPath(const std::filesystem::path& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                "cannot fsync " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Fail(ErrorCode::kFailedPrecondition, "cannot write the audit checkpoint file " +
                                                      path.string() + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
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

std::filesystem::path LatestCheckpointPath(const std::filesystem::path& checkpoint_file) {
  std::filesystem::path p = checkpoint_file;
  p += ".latest";
  return p;
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
  if (auto st = WriteAll(fd.get(), record, path); !st) {
    return st;
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

Status ReplaceCheckpointFile(const std::filesystem::path& path, std::string_view note) {
  // A name of this process and call: two writers (a server and `alcove audit prove`) never
  // share a temporary file.
  static std::atomic<std::uint64_t> counter{0};
  std::filesystem::path temp = path;
  temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot create the audit checkpoint file " +
                                                    temp.string() + ": " + std::strerror(errno));
  }
  std::string record(note);
  record += '\n';
  auto st = WriteAll(fd.get(), record, temp);
  if (st && ::fsync(fd.get()) != 0) {
    st = Fail(ErrorCode::kFailedPrecondition, "cannot fsync the audit checkpoint file " +
                                                  temp.string() + ": " + std::strerror(errno));
  }
  fd = UniqueFd();  // closed before the rename
  if (st && ::rename(temp.c_str(), path.c_str()) != 0) {
    st = Fail(ErrorCode::kFailedPrecondition, "cannot rename the audit checkpoint file into " +
                                                  path.string() + ": " + std::strerror(errno));
  }
  if (!st) {
    ::unlink(temp.c_str());
    return st;
  }
  return FsyncPath(path.parent_path(), O_RDONLY | O_DIRECTORY);
}

Result<std::optional<SignedCheckpoint>> ReadLatestCheckpointFile(
    const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    return std::optional<SignedCheckpoint>{};
  }
  auto text = ReadSmallFile(path, kMaxNoteBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  auto parsed = ParseCheckpointFile(*text);
  if (!parsed || parsed->size() != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "the audit checkpoint file " + path.string() + " is damaged: " +
                    (parsed ? "it must hold exactly one checkpoint" : parsed.error().internal));
  }
  return std::optional<SignedCheckpoint>(std::move(parsed->front()));
}

Result<std::optional<SignedCheckpoint>> ReadLastCheckpoint(const std::filesystem::path& path,
                                                           std::size_t* bytes_read) {
  if (bytes_read != nullptr) {
    *bytes_read = 0;
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return std::optional<SignedCheckpoint>{};
    }
    return Fail(ErrorCode::kFailedPrecondition, "cannot open the audit checkpoint file " +
                                                    path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the audit checkpoint file " + path.string() + " is not a readable file");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    return std::optional<SignedCheckpoint>{};
  }
  auto damaged = [&](const std::string& what) {
    return Fail(ErrorCode::kInvalidArgument,
                "the audit checkpoint file " + path.string() + " is damaged: " + what);
  };
  // Each note is "<body>\n\n<signature lines>\n" and a blank line: the file ends in "\n\n",
  // the one before is the last note's own blank line, and the one before that ends the
  // note before it (or the last note starts the file).
  std::size_t window = std::min<std::size_t>(size, 4096);
  for (;;) {
    std::string text(window, '\0');
    std::size_t done = 0;
    while (done < window) {
      const ssize_t n = ::pread(fd.get(), text.data() + done, window - done,
                                static_cast<off_t>(size - window + done));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return Fail(
            ErrorCode::kFailedPrecondition,
            "cannot read the audit checkpoint file " + path.string() + ": " + std::strerror(errno));
      }
      done += static_cast<std::size_t>(n);
    }
    if (bytes_read != nullptr) {
      *bytes_read += window;
    }
    if (!text.ends_with("\n\n") || text.size() < 4) {
      return damaged("the last note is incomplete");
    }
    if (const auto start = LastNoteStart(text, window == size)) {
      auto cp =
          ParseSignedCheckpoint(std::string_view(text).substr(*start, text.size() - 1 - *start));
      if (!cp) {
        return damaged("the last note: " + cp.error().internal);
      }
      return std::optional<SignedCheckpoint>(std::move(*cp));
    }
    if (window == size || window >= kMaxNoteBytes) {
      return damaged("the last note is malformed or longer than 64 KiB");
    }
    window = std::min({size, window * 4, kMaxNoteBytes});
  }
}

Result<std::unique_ptr<CheckpointFileReader>> CheckpointFileReader::Open(
    const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot open the audit checkpoint file " +
                                                    path.string() + ": " + std::strerror(errno));
  }
  return std::unique_ptr<CheckpointFileReader>(new CheckpointFileReader(path, fd));
}

CheckpointFileReader::~CheckpointFileReader() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Result<std::optional<SignedCheckpoint>> CheckpointFileReader::Next() {
  constexpr std::size_t kChunk = 64 * 1024;
  auto damaged = [&](const std::string& what) {
    return Fail(ErrorCode::kInvalidArgument, "the audit checkpoint file " + path_.string() +
                                                 " is damaged: malformed " + "checkpoint: note " +
                                                 std::to_string(notes_ + 1) + " " + what);
  };
  for (;;) {
    const std::string_view rest = std::string_view(buffer_).substr(pos_);
    if (const auto length = FirstNoteLength(rest)) {
      auto cp = ParseSignedCheckpoint(rest.substr(0, *length));
      if (!cp) {
        return damaged("is malformed: " + cp.error().internal);
      }
      pos_ += *length + 1;
      ++notes_;
      return std::optional<SignedCheckpoint>(std::move(*cp));
    }
    if (rest.size() > kMaxNoteBytes) {
      return damaged("is longer than 64 KiB");
    }
    if (eof_ || fd_ < 0) {
      if (!rest.empty()) {
        return damaged("is incomplete");
      }
      return std::optional<SignedCheckpoint>{};
    }
    buffer_.erase(0, pos_);
    pos_ = 0;
    const std::size_t old = buffer_.size();
    buffer_.resize(old + kChunk);
    ssize_t n = 0;
    do {
      n = ::read(fd_, buffer_.data() + old, kChunk);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      buffer_.resize(old);
      return Fail(ErrorCode::kFailedPrecondition, "cannot read the audit checkpoint file " +
                                                      path_.string() + ": " + std::strerror(errno));
    }
    buffer_.resize(old + static_cast<std::size_t>(n));
    bytes_read_ += static_cast<std::size_t>(n);
    eof_ = n == 0;
  }
}

Result<std::vector<SignedCheckpoint>> ReadCheckpointFile(const std::filesystem::path& path) {
  auto reader = CheckpointFileReader::Open(path);
  if (!reader) {
    return std::unexpected(reader.error());
  }
  std::vector<SignedCheckpoint> out;
  for (;;) {
    auto next = (*reader)->Next();
    if (!next) {
      return std::unexpected(next.error());
    }
    if (!*next) {
      return out;
    }
    out.push_back(std::move(**next));
  }
}

Checkpointer::Checkpointer(store::Db& db, const crypto::SigningKey& key, std::filesystem::path file,
                           const Clock& clock, CheckpointerOptions options)
    : db_(db),
      key_(key),
      file_(std::move(file)),
      latest_file_(LatestCheckpointPath(file_)),
      clock_(clock),
      options_(std::move(options)),
      origin_(LogOrigin(key.public_key())) {}

Result<std::unique_ptr<Checkpointer>> Checkpointer::Create(store::Db& db,
                                                           const crypto::SigningKey& key,
                                                           std::filesystem::path file,
                                                           const Clock& clock,
                                                           CheckpointerOptions options) {
  auto last = ReadLastCheckpoint(file);
  if (!last) {
    return std::unexpected(last.error());
  }
  auto latest = ReadLatestCheckpointFile(LatestCheckpointPath(file));
  if (!latest) {
    return std::unexpected(latest.error());
  }
  std::unique_ptr<Checkpointer> c(
      new Checkpointer(db, key, std::move(file), clock, std::move(options)));
  if (*last) {
    c->history_size_ = (*last)->checkpoint.size;
    c->latest_ = std::move(*last);
  }
  if (*latest && (!c->latest_ || (*latest)->checkpoint.size > c->latest_->checkpoint.size)) {
    c->latest_ = std::move(*latest);
  }
  c->pending_size_ = c->latest_ ? c->latest_->checkpoint.size : 0;
  c->history_time_ = clock.Now();
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

bool Checkpointer::HistoryDueLocked(std::uint64_t size, Micros now, bool flush) const {
  if (size <= history_size_) {
    return false;
  }
  return flush || size - history_size_ >= options_.every_events ||
         now - history_time_ >= options_.every;
}

Status Checkpointer::StoreLocked(std::unique_lock<std::mutex>& lock, std::uint64_t size,
                                 const Hash& root, bool history, Micros now) {
  signing_ = true;
  lock.unlock();
  const Checkpoint cp{.origin = origin_, .size = size, .root = root};
  const std::string note = SignCheckpoint(key_, cp);
  // The latest file first: it always covers at least what the history file does.
  Status st = ReplaceCheckpointFile(latest_file_, note);
  if (st && history) {
    st = AppendCheckpointFile(file_, note);
  }
  auto parsed = ParseSignedCheckpoint(note);
  lock.lock();
  signing_ = false;
  stored_.notify_all();
  if (!st) {
    return st;
  }
  ++signed_count_;
  if (parsed) {
    latest_ = std::move(*parsed);
  }
  if (history) {
    history_size_ = size;
    history_time_ = now;
  }
  if (options_.on_stored) {
    lock.unlock();
    options_.on_stored(note, size, history);
    lock.lock();
  }
  return {};
}

Status Checkpointer::AppendLatestLocked(std::unique_lock<std::mutex>& lock, Micros now) {
  signing_ = true;
  const SignedCheckpoint latest = *latest_;
  lock.unlock();
  Status st = AppendCheckpointFile(file_, latest.text);
  lock.lock();
  signing_ = false;
  stored_.notify_all();
  if (!st) {
    return st;
  }
  history_size_ = latest.checkpoint.size;
  history_time_ = now;
  if (options_.on_stored) {
    lock.unlock();
    options_.on_stored(latest.text, latest.checkpoint.size, true);
    lock.lock();
  }
  return {};
}

Status Checkpointer::Cover(std::uint64_t size, const Hash& root) {
  std::unique_lock lock(mu_);
  if (size > pending_size_) {
    pending_size_ = size;
    pending_root_ = root;
  }
  for (;;) {
    if (latest_ && latest_->checkpoint.size >= size) {
      return {};
    }
    if (!signing_) {
      // Lead: sign the largest head reported so far, which covers this one.
      const std::uint64_t s = pending_size_;
      const Hash r = pending_root_;
      const Micros now = clock_.Now();
      return StoreLocked(lock, s, r, HistoryDueLocked(s, now, false), now);
    }
    stored_.wait(lock);
  }
}

void Checkpointer::Committed(std::uint64_t size, const Hash& root) {
  auto st = Cover(size, root);
  if (st) {
    return;
  }
  std::lock_guard lock(mu_);
  ++failures_since_warning_;
  const auto now = std::chrono::steady_clock::now();
  if (last_warning_ == std::chrono::steady_clock::time_point{} ||
      now - last_warning_ >= std::chrono::minutes(1)) {
    spdlog::warn("audit checkpoint after a commit failed ({} time(s) since the last warning): {}",
                 failures_since_warning_, st.error().internal);
    last_warning_ = now;
    failures_since_warning_ = 0;
  }
}

Result<bool> Checkpointer::Round(bool flush) {
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
  std::unique_lock lock(mu_);
  stored_.wait(lock, [this] { return !signing_; });
  const Micros now = clock_.Now();
  const std::uint64_t covered = latest_ ? latest_->checkpoint.size : 0;
  if (head.size() > covered) {
    const bool history = HistoryDueLocked(head.size(), now, flush);
    if (auto st = StoreLocked(lock, head.size(), head.root(), history, now); !st) {
      return std::unexpected(st.error());
    }
    return history;
  }
  if (latest_ && HistoryDueLocked(covered, now, flush)) {
    if (auto st = AppendLatestLocked(lock, now); !st) {
      return std::unexpected(st.error());
    }
    return true;
  }
  return false;
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
      wake_.wait_for(held, options_.poll, [this] { return stopping_; });
      if (stopping_) {
        break;
      }
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

std::optional<SignedCheckpoint> Checkpointer::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::uint64_t Checkpointer::signed_count() const {
  std::lock_guard lock(mu_);
  return signed_count_;
}

}  // namespace alcove::audit
