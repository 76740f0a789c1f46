#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "crypto/key_ring.hpp"

namespace alcove::cli {

// `alcove keys rotate`: master-key rotation on the data directory of `config`
// (crypto::RotateMasterKey: add a version, re-wrap every data key, retire the old
// versions). Safe while `alcove serve` runs on the same data directory and safe to
// interrupt; running it again finishes an interrupted rotation (claim C07).
// Errors: kFailedPrecondition when ALCOVE_MASTER_KEY is set in `env` (rotation rewrites
// the key file; keys given in the environment are rotated by the operator, see
// docs/crypto.md), when the data directory or key file is not private, or when a data
// key needs a master-key version the file lacks; database errors.
Result<crypto::RotationReport> RotateMasterKeys(const Config& config, const Environment& env);

// `alcove keys retire --before DATE [--yes]`: crypto::RetireMasterKeys on the data
// directory of `config`: removes from the key file the master-key versions that were
// replaced before `before` (the time the oldest database backup still kept was taken),
// after the same checks as RotateMasterKeys; with `apply` false it only says what it
// would do. Errors: as RotateMasterKeys, and those of crypto::RetireMasterKeys (a
// version that still wraps data keys, an unfinished rotation, nothing to retire while
// the current version is older than `before`).
Result<crypto::RetirementPlan> RetireKeyVersions(const Config& config, const Environment& env,
                                                 Micros before, bool apply);

}  // namespace alcove::cli
