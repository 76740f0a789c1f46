#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/merkle.hpp"
#include "core/error.hpp"

namespace alcove::audit {

// Checkpoints of the audit tree as C2SP signed notes (c2sp.org/signed-note,
// c2sp.org/tlog-checkpoint); docs/audit.md § Checkpoints gives the exact bytes.
//
//   body  = <origin> "\n" <tree size, decimal> "\n" <base64 root hash> "\n"
//   note  = body "\n" then one line per signature:
//           "— " <key name> " " base64(key hash (4 bytes) || signature) "\n"
//   key hash = the first 4 bytes of SHA-256(<key name> "\n" 0x01 || Ed25519 public key)
//   the Ed25519 signature is over the body bytes.
// The checkpoint file is those notes, each followed by one blank line.
//
// This file parses and formats; signing and signature checks are in checkpoint_signer.hpp.
// Parsers are strict and safe on any input (fuzzed: fuzz/audit_receipt_fuzz.cpp).
// Pure functions; thread-safe.

inline constexpr std::string_view kCheckpointKeyName = "alcove-audit";
inline constexpr std::uint8_t kEd25519NoteAlgorithm = 0x01;
using KeyHash = std::array<std::uint8_t, 4>;

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
  bool operator==(const Checkpoint&) const = default;
};

// One signature line of a note.
struct NoteSignature {
  std::string key_name;
  KeyHash key_hash{};
  std::vector<std::uint8_t> signature;  // the bytes after the key hash
};

struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string body;  // the signed text
  std::vector<NoteSignature> signatures;
  std::string text;  // the whole note, as parsed or written
};

// The body text of `checkpoint`. REQUIRES IsValidOrigin(checkpoint.origin).
std::string CheckpointBody(const Checkpoint& checkpoint);

// 1 to 255 printable ASCII characters, no spaces at either end, no "\n".
bool IsValidOrigin(std::string_view origin);
// 1 to 64 printable ASCII characters without spaces or '+'.
bool IsValidKeyName(std::string_view name);

KeyHash NoteKeyHash(std::string_view key_name, std::span<const std::uint8_t> public_key);

// The note text for `checkpoint` with one Ed25519 signature line.
std::string FormatSignedCheckpoint(const Checkpoint& checkpoint, std::string_view key_name,
                                   std::span<const std::uint8_t> public_key,
                                   std::span<const std::uint8_t> signature);

// Parses one note (which must end in "\n"). kInvalidArgument on anything malformed: a
// bad origin, a size that is not canonical decimal, a root that is not base64 of 32
// bytes, extension lines (we write none), no signature line, a bad signature line.
Result<SignedCheckpoint> ParseSignedCheckpoint(std::string_view note);

// Parses a checkpoint file (zero or more notes, each followed by a blank line).
// kInvalidArgument naming the note number (1-based) that is malformed.
Result<std::vector<SignedCheckpoint>> ParseCheckpointFile(std::string_view text);

// Framing of checkpoint files for readers that hold only part of one (a stream's buffer,
// a file's tail). Each note is "<body>\n\n<signature lines>\n" followed by "\n", and a
// well-formed note holds no other blank line.
// The length of the first note of `text`, without the blank line after it (so the next
// note starts at the result + 1), or none if `text` does not yet hold a complete one.
std::optional<std::size_t> FirstNoteLength(std::string_view text);
// Where the last note of `tail` starts: `tail` is the end of a file and must end in
// "\n\n"; `whole` says whether it is the whole file (then a first note may start it). None
// if `tail` does not reach back to the blank line before the last note (read more).
std::optional<std::size_t> LastNoteStart(std::string_view tail, bool whole);

// The verifier key string of signed notes: <name> "+" <hex key hash> "+"
// base64(0x01 || public key); and back (kInvalidArgument).
std::string VerifierKey(std::string_view key_name, std::span<const std::uint8_t> public_key);
struct ParsedVerifierKey {
  std::string key_name;
  std::array<std::uint8_t, 32> public_key{};
};
Result<ParsedVerifierKey> ParseVerifierKey(std::string_view text);

}  // namespace alcove::audit
