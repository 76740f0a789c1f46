#pragma once

// How the service seals a result's scores (service.cpp): one line per scale,
// "<scale id> <value>", then one per raised flag, "!<flag id>". Shared by the service's
// files; not an interface of the module.

#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "measures/types.hpp"

namespace alcove::measures {

crypto::PhiString EncodeScore(const Score& score);
// The stored scores back, with labels, bands and flag words from the instrument;
// kInternal when they do not decode.
Result<Score> DecodeScore(const Instrument& in, int version, const crypto::PhiString& text);

}  // namespace alcove::measures
