#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "audit/checkpoint_signer.hpp"
#include "audit/log.hpp"
#include "audit/witness.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "crypto/signing_key.hpp"
#include "store/db.hpp"

namespace alcove::cli {

// The audit log of a running server: the signing key, the Log handlers append through,
// the Checkpointer that signs every commit's tree head into DIR/audit/checkpoints.latest
// (and the history DIR/audit/checkpoints), and the sender that hands each checkpoint to
// the witness (audit.witness) when one is set.
// Thread-safety: log() may be used from any thread; Stop() once, from the thread that
// started it, after the server has stopped.
class AuditRuntime {
 public:
  // Loads DIR/audit/signing.key and the checkpoint files, checks audit.witness, and starts
  // the checkpointer and the witness sender.
  // Errors: a missing or unsafe key file, a damaged checkpoint file (the message says
  // to run `alcove audit verify`), an unusable witness (e.g. inside the data directory).
  static Result<std::unique_ptr<AuditRuntime>> Start(const Config& config, store::Db& db,
                                                     const Clock& clock);
  ~AuditRuntime();
  const audit::Log& log() const { return log_; }
  // The latest signed checkpoint and the verifier key, for receipts (audit::ProofFor).
  std::optional<audit::SignedCheckpoint> LatestCheckpoint() const {
    return checkpointer_->Latest();
  }
  // The latest checkpoint, which covers every committed event (each commit is covered
  // before it returns); only if a checkpoint write failed since is the committed head read
  // and signed now. A receipt request thus never adds a checkpoint of its own to the
  // history file.
  std::optional<audit::SignedCheckpoint> CheckpointCovering(std::uint64_t size);
  std::string VerifierKey() const {
    return audit::VerifierKey(audit::kCheckpointKeyName, key_->public_key());
  }
  // Stops the checkpointer after writing a last checkpoint (shutdown), then delivers it to
  // the witness (bounded).
  void Stop();

 private:
  AuditRuntime(std::unique_ptr<crypto::SigningKey> key, store::Engine engine)
      : key_(std::move(key)), log_(engine) {}
  std::unique_ptr<crypto::SigningKey> key_;
  audit::Log log_;
  std::unique_ptr<audit::WitnessSender> witness_;
  std::unique_ptr<audit::Checkpointer> checkpointer_;
};

// `alcove audit verify`: checks the whole log against the checkpoint files, the key and,
// when audit.witness is set (or `witness` is given, which overrides it), every checkpoint
// the witness holds. Prints one summary line and returns 0, or names the first bad event
// on stderr and returns 1; 2 when the log, the files or the witness cannot be read.
int AuditVerify(const Config& config, const std::string& witness = {});

// `alcove audit prove --event SEQ`: prints the receipt of event SEQ against the latest
// checkpoint (if none covers it yet, signs one into DIR/audit/checkpoints.latest, never
// the history file). 0, or 1 with a message.
int AuditProve(const Config& config, std::uint64_t seq);

// `alcove audit check RECEIPT [--key VERIFIER_KEY]`: checks a receipt offline, without
// the database. 0 when it holds, 1 otherwise.
int AuditCheck(const std::filesystem::path& receipt_file, const std::string& expected_key);

// `alcove audit export`: every event as one JSON object per line (ids only) on stdout.
int AuditExport(const Config& config);

}  // namespace alcove::cli
