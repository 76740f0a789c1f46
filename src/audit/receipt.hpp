#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/merkle.hpp"
#include "core/error.hpp"

namespace alcove::audit {

// A receipt: everything needed to check offline that one event is in the log
// (`alcove audit prove` writes one, `alcove audit check` verifies it). Text, one field
// per line (docs/audit.md § Receipts):
//
//   alcove-audit-receipt v1
//   event <base64 of the event's canonical bytes>
//   proof <base64 of one hash>          (zero or more lines, deepest first)
//   verifier-key <signed-note verifier key of the checkpoint key>
//   checkpoint <base64 of the signed checkpoint note>
//
// The leaf index is the sequence number inside the event bytes; the tree size and root
// are the checkpoint's.
struct Receipt {
  std::vector<std::uint8_t> event;
  std::vector<Hash> proof;
  std::string verifier_key;
  std::string checkpoint_note;
  bool operator==(const Receipt&) const = default;
};

std::string FormatReceipt(const Receipt& receipt);

// Strict parser, safe on any input (fuzzed: fuzz/audit_receipt_fuzz.cpp): at most 64
// proof lines, 64 KiB in all. kInvalidArgument naming the bad line.
Result<Receipt> ParseReceipt(std::string_view text);

// What a checked receipt shows.
struct ReceiptCheck {
  std::uint64_t seq = 0;
  std::string event_id;
  std::string action;
  std::int64_t time = 0;
  std::uint64_t tree_size = 0;
  std::string origin;
  std::string verifier_key;
};

// Everything of CheckReceipt except the signature: the event decodes, the checkpoint
// parses, and the proof leads from the event's leaf hash to the checkpoint's root.
// kInvalidArgument (malformed) or kFailedPrecondition (a proof that does not hold).
// Used by CheckReceipt and by the fuzz target.
Result<ReceiptCheck> CheckReceiptProof(const Receipt& receipt);

// CheckReceiptProof, and the checkpoint carries a valid signature of the receipt's
// verifier key; if `expected_verifier_key` is not empty, the receipt's key must be that
// one (an auditor passes the key they got from the practice, not from the receipt).
// Defined in receipt_check.cpp (it needs crypto/).
Result<ReceiptCheck> CheckReceipt(const Receipt& receipt,
                                  std::string_view expected_verifier_key = {});

}  // namespace alcove::audit
