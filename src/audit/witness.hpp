#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "audit/merkle.hpp"
#include "core/error.hpp"

namespace alcove::audit {

// An outside witness of the audit log's signed checkpoints (setting `audit.witness`,
// claim C44; docs/audit.md § Witness). Either
//   - a directory outside the data directory, which holds `checkpoints` (the history,
//     appended like DIR/audit/checkpoints) and `checkpoints.latest` (the newest checkpoint,
//     replaced atomically with every one); or
//   - an HTTPS URL: each checkpoint is POSTed to it (body: the signed note,
//     `Content-Type: text/plain; charset=utf-8`; any 2xx is success), and `GET` of the
//     same URL answers 200 with the newest note the witness holds, or 404 when none.
struct WitnessTarget {
  std::filesystem::path directory;  // set for a directory witness
  std::string url;                  // set for an HTTPS witness
  std::string ca_file;              // HTTPS: PEM CA certificates to trust; empty: the system's

  bool empty() const { return directory.empty() && url.empty(); }
  // For messages and logs: the directory, or the URL's scheme and host only (a URL may
  // carry credentials or a token in its path or query).
  std::string Describe() const;
};

// Parses the setting: empty → no witness; "https://..." → an HTTPS witness; an absolute
// path → a directory witness, which must exist, be a directory, and be neither the data
// directory nor inside it (an intruder who can rewrite the data directory must not reach
// the witness through it). Errors: kInvalidArgument with a message that says what is
// accepted ("http://" is refused: checkpoints go over TLS only).
Result<WitnessTarget> ParseWitness(std::string_view setting, std::string_view ca_file,
                                   const std::filesystem::path& data_dir);

// Stores `note` in a directory witness: replaces `checkpoints.latest` atomically and, when
// `history`, appends it to `checkpoints`. It never replaces what the witness holds with a
// checkpoint that does not extend it: kConflict (nothing written) for a smaller tree, or
// another root at the same size, or — when `proof` is given (the RFC 6962 consistency
// proof from the held size to the note's) — a proof that does not verify. kInvalidArgument
// for a malformed note or held file; kFailedPrecondition when it cannot write.
Status WriteWitnessDirectory(const std::filesystem::path& dir, std::string_view note, bool history,
                             const std::vector<Hash>* proof = nullptr);

// HTTPS: POSTs `note` to the target's URL (TLS verified, no redirects, timeouts).
// kUnavailable when the witness cannot be reached or answers other than 2xx.
struct HttpsWitnessOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{10000};
};
Status PostCheckpoint(const WitnessTarget& target, std::string_view note,
                      const HttpsWitnessOptions& options = {});
// GETs the newest note the HTTPS witness holds: none on 404. kUnavailable when it cannot be
// reached or answers anything else; kInvalidArgument when the body is larger than 64 KiB.
Result<std::optional<std::string>> FetchLatestCheckpoint(const WitnessTarget& target,
                                                         const HttpsWitnessOptions& options = {});

// Hands signed checkpoints to a witness on a thread of its own, so the request path never
// waits for it. It keeps only the newest checkpoint not yet delivered (a newer one
// replaces it; whether any replaced one was meant for the history is kept), retries a
// failed delivery with exponential backoff (`initial_backoff` doubling up to
// `max_backoff`), and logs failures at most once per `warn_every`, with a count and the
// witness's Describe() (never a URL's path, query or credentials). A checkpoint the
// witness refuses as not extending what it holds (kConflict; HTTP 409) is dropped, not
// retried, with an error line.
// Thread-safety: Offer and delivered_size may be called from any thread; Stop once.
class WitnessSender {
 public:
  using Deliver = std::function<Status(const std::string& note, bool history)>;
  struct Options {
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{60000};
    std::chrono::milliseconds warn_every{60000};
    // At Stop, how long to keep trying to deliver what is pending.
    std::chrono::milliseconds stop_deadline{5000};
  };

  // Delivers to `target` (WriteWitnessDirectory or PostCheckpoint).
  static std::unique_ptr<WitnessSender> ForTarget(const WitnessTarget& target, Options options);
  WitnessSender(Deliver deliver, std::string description, Options options);
  ~WitnessSender();
  WitnessSender(const WitnessSender&) = delete;
  WitnessSender& operator=(const WitnessSender&) = delete;

  // Queues `note` (of tree size `size`) for delivery unless a larger one is queued or was
  // delivered (or is held, see Held). Never blocks on the witness.
  void Offer(std::string note, std::uint64_t size, bool history);
  // The witness already holds a checkpoint of `size` (read at start-up): nothing smaller
  // is ever offered to it.
  void Held(std::uint64_t size);
  // Delivers what is pending (retrying until stop_deadline), then ends the thread.
  void Stop();

  // The largest size delivered so far (0: none).
  std::uint64_t delivered_size() const;
  // Waits until a checkpoint of at least `size` is delivered or `bound` passes; whether it
  // was (tests, and Stop).
  bool WaitDelivered(std::uint64_t size, std::chrono::milliseconds bound) const;
  // Failed deliveries so far.
  std::uint64_t failures() const;

 private:
  void Run();

  const Deliver deliver_;
  const std::string description_;
  const Options options_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  std::optional<std::string> pending_;
  std::uint64_t pending_size_ = 0;
  bool pending_history_ = false;
  std::uint64_t offers_ = 0;  // Offers accepted so far
  std::uint64_t delivered_size_ = 0;
  std::uint64_t held_size_ = 0;  // what the witness held at start-up
  std::uint64_t failures_ = 0;
  std::uint64_t failures_since_warning_ = 0;
  std::chrono::steady_clock::time_point last_warning_{};
  std::thread thread_;
};

}  // namespace alcove::audit
