#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "audit/checkpoint.hpp"
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

// Appends `note` and a blank line to the checkpoint file (created 0600 if missing, with
// O_APPEND and O_NOFOLLOW; one write; fsync of the file, and of the directory when the
// file is new). kFailedPrecondition when it cannot.
Status AppendCheckpointFile(const std::filesystem::path& path, std::string_view note);

// Every checkpoint of the file (none if it is missing). kInvalidArgument if malformed,
// kFailedPrecondition if unreadable.
Result<std::vector<SignedCheckpoint>> ReadCheckpointFile(const std::filesystem::path& path);

struct CheckpointerOptions {
  std::uint64_t every_events = 100;      // a checkpoint after this many new events,
  Micros every = 60 * kMicrosPerSecond;  // or after this long when there are new events
  std::chrono::milliseconds poll{1000};  // how often the background thread looks
};

// Writes signed checkpoints of the audit tree to the checkpoint file: every 100 events,
// every 60 s when there are new events, and at Stop (server shutdown). It reads the tree
// head from the database in a transaction of its own, so events still in uncommitted
// transactions are never covered.
//
// Tick() does one round synchronously (tests drive it with a FakeClock); Start() runs it
// on a background thread every `poll` or sooner when Notify() says the log grew by
// `every_events`. Thread-safety: all methods may be called from any thread; Tick runs
// one round at a time. Borrows db and key, which must outlive it.
class Checkpointer {
 public:
  // Reads the existing checkpoint file to learn the last checkpointed size.
  // Errors: those of ReadCheckpointFile.
  static Result<std::unique_ptr<Checkpointer>> Create(store::Db& db, const crypto::SigningKey& key,
                                                      std::filesystem::path file,
                                                      const Clock& clock,
                                                      CheckpointerOptions options = {});
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // One round: writes a checkpoint if the tree has grown by every_events, or has grown
  // at all and `every` has passed since the last checkpoint (or since Create). Returns
  // whether it wrote one.
  Result<bool> Tick();
  // Writes a checkpoint if the tree has grown since the last one.
  Result<bool> Flush();

  void Start();
  // Stops the thread (if started), then Flush(); errors are logged.
  void Stop();
  // Tells the checkpointer that the tree may now have `size` leaves (Log's listener).
  void Notify(std::uint64_t size);

  // The last checkpoint written or read, if any.
  std::optional<SignedCheckpoint> Latest() const;

 private:
  Checkpointer(store::Db& db, const crypto::SigningKey& key, std::filesystem::path file,
               const Clock& clock, CheckpointerOptions options);
  Result<bool> Round(bool flush);

  store::Db& db_;
  const crypto::SigningKey& key_;
  const std::filesystem::path file_;
  const Clock& clock_;
  const CheckpointerOptions options_;
  const std::string origin_;

  std::mutex round_mu_;  // one round at a time
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool nudged_ = false;
  std::optional<SignedCheckpoint> latest_;
  std::uint64_t last_size_ = 0;
  Micros last_time_ = 0;
  std::thread thread_;
};

}  // namespace alcove::audit
