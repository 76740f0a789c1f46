#pragma once

// Speech made at test time by espeak-ng and containers made from it by the ffmpeg tool,
// for the local AI provider's tests and benchmark. Header-only: the benchmarks include it.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace alcove::testing {

// Runs a shell command with its output discarded; true when it exits 0.
inline bool RunQuietly(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

inline std::vector<std::uint8_t> ReadBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `text` spoken by espeak-ng (en-US, 120 words a minute, 40 ms between words: PocketSphinx hears it
// better) into the WAV file `wav`.
inline bool Speak(const std::string& text, const std::filesystem::path& wav) {
  const auto text_file = wav.string() + ".txt";
  std::ofstream(text_file) << text;
  return RunQuietly("espeak-ng -v en-us -s 120 -g 4 -w '" + wav.string() + "' -f '" + text_file +
                    "'");
}

}  // namespace alcove::testing
