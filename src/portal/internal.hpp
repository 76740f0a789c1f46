#pragma once

// The portal service's shared helpers; not an interface.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "portal/types.hpp"
#include "store/db.hpp"

namespace alcove::portal::internal {

std::unexpected<Error> NotFound(std::string_view what);

struct AccessRow {
  std::string id;
  std::string client_id;
  std::string account_id;
  std::string invited_by;
  AccessStatus status = AccessStatus::kInvited;
  std::optional<store::Bytes> invite_hash;
  Micros invited_at = 0;
  Micros invitation_expires_at = 0;
  std::optional<Micros> accepted_at;
  std::optional<Micros> ended_at;
};

// Rows of portal_access matching `where` (parameters from $1), oldest invitation first.
Result<std::vector<AccessRow>> AccessRows(store::Transaction& tx, std::string_view where,
                                          std::vector<store::Value> params);

struct ShareRow {
  ShareRecord record;
  std::optional<store::Bytes> content;
  std::optional<Micros> reviewed_at;
  std::string instrument_id;
};

// Rows of portal_shares matching `where` (parameters from $1), newest first.
Result<std::vector<ShareRow>> ShareRows(store::Transaction& tx, std::string_view where,
                                        std::vector<store::Value> params);

}  // namespace alcove::portal::internal
