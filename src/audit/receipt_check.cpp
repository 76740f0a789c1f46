// CheckReceipt: the part of receipt checking that needs crypto/ (kept apart from
// receipt.cpp so the fuzz build need not link the key-file code).
#include "audit/checkpoint_signer.hpp"
#include "audit/receipt.hpp"

namespace alcove::audit {

Result<ReceiptCheck> CheckReceipt(const Receipt& receipt, std::string_view expected_verifier_key) {
  auto check = CheckReceiptProof(receipt);
  if (!check) {
    return check;
  }
  if (!expected_verifier_key.empty() && expected_verifier_key != receipt.verifier_key) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the receipt's verifier key is not the expected one", "the receipt does not hold");
  }
  auto key = ParseVerifierKey(receipt.verifier_key);
  auto cp = ParseSignedCheckpoint(receipt.checkpoint_note);
  if (!key || !cp) {
    return Fail(ErrorCode::kInvalidArgument, "malformed receipt");
  }
  if (!VerifyCheckpointSignature(*cp, key->key_name, key->public_key)) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the checkpoint's signature does not verify with the receipt's key",
                "the receipt does not hold");
  }
  if (cp->checkpoint.origin != LogOrigin(key->public_key)) {
    return Fail(ErrorCode::kFailedPrecondition, "the checkpoint's origin is not the key's log",
                "the receipt does not hold");
  }
  return check;
}

}  // namespace alcove::audit
