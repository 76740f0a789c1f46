#pragma once

// The measures service's own: the scores as stored (sealed text "<scale> <value>" and
// "!<flag>" lines) back into a Score, for the service's files; not an interface.

#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "measures/types.hpp"

namespace alcove::measures {

Result<Score> DecodeStoredScore(const Instrument& in, int version, const crypto::PhiString& text);

}  // namespace alcove::measures
