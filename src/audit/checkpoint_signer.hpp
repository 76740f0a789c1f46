#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/signing_key.hpp"
#include "store/db.hpp"

namespace alcove::audit {

// Where the audit files live in a data directory, outside the database:
//   audit/               0700
//   audit/signing.key    the Ed25519 checkpoint key (crypto/signing_key.hpp), 0600
//   audit/checkpoints    the signed checkpoints, appended, 0600
std::filesystem::path AuditDir(const std::filesystem::path& data_dir);
std::filesystem::path SigningKeyPath(const std::filesystem::path& data_dir);
std::filesystem::path CheckpointFilePath(const std::filesystem::path& data_dir);

// For `alcove init`: creates audit/ (0700) and a new signing key.
// Errors: kAlreadyExists if either exists; kFailedPrecondition otherwise.
Status CreateAuditFiles(const std::filesystem::path& data_dir);

// The origin line of this log's checkpoints: "alcove.audit/" and the first 16 hex digits
// of SHA-256(public key), so checkpoints of two installations never look alike.
std::string LogOrigin(std::span<const std::uint8_t> public_key);

// Signs `checkpoint` with `key` under kCheckpointKeyName and returns the note text.
std::string SignCheckpoint(const crypto::SigningKey& key, const Checkpoint& checkpoint);

// True iff `cp` has a signature line of `key_name` whose key hash matches `public_key`
// and whose Ed25519 signature of the body verifies.
bool VerifyCheckpointSignature(const SignedCheckpoint& cp, std::string_view key_name,
                               std::span<const std::uint8_t> public_key);

// The file that holds the newest signed checkpoint next to `checkpoint_file` (the history
// file): the same name with ".latest" added. Replaced atomically with every checkpoint.
std::filesystem::path LatestCheckpointPath(const std::filesystem::path& checkpoint_file);

// Appends `note` and a blank line to the checkpoint file (created 0600 if missing, with
// O_APPEND and O_NOFOLLOW; one write; fsync of the file, and of the directory when the
// file is new). kFailedPrecondition when it cannot.
Status AppendCheckpointFile(const std::filesystem::path& path, std::string_view note);

// Replaces the file at `path` with `note` and a blank line, atomically: a temporary file
// in the same directory (0600, O_EXCL, O_NOFOLLOW) is written and fsynced, renamed over
// `path`, and the directory is fsynced. A reader sees the old note or the new one, never a
// mix. kFailedPrecondition when it cannot.
Status ReplaceCheckpointFile(const std::filesystem::path& path, std::string_view note);

// The one checkpoint of a ".latest" file (none if it is missing). kInvalidArgument if it
// does not hold exactly one well-formed note, kFailedPrecondition if unreadable.
Result<std::optional<SignedCheckpoint>> ReadLatestCheckpointFile(const std::filesystem::path& path);

// The last checkpoint of a history file, read from its end: it reads a window of the
// file's tail (4 KiB, growing to at most kMaxNoteBytes), never the whole file. None if the
// file is missing or empty. `bytes_read`, when given, receives how many bytes were read
// (tests). kInvalidArgument if the last note is malformed or incomplete,
// kFailedPrecondition if unreadable.
inline constexpr std::size_t kMaxNoteBytes = 64 * 1024;
Result<std::optional<SignedCheckpoint>> ReadLastCheckpoint(const std::filesystem::path& path,
                                                           std::size_t* bytes_read = nullptr);

// Reads a history file one note at a time, holding at most one read buffer (64 KiB plus
// one note), for verification of a file of any size.
// Thread-safety: one thread at a time.
class CheckpointFileReader {
 public:
  // A missing file reads as empty. kFailedPrecondition if it cannot be opened.
  static Result<std::unique_ptr<CheckpointFileReader>> Open(const std::filesystem::path& path);
  ~CheckpointFileReader();
  CheckpointFileReader(const CheckpointFileReader&) = delete;
  CheckpointFileReader& operator=(const CheckpointFileReader&) = delete;

