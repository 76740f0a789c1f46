#pragma once

#include "core/error.hpp"

namespace alcove::store {

// The rule both drivers enforce: a committed transaction takes no more statements, and
// one whose statement failed is spoilt — later statements and Commit fail, and it
// rolls back (db.hpp).
inline Status TransactionUsable(bool done, bool failed) {
  if (done) {
    return Fail(ErrorCode::kFailedPrecondition, "transaction already committed", "database error");
  }
  if (failed) {
    return Fail(ErrorCode::kFailedPrecondition,
                "an earlier statement of this transaction failed; it will roll back",
                "database error");
  }
  return {};
}

}  // namespace alcove::store
