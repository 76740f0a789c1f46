#include "audit/checkpoint.hpp"

#include <charconv>

#include "core/encoding.hpp"
#include "crypto/sha.hpp"

namespace alcove::audit {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space

std::unexpected<Error> Malformed(std::string what) {
  return Fail(ErrorCode::kInvalidArgument, "malformed checkpoint: " + what, "malformed checkpoint");
}

bool IsPrintable(char c) { return c >= 0x21 && c <= 0x7e; }

// Splits off the next line (without its "\n"); false if no "\n" is left.
bool NextLine(std::string_view& rest, std::string_view& line) {
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    return false;
  }
  line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return true;
}

bool ParseDecimal(std::string_view text, std::uint64_t& value) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) {
    return false;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

Result<NoteSignature> ParseSignatureLine(std::string_view line) {
  if (!line.starts_with(kSignaturePrefix)) {
    return Malformed("a signature line must start with an em dash and a space");
  }
  line.remove_prefix(kSignaturePrefix.size());
  const auto space = line.find(' ');
  if (space == std::string_view::npos) {
    return Malformed("a signature line needs a key name and a signature");
  }
  NoteSignature sig;
  sig.key_name = std::string(line.substr(0, space));
  if (!IsValidKeyName(sig.key_name)) {
    return Malformed("bad key name in a signature line");
  }
  auto bytes = Base64Decode(line.substr(space + 1));
  if (!bytes || bytes->size() < 5) {
    return Malformed("a signature is not base64 of a key hash and a signature");
  }
  std::copy_n(bytes->begin(), 4, sig.key_hash.begin());
  sig.signature.assign(bytes->begin() + 4, bytes->end());
  return sig;
}

}  // namespace

bool IsValidOrigin(std::string_view origin) {
  if (origin.empty() || origin.size() > 255 || origin.front() == ' ' || origin.back() == ' ') {
    return false;
  }
  for (const char c : origin) {
    if (!IsPrintable(c) && c != ' ') {
      return false;
    }
  }
  return true;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  for (const char c : name) {
    if (!IsPrintable(c) || c == '+') {
      return false;
    }
  }
  return true;
}

std::string CheckpointBody(const Checkpoint& checkpoint) {
  std::string body = checkpoint.origin;
  body += '\n';
  body += std::to_string(checkpoint.size);
  body += '\n';
  body += Base64Encode(checkpoint.root);
  body += '\n';
  return body;
}

KeyHash NoteKeyHash(std::string_view key_name, std::span<const std::uint8_t> public_key) {
  std::vector<std::uint8_t> input(key_name.begin(), key_name.end());
  input.push_back('\n');
  input.push_back(kEd25519NoteAlgorithm);
  input.insert(input.end(), public_key.begin(), public_key.end());
  const auto digest = crypto::Sha256(input);
  KeyHash h{};
  std::copy_n(digest.begin(), h.size(), h.begin());
  return h;
}

std::string FormatSignedCheckpoint(const Checkpoint& checkpoint, std::string_view key_name,
                                   std::span<const std::uint8_t> public_key,
                                   std::span<const std::uint8_t> signature) {
  const KeyHash kh = NoteKeyHash(key_name, public_key);
  std::vector<std::uint8_t> sig(kh.begin(), kh.end());
  sig.insert(sig.end(), signature.begin(), signature.end());
  std::string note = CheckpointBody(checkpoint);
  note += '\n';
  note += kSignaturePrefix;
  note += key_name;
  note += ' ';
  note += Base64Encode(sig);
  note += '\n';
  return note;
}

