#pragma once

// The recordings service's shared helpers; not an interface.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.hpp"
#include "core/error.hpp"
#include "crypto/key_ring.hpp"
#include "store/db.hpp"

namespace alcove::recordings::internal {

inline constexpr std::string_view kConsentMissingInternal = "consent missing";
// The table whose sealer seals participants' labels and consent notes.
inline constexpr std::string_view kParticipantTable = "recording_participants";

// What a recording's row holds besides what Recording shows: sealed title, key, blob,
// and each participant's sealed consent note (in participant order).
struct Row {
  std::optional<store::Bytes> title;
  std::optional<crypto::KeyId> key;
  std::optional<std::string> blob;
  std::optional<std::string> upload;  // an in-progress upload's blob
  std::vector<std::optional<store::Bytes>> notes;
};

std::unexpected<Error> NotFound();
std::unexpected<Error> Invalid(std::string internal, std::string public_message);
std::unexpected<Error> Withdrawn();
// {"client": client, "recording": recording}: ids only.
audit::Details RecordingDetails(std::string_view client_id, std::string_view recording_id);

}  // namespace alcove::recordings::internal