  // The next note, or none at the end. kInvalidArgument naming the note (1-based) if it is
  // malformed, incomplete or longer than kMaxNoteBytes; kFailedPrecondition on a read error.
  Result<std::optional<SignedCheckpoint>> Next();
  // Bytes read from the file so far (tests).
  std::size_t bytes_read() const { return bytes_read_; }

 private:
  CheckpointFileReader(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;  // -1: the file is missing
  std::string buffer_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::size_t notes_ = 0;
  std::size_t bytes_read_ = 0;
};

// Every checkpoint of the file (none if it is missing), for small files and tests; it
// holds them all in memory (verification streams with CheckpointFileReader instead).
// kInvalidArgument if malformed, kFailedPrecondition if unreadable.
Result<std::vector<SignedCheckpoint>> ReadCheckpointFile(const std::filesystem::path& path);

struct CheckpointerOptions {
  // The history file (`file`) gets a checkpoint every `every_events` new events, or after
  // `every` when there are new events, and at Stop; every commit's checkpoint goes to the
  // ".latest" file (LatestCheckpointPath) whatever the cadence.
  std::uint64_t every_events = 100;
  Micros every = 60 * kMicrosPerSecond;
  std::chrono::milliseconds poll{1000};  // how often the background thread looks
  // Called after each checkpoint is stored, outside the Checkpointer's locks, with the
  // note, its size and whether it also went to the history file (the witness sender).
  std::function<void(const std::string& note, std::uint64_t size, bool history)> on_stored;
};

// Signs checkpoints of the audit tree (claim C44). Two files:
//   - `file`, the history: appended every 100 events, every 60 s with new events, and at
//     Stop (server shutdown);
//   - LatestCheckpointPath(file): the newest checkpoint, replaced atomically each time.
// Every commit that appended events is covered before its Commit returns: Log's commit
// listener calls Committed(head), and the head that transaction committed is signed and
// stored (only committed events are ever signed). Commits that arrive while a checkpoint
// is being written wait for it and are covered together by the next one, as a group
// commit shares one flush.
//
// Only an extension of what was signed is ever signed. The Checkpointer keeps the head it
// has checked (at first the last signed one): a commit's head is checked when the head it
// started from is the checked head — same size, same root — so its end extends it (the
// leaves were appended to that tree); commits that report out of order wait for the ones
// before them. A head reached otherwise (at start-up, after events appended by another
// process, when a report is missing) is checked by a round with an RFC 6962 consistency
// proof from the checked head over the stored nodes (CheckExtends; O(log n) reads). A head
// that does not extend the checked one — a smaller tree, another root at the same size, a
// failed proof, a commit that starts inside the checked tree — is refused: nothing is
// signed from then on (until a restart, which checks again), and an error line (sizes
// only) is logged at once and then at most once a minute while commits go uncovered.
//
// Tick() does one round synchronously (tests drive it with a FakeClock); Start() runs it on
// a background thread every `poll`, or at once when a commit cannot be checked without it.
// Thread-safety: all methods may be called from any thread; one checkpoint is written at a
// time. Borrows db and key, which must outlive it.
class Checkpointer {
 public:
  // Reads the last checkpoint of the history file (from its end) and the ".latest" file
  // to learn what is signed. Errors: those of ReadLastCheckpoint and
  // ReadLatestCheckpointFile.
  static Result<std::unique_ptr<Checkpointer>> Create(store::Db& db, const crypto::SigningKey& key,
                                                      std::filesystem::path file,
                                                      const Clock& clock,
                                                      CheckpointerOptions options = {});
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // A checkpoint signed earlier that the log must extend, held outside (the witness's, at
  // start-up). One larger than the local ones becomes the signed head the next round checks
  // the database against; a smaller or equal one must be a prefix of the local latest
  // (consistency proof over the stored nodes), else the Checkpointer refuses.
  // Errors: kInvalidArgument if it is not signed by this log's key for its origin (it is
  // then ignored); the database's errors.
  Status Anchor(const SignedCheckpoint& checkpoint);

