// Fuzzes what `alcove audit check` reads from outside: the receipt text, and inside it
// the event's canonical bytes and the signed checkpoint note (audit/receipt.cpp,
// audit/event.cpp, audit/checkpoint.cpp), plus a whole checkpoint file. Beyond "no
// crash", checks their promises: the encodings are canonical (what parses re-formats to
// the same bytes) and the proof check never accepts a receipt whose proof was changed.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/checkpoint.hpp"
#include "audit/event.hpp"
#include "audit/receipt.hpp"

namespace {

void CheckEvent(std::span<const std::uint8_t> bytes) {
  auto event = alcove::audit::DecodeEvent(bytes);
  if (event) {
    const auto again = alcove::audit::EncodeEvent(*event);
    if (!std::equal(again.begin(), again.end(), bytes.begin(), bytes.end())) {
      std::abort();
    }
  }
}

void CheckNote(std::string_view text) {
  auto cp = alcove::audit::ParseSignedCheckpoint(text);
  if (cp && (cp->body != alcove::audit::CheckpointBody(cp->checkpoint) || cp->signatures.empty())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckEvent({data, size});
  CheckNote(text);
  (void)alcove::audit::ParseCheckpointFile(text);
  (void)alcove::audit::ParseVerifierKey(text);
  auto receipt = alcove::audit::ParseReceipt(text);
  if (!receipt) {
    return 0;
  }
  auto again = alcove::audit::ParseReceipt(alcove::audit::FormatReceipt(*receipt));
  if (!again || *again != *receipt) {
    std::abort();
  }
  CheckEvent(receipt->event);
  CheckNote(receipt->checkpoint_note);
  auto check = alcove::audit::CheckReceiptProof(*receipt);
  if (check && !receipt->proof.empty()) {
    auto changed = *receipt;
    changed.proof[0][0] ^= 1;
    if (alcove::audit::CheckReceiptProof(changed)) {
      std::abort();
    }
  }
  return 0;
}
