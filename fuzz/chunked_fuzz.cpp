// Fuzzes the chunked-encryption readers (crypto/chunked.cpp): the code that parses a
// stored recording's ciphertext. The input is a ciphertext under a fixed test key and
// context (the seed corpus holds valid ones, so mutations reach every chunk). Beyond
// "no crash", checks the promises of chunked.hpp:
//   - the streaming decryptor and the random-access reader agree: both accept with the
//     same plaintext, or both reject;
//   - on rejection, the plaintext released is whole verified chunks only (a multiple of
//     16384 bytes), and later calls keep failing;
//   - at most one sealed chunk is ever buffered;
//   - an accepted ciphertext is exactly what the writer produces for that plaintext and
//     salt (there is one encoding of each message).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "crypto/chunked.hpp"

namespace {

using alcove::Status;
using namespace alcove::crypto;

constexpr std::uint8_t kKey[32] = {'a', 'l', 'c', 'o', 'v', 'e', '-', 'f', 'u', 'z', 'z',
                                   '-', 'c', 'h', 'u', 'n', 'k', 'e', 'd', '-', 'k', 'e',
                                   'y', '-', '0', '1', '2', '3', '4', '5', '6', '7'};
constexpr char kContextBytes[] =
    "alcove/recording/v1\0"
    "1\0"
    "fuzz";
constexpr std::string_view kContext{kContextBytes, sizeof kContextBytes - 1};

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> ct(data, size);

  // Streaming, in pieces whose size depends on the input.
  std::vector<std::uint8_t> streamed;
  auto dec = ChunkedDecryptor::Create(kKey, kContext, [&](std::span<const std::uint8_t> b) {
    streamed.insert(streamed.end(), b.begin(), b.end());
    return Status{};
  });
  Check(dec.has_value());
  const std::size_t piece = size == 0 ? 1 : 1 + (data[0] * 131u) % 20000u;
  bool stream_ok = true;
  for (std::size_t pos = 0; pos < size && stream_ok; pos += piece) {
    stream_ok = static_cast<bool>((*dec)->Write(ct.subspan(pos, std::min(piece, size - pos))));
    Check((*dec)->buffered_size() <= kSealedChunkSize);
  }
  stream_ok = stream_ok && (*dec)->Finish();
  if (!stream_ok) {
    Check(streamed.size() % kChunkSize == 0);
    Check(!(*dec)->Write(ct.first(std::min<std::size_t>(size, 1))));
    Check(!(*dec)->Finish());
  }

  // Random access.
  std::vector<std::uint8_t> read;
  bool read_ok = false;
  auto reader = ChunkedReader::Open(kKey, kContext, size,
                                    [&](std::uint64_t off, std::span<std::uint8_t> out) -> Status {
                                      Check(off <= size && out.size() <= size - off);
                                      std::memcpy(out.data(), data + off, out.size());
                                      return {};
                                    });
  if (reader) {
    std::vector<std::uint8_t> buf(7000);
    read_ok = true;
    for (std::uint64_t off = 0;;) {
      auto n = (*reader)->ReadAt(off, buf);
      if (!n) {
        read_ok = false;
        break;
      }
      if (*n == 0) {
        break;
      }
      read.insert(read.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
      off += *n;
    }
  }
  Check(stream_ok == read_ok);
  if (!stream_ok) {
    return 0;
  }
  Check(streamed == read);
  Check(ChunkedCiphertextSize(streamed.size()) == size);

  std::vector<std::uint8_t> again;
  auto enc = ChunkedEncryptor::CreateWithSaltForTest(
      kKey, kContext, ct.first(kChunkedSaltSize), [&](std::span<const std::uint8_t> b) {
        again.insert(again.end(), b.begin(), b.end());
        return Status{};
      });
  Check(enc && (*enc)->Write(streamed) && (*enc)->Finish());
  Check(again.size() == size && std::memcmp(again.data(), data, size) == 0);
  return 0;
}
