#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "audit/checkpoint_signer.hpp"
#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "crypto/signing_key.hpp"
#include "store/db.hpp"

namespace alcove::cli {

// The audit log of a running server: the signing key, the Log handlers append through,
// and the Checkpointer thread that writes signed checkpoints to DIR/audit/checkpoints.
// Thread-safety: log() may be used from any thread; Stop() once, from the thread that
// started it, after the server has stopped.
class AuditRuntime {
 public:
  // Loads DIR/audit/signing.key and the checkpoint file, and starts the checkpointer.
  // Errors: a missing or unsafe key file, a damaged checkpoint file (the message says
  // to run `alcove audit verify`).
  static Result<std::unique_ptr<AuditRuntime>> Start(const Config& config, store::Db& db,
                                                     const Clock& clock);
  ~AuditRuntime();
  const audit::Log& log() const { return log_; }
  // The latest signed checkpoint and the verifier key, for receipts (audit::ProofFor).
  std::optional<audit::SignedCheckpoint> LatestCheckpoint() const {
    return checkpointer_->Latest();
  }
  // The latest checkpoint, after writing one now if it covers fewer than `size` events.
  std::optional<audit::SignedCheckpoint> CheckpointCovering(std::uint64_t size) {
    auto latest = checkpointer_->Latest();
    if (!latest || latest->checkpoint.size < size) {
      if (auto st = checkpointer_->Flush(); !st) {
        spdlog::warn("writing a checkpoint for a receipt failed: {}", st.error().internal);
      }
      latest = checkpointer_->Latest();
    }
    return latest;
  }
  std::string VerifierKey() const {
    return audit::VerifierKey(audit::kCheckpointKeyName, key_->public_key());
  }
  // Stops the checkpointer after writing a last checkpoint (shutdown).
  void Stop();

 private:
  AuditRuntime(std::unique_ptr<crypto::SigningKey> key, store::Engine engine)
      : key_(std::move(key)), log_(engine) {}
  std::unique_ptr<crypto::SigningKey> key_;
  audit::Log log_;
  std::unique_ptr<audit::Checkpointer> checkpointer_;
};

// `alcove audit verify`: checks the whole log against the checkpoint file and the key.
// Prints one summary line and returns 0, or names the first bad event on stderr and
// returns 1; 2 when the log cannot be read at all.
int AuditVerify(const Config& config);

// `alcove audit prove --event SEQ`: prints the receipt of event SEQ (writing a fresh
// checkpoint first if none covers it yet). 0, or 1 with a message.
int AuditProve(const Config& config, std::uint64_t seq);

// `alcove audit check RECEIPT [--key VERIFIER_KEY]`: checks a receipt offline, without
// the database. 0 when it holds, 1 otherwise.
int AuditCheck(const std::filesystem::path& receipt_file, const std::string& expected_key);

// `alcove audit export`: every event as one JSON object per line (ids only) on stdout.
int AuditExport(const Config& config);

}  // namespace alcove::cli