Result<SignedCheckpoint> ParseSignedCheckpoint(std::string_view note) {
  SignedCheckpoint out;
  out.text = std::string(note);
  std::string_view rest = note;
  std::string_view origin;
  std::string_view size;
  std::string_view root;
  if (!NextLine(rest, origin) || !NextLine(rest, size) || !NextLine(rest, root)) {
    return Malformed("the body needs an origin, a size and a root line");
  }
  if (!IsValidOrigin(origin)) {
    return Malformed("bad origin");
  }
  out.checkpoint.origin = std::string(origin);
  if (!ParseDecimal(size, out.checkpoint.size)) {
    return Malformed("the size is not a canonical decimal number");
  }
  const auto root_bytes = Base64Decode(root);
  if (!root_bytes || root_bytes->size() != out.checkpoint.root.size()) {
    return Malformed("the root is not base64 of 32 bytes");
  }
  std::copy(root_bytes->begin(), root_bytes->end(), out.checkpoint.root.begin());
  out.body = std::string(note.substr(0, note.size() - rest.size()));
  std::string_view blank;
  if (!NextLine(rest, blank) || !blank.empty()) {
    return Malformed("the body must be followed by a blank line (no extension lines)");
  }
  std::string_view line;
  while (NextLine(rest, line)) {
    auto sig = ParseSignatureLine(line);
    if (!sig) {
      return std::unexpected(sig.error());
    }
    out.signatures.push_back(std::move(*sig));
  }
  if (!rest.empty()) {
    return Malformed("the note must end with a newline");
  }
  if (out.signatures.empty()) {
    return Malformed("no signature line");
  }
  return out;
}

std::optional<std::size_t> FirstNoteLength(std::string_view text) {
  // A note ends at the first blank line after its signature lines: find the end of the
  // body's blank line, then the next "\n\n".
  const auto body_end = text.find("\n\n");
  const auto note_end =
      body_end == std::string_view::npos ? body_end : text.find("\n\n", body_end + 2);
  if (note_end == std::string_view::npos) {
    return std::nullopt;
  }
  return note_end + 1;
}

std::optional<std::size_t> LastNoteStart(std::string_view tail, bool whole) {
  if (tail.size() < 4 || !tail.ends_with("\n\n")) {
    return std::nullopt;
  }
  // Backwards from the end: the last note's own blank line, then the blank line that ends
  // the note before it.
  const std::size_t end = tail.size() - 2;
  const std::size_t own_blank = tail.rfind("\n\n", end - 1);
  if (own_blank == std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t before =
      own_blank == 0 ? std::string_view::npos : tail.rfind("\n\n", own_blank - 1);
  if (before != std::string_view::npos) {
    return before + 2;
  }
  if (whole) {
    return 0;
  }
  return std::nullopt;
}

Result<std::vector<SignedCheckpoint>> ParseCheckpointFile(std::string_view text) {
  std::vector<SignedCheckpoint> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto length = FirstNoteLength(text.substr(pos));
    if (!length) {
      return Malformed("note " + std::to_string(out.size() + 1) + " is incomplete");
    }
    auto cp = ParseSignedCheckpoint(text.substr(pos, *length));
    if (!cp) {
      return Malformed("note " + std::to_string(out.size() + 1) + ": " + cp.error().internal);
    }
    out.push_back(std::move(*cp));
    pos += *length + 1;
  }
  return out;
}

std::string VerifierKey(std::string_view key_name, std::span<const std::uint8_t> public_key) {
  std::vector<std::uint8_t> key{kEd25519NoteAlgorithm};
  key.insert(key.end(), public_key.begin(), public_key.end());
  return std::string(key_name) + "+" + HexEncode(NoteKeyHash(key_name, public_key)) + "+" +
         Base64Encode(key);
}

Result<ParsedVerifierKey> ParseVerifierKey(std::string_view text) {
  const auto first = text.find('+');
  const auto second = first == std::string_view::npos ? first : text.find('+', first + 1);
  if (second == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "malformed verifier key");
  }
  ParsedVerifierKey out;
  out.key_name = std::string(text.substr(0, first));
  const auto hash = HexDecode(text.substr(first + 1, second - first - 1));
  const auto key = Base64Decode(text.substr(second + 1));
  if (!IsValidKeyName(out.key_name) || !hash || hash->size() != 4 || !key || key->size() != 33 ||
      (*key)[0] != kEd25519NoteAlgorithm) {
    return Fail(ErrorCode::kInvalidArgument, "malformed verifier key");
  }
  std::copy(key->begin() + 1, key->end(), out.public_key.begin());
  const KeyHash expected = NoteKeyHash(out.key_name, out.public_key);
  if (!std::equal(expected.begin(), expected.end(), hash->begin())) {
    return Fail(ErrorCode::kInvalidArgument, "verifier key: the key hash does not match");
  }
  return out;
}

}  // namespace alcove::audit