  // One round: checks the stored head against the checked one (see above), covers it if it
  // is not covered, and appends to the history file if the tree has grown by every_events
  // since its last entry, or has grown at all and `every` has passed. Returns whether it
  // appended to the history file (false while refusing).
  Result<bool> Tick();
  // As Tick, appending to the history file whenever the tree has grown since its last entry.
  Result<bool> Flush();

  // Makes sure a stored checkpoint covers the head `head` committed, signing the checked
  // head if none does. Returns when it is stored. REQUIRES: the head was committed.
  // Errors: kFailedPrecondition when refusing (the message says why) or from the file
  // writes (nothing is marked covered then); kUnavailable when the commits before it could
  // not be checked within 2 s (the background round covers it).
  Status Cover(const CommittedHead& head);
  // Cover for Log's commit listener: a failure is logged (at most once a minute, with a
  // count), never thrown; the background thread retries.
  void Committed(const CommittedHead& head);

  void Start();
  // Stops the thread (if started), then Flush(); errors are logged.
  void Stop();

  // The newest checkpoint stored (or read at Create, or anchored), if any.
  std::optional<SignedCheckpoint> Latest() const;
  // How many checkpoints this Checkpointer has signed (tests, metrics).
  std::uint64_t signed_count() const;
  // Why it refuses to sign, if it does (tests, metrics).
  std::optional<std::string> refusal() const;

 private:
  Checkpointer(store::Db& db, const crypto::SigningKey& key, std::filesystem::path file,
               const Clock& clock, CheckpointerOptions options);
  Result<bool> Round(bool flush);
  bool HistoryDueLocked(std::uint64_t size, Micros now, bool flush) const;
  // Signs (size, root) and stores it (".latest", then the history file when `history`).
  // Called with `lock` held and signing_ false; returns with it held and signing_ false.
  Status StoreLocked(std::unique_lock<std::mutex>& lock, std::uint64_t size, const Hash& root,
                     bool history, Micros now);
  // Appends the latest checkpoint to the history file. Same locking as StoreLocked.
  Status AppendLatestLocked(std::unique_lock<std::mutex>& lock, Micros now);
  // Takes a commit's head into the checked chain (or waits it for its predecessors).
  void AddLocked(const CommittedHead& head);
  // Advances the checked head over the waiting commits that continue it.
  void ChainLocked();
  // Stops signing for `why` (logged at once), or reminds of it (at most once a minute).
  void RefuseLocked(const std::string& why);
  void RemindLocked();
  // Ends the background thread, if any (mu_ NOT held).
  void JoinThread();
  std::uint64_t SignedSizeLocked() const { return latest_ ? latest_->checkpoint.size : 0; }

  store::Db& db_;
  const crypto::SigningKey& key_;
  const std::filesystem::path file_;
  const std::filesystem::path latest_file_;
  const Clock& clock_;
  const CheckpointerOptions options_;
  const std::string origin_;

  mutable std::mutex mu_;
  std::condition_variable stored_;  // a write finished, or the checked head moved
  std::condition_variable wake_;    // the background thread: stop, or a round is wanted
  bool stopping_ = false;
  bool round_wanted_ = false;
  bool signing_ = false;  // a write is running (one at a time)
  std::optional<SignedCheckpoint> latest_;
  // The checked head: it extends latest_ (and is at least as large).
  std::uint64_t checked_size_ = 0;
  Hash checked_root_{};
  // Commits' heads that start beyond the checked head, by start size (at most kMaxWaiting).
  std::map<std::uint64_t, CommittedHead> waiting_;
  // The sizes a round's consistency proof passed over: a commit inside them may report
  // late (its head is covered already).
  std::uint64_t jumped_from_ = 0;
  std::uint64_t jumped_to_ = 0;
  std::optional<std::string> refusal_;
  std::uint64_t uncovered_since_reminder_ = 0;
  std::chrono::steady_clock::time_point last_reminder_{};
  std::uint64_t history_size_ = 0;  // the size of the history file's last entry
  Micros history_time_ = 0;
  std::uint64_t signed_count_ = 0;
  std::chrono::steady_clock::time_point last_warning_{};
  std::uint64_t failures_since_warning_ = 0;
  std::thread thread_;
};

}  // namespace alcove::audit
