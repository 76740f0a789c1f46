// Fuzzes the master-key parsers (crypto/master_key_file.cpp): MasterKeys::Parse, which
// reads the key file, and MasterKeys::ParseEnvironmentValue, which reads
// ALCOVE_MASTER_KEY (the file text, or the bare base64 of one 32-byte key). Beyond
// "no crash", checks the promises of master_key_file.hpp:
//   - every refusal is kFailedPrecondition and its message holds no key text (it names
//     the source and the line only);
//   - a parsed object holds at least one version, each positive, ascending, with 32 key
//     bytes, and newest() is the last;
//   - Serialize() parses back to the same versions, key bytes and dates (created=,
//     replaced=);
//   - a bare environment value (one line, no header) parses as exactly version 1.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/master_key_file.hpp"

namespace {

using alcove::ErrorCode;
using alcove::Result;
using alcove::crypto::MasterKeys;

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

// The words of the input that could be key text: anything of 16 or more characters
// between spaces or line breaks.
std::vector<std::string_view> LongWords(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ' || text[i] == '\n' || text[i] == '\r') {
      if (i - start >= 16) {
        words.push_back(text.substr(start, i - start));
      }
      start = i + 1;
    }
  }
  return words;
}

// The fixed words of the parsers' messages (the header they quote, the variable name).
constexpr std::string_view kMessageWords =
    "expected `alcove-master-keys v1` ALCOVE_MASTER_KEY must hold the master key file format "
    "after the key only `created=<time>` and `replaced=<time>` may follow, each once "
    "is not a UTC time like 2026-11-23T09:30:00.000000Z";

void CheckRefusal(const alcove::Error& e, std::string_view text) {
  Check(e.code == ErrorCode::kFailedPrecondition);
  for (const auto word : LongWords(text)) {
    if (kMessageWords.find(word) != std::string_view::npos) {
      continue;  // a word the messages themselves hold
    }
    Check(e.internal.find(word) == std::string::npos);
    Check(e.public_message.find(word) == std::string::npos);
  }
}

void CheckParsed(const MasterKeys& keys) {
  const auto versions = keys.versions();
  Check(!versions.empty());
  Check(std::is_sorted(versions.begin(), versions.end()));
  Check(std::adjacent_find(versions.begin(), versions.end()) == versions.end());
  Check(versions.front() > 0 && keys.newest() == versions.back());
  for (const auto v : versions) {
    Check(keys.Has(v) && keys.Key(v).size() == 32);
  }
  Check(keys.Key(0).empty());

  std::string text = keys.Serialize();
  auto again = MasterKeys::Parse(text, "serialized keys");
  std::fill(text.begin(), text.end(), '\0');
  Check(again.has_value());
  Check(again->versions() == versions);
  for (const auto v : versions) {
    Check(std::ranges::equal(again->Key(v), keys.Key(v)));
    Check(again->Created(v) == keys.Created(v) && again->Replaced(v) == keys.Replaced(v));
  }
}

void Run(std::string_view text, bool environment) {
  const Result<MasterKeys> keys =
      environment ? MasterKeys::ParseEnvironmentValue(text) : MasterKeys::Parse(text, "fuzz input");
  if (!keys) {
    CheckRefusal(keys.error(), text);
    return;
  }
  CheckParsed(*keys);
  if (environment && text.find('\n') == std::string_view::npos &&
      !text.starts_with("alcove-master-keys v1")) {
    Check(keys->versions() == std::vector<std::uint32_t>{1});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Run(text, false);
  Run(text, true);
  return 0;
}
