#include "audit/receipt.hpp"

#include "audit/checkpoint.hpp"
#include "audit/event.hpp"
#include "core/encoding.hpp"

namespace alcove::audit {
namespace {

constexpr std::string_view kMagic = "alcove-audit-receipt v1";
constexpr std::size_t kMaxReceiptBytes = 64 * 1024;
constexpr std::size_t kMaxProofLines = 64;

std::unexpected<Error> Malformed(std::string what) {
  return Fail(ErrorCode::kInvalidArgument, "malformed receipt: " + what, "malformed receipt");
}

}  // namespace

std::string FormatReceipt(const Receipt& receipt) {
  std::string out(kMagic);
  out += "\nevent ";
  out += Base64Encode(receipt.event);
  out += '\n';
  for (const Hash& h : receipt.proof) {
    out += "proof ";
    out += Base64Encode(h);
    out += '\n';
  }
  out += "verifier-key ";
  out += receipt.verifier_key;
  out += "\ncheckpoint ";
  out += Base64Encode(AsBytes(receipt.checkpoint_note));
  out += '\n';
  return out;
}

Result<Receipt> ParseReceipt(std::string_view text) {
  if (text.size() > kMaxReceiptBytes) {
    return Malformed("larger than 64 KiB");
  }
  Receipt r;
  int line_no = 0;
  enum class Next { kMagic, kEvent, kProofOrKey, kCheckpoint, kEnd } next = Next::kMagic;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      return Malformed("the last line must end with a newline");
    }
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    const std::string where = "line " + std::to_string(line_no);
    const auto space = line.find(' ');
    const std::string_view key = line.substr(0, space);
    const std::string_view value =
        space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    switch (next) {
      case Next::kMagic:
        if (line != kMagic) {
          return Malformed(where + ": not an alcove audit receipt v1");
        }
        next = Next::kEvent;
        break;
      case Next::kEvent: {
        auto bytes = key == "event" ? Base64Decode(value) : std::nullopt;
        if (!bytes || bytes->empty()) {
          return Malformed(where + ": expected `event <base64>`");
        }
        r.event = std::move(*bytes);
        next = Next::kProofOrKey;
        break;
      }
      case Next::kProofOrKey:
        if (key == "proof") {
          auto bytes = Base64Decode(value);
          if (!bytes || bytes->size() != Hash{}.size()) {
            return Malformed(where + ": a proof hash must be base64 of 32 bytes");
          }
          if (r.proof.size() >= kMaxProofLines) {
            return Malformed(where + ": too many proof lines");
          }
          Hash h{};
          std::copy(bytes->begin(), bytes->end(), h.begin());
          r.proof.push_back(h);
        } else if (key == "verifier-key" && !value.empty()) {
          r.verifier_key = std::string(value);
          next = Next::kCheckpoint;
        } else {
          return Malformed(where + ": expected `proof` or `verifier-key`");
        }
        break;
      case Next::kCheckpoint: {
        auto bytes = key == "checkpoint" ? Base64Decode(value) : std::nullopt;
        if (!bytes || bytes->empty()) {
          return Malformed(where + ": expected `checkpoint <base64>`");
        }
        r.checkpoint_note.assign(bytes->begin(), bytes->end());
        next = Next::kEnd;
        break;
      }
      case Next::kEnd:
        return Malformed(where + ": nothing may follow the checkpoint");
    }
  }
  if (next != Next::kEnd) {
    return Malformed("incomplete");
  }
  return r;
}

Result<ReceiptCheck> CheckReceiptProof(const Receipt& receipt) {
  auto event = DecodeEvent(receipt.event);
  if (!event) {
    return std::unexpected(event.error());
  }
  auto cp = ParseSignedCheckpoint(receipt.checkpoint_note);
  if (!cp) {
    return std::unexpected(cp.error());
  }
  if (auto key = ParseVerifierKey(receipt.verifier_key); !key) {
    return std::unexpected(key.error());
  }
  if (!VerifyInclusion(event->seq, cp->checkpoint.size, LeafHash(receipt.event), receipt.proof,
                       cp->checkpoint.root)) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the inclusion proof does not lead from event " + std::to_string(event->seq) +
                    " to the checkpoint's root",
                "the receipt does not hold");
  }
  ReceiptCheck out;
  out.seq = event->seq;
  out.event_id = event->id;
  out.action = std::string(ActionName(event->event.action));
  out.time = event->event.time;
  out.tree_size = cp->checkpoint.size;
  out.origin = cp->checkpoint.origin;
  out.verifier_key = receipt.verifier_key;
  return out;
}

}  // namespace alcove::audit
