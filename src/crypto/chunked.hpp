#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "store/blob_store.hpp"
#include "store/db.hpp"

namespace alcove::crypto {

// Chunked streaming encryption for recordings and other large blobs: C2SP
// "c2sp.org/chunked-encryption" with AES-256-GCM and SHA-512 ("Cobblestone-256"),
// CRYPTO-FORMATS.md §3, docs/crypto.md § Chunked encryption.
//
//   salt (24) | commitment (32) | chunk_0 | chunk_1 | ... | chunk_n
//   (chunk_key 32 | base_nonce 12 | commitment 32) =
//       HKDF-Expand-SHA-512(key, "c2sp.org/chunked-encryption@v1+" "AEAD_AES_256_GCM"
//                                 0x00 || salt || context, 76)
//   chunk_k = AES-256-GCM(chunk_key, base_nonce XOR be96(k), aad = "", 16384-byte piece)
//
// Every chunk holds 16384 bytes of plaintext except the last, which is shorter and may
// be empty: the end of the message is marked only by a short chunk at the right index
// (there is no flag in the nonce), so a message that ends after a full chunk is
// truncated. Chunk k starts at ciphertext offset 56 + k * 16400.
//
// Keys: `key` is the blob's 32-byte data key. It is borrowed for the call that takes it;
// derived keys live only inside OpenSSL cipher contexts, which wipe them when freed.
// The factories that take raw key bytes are for crypto/ itself: code outside crypto/
// never holds a DEK, and gets these objects from the key ring, which unwraps the
// recording's DEK and passes it in.
// Errors: every authentication or format failure (wrong key or context, modified,
// truncated, reordered or extended ciphertext) is the one generic error
// kInvalidArgument "decryption failed"; its internal message says which check failed,
// never any content. A key that is not 32 bytes is kInvalidArgument.
// Thread-safety: one object per stream, used by one thread at a time.

inline constexpr std::size_t kChunkedKeySize = 32;
inline constexpr std::size_t kChunkedSaltSize = 24;
inline constexpr std::size_t kChunkedCommitmentSize = 32;
inline constexpr std::size_t kChunkedHeaderSize = kChunkedSaltSize + kChunkedCommitmentSize;
inline constexpr std::size_t kChunkSize = 16384;  // plaintext bytes per full chunk
inline constexpr std::size_t kChunkTagSize = 16;
inline constexpr std::size_t kSealedChunkSize = kChunkSize + kChunkTagSize;
// Chunk indexes are < 2^38 (the last chunk included): at most 4 PiB per blob.
inline constexpr std::uint64_t kMaxChunks = std::uint64_t{1} << 38;
// Longest context we accept (it goes into the HKDF info, which OpenSSL bounds).
inline constexpr std::size_t kMaxChunkedContextSize = 512;

// The context that binds a recording's ciphertext to its place:
// "alcove/recording/v1" 0x00 <tenant id in decimal> 0x00 <recording id>.
std::string RecordingContext(store::TenantId tenant, std::string_view recording_id);

// Size of the ciphertext of a `plaintext_size`-byte message.
std::uint64_t ChunkedCiphertextSize(std::uint64_t plaintext_size);

// Where bytes go: a BlobStore writer's Append, a socket, a buffer. A failure stops the
// stream and is returned to the caller unchanged.
using ByteSink = std::function<Status(std::span<const std::uint8_t>)>;

// Encrypts a message that arrives in pieces of any size, in constant memory: it holds
// at most one chunk of plaintext (buffered_size() < kChunkSize after every call) and
// writes each chunk to the sink as soon as it is sealed. The header is written by
// Create. Call Finish() exactly once at the end; until it succeeds the ciphertext is
// truncated (and will not decrypt). After any error every call fails.
class ChunkedEncryptor {
 public:
  // Picks a fresh random salt. Fails if `key` is not 32 bytes, `context` is longer than
  // kMaxChunkedContextSize, or the sink refuses the header.
  static Result<std::unique_ptr<ChunkedEncryptor>> Create(std::span<const std::uint8_t> key,
                                                          std::string_view context, ByteSink sink);
  ~ChunkedEncryptor();
  ChunkedEncryptor(const ChunkedEncryptor&) = delete;
  ChunkedEncryptor& operator=(const ChunkedEncryptor&) = delete;

  // Encrypts `plaintext`, writing every chunk it completes. Errors: the sink's error;
  // kResourceExhausted past kMaxChunks chunks; kFailedPrecondition after Finish().
  Status Write(std::span<const std::uint8_t> plaintext);
  Status Write(std::string_view plaintext);
  // Seals and writes the final short chunk.
  Status Finish();
  // Drops (wipes) the plaintext waiting to fill a chunk: the stream continues after the
  // chunks already written, plaintext_size() falls back to their plaintext (a paused
  // upload, whose client resends from there). kFailedPrecondition after Finish().
  Status DropBuffered();

  // Plaintext bytes held, waiting to fill a chunk: always < kChunkSize between calls.
  std::size_t buffered_size() const;
  std::uint64_t plaintext_size() const;

  // Continues a stream whose first `next_chunk` chunks are already stored (a resumed
  // upload, encrypted_blob.hpp): `header` is the stored salt and commitment, checked
  // against `key` and `context` (kInvalidArgument "decryption failed" if they differ).
  // Nothing is written until the next chunk completes. For crypto/ itself (raw key).
  static Result<std::unique_ptr<ChunkedEncryptor>> Resume(std::span<const std::uint8_t> key,
                                                          std::string_view context,
                                                          std::span<const std::uint8_t> header,
                                                          std::uint64_t next_chunk, ByteSink sink);

  // Only for tests that replay published vectors: a caller-chosen salt. Reusing a salt
  // with the same key and context repeats nonces; production code uses Create.
  static Result<std::unique_ptr<ChunkedEncryptor>> CreateWithSaltForTest(
      std::span<const std::uint8_t> key, std::string_view context,
      std::span<const std::uint8_t> salt, ByteSink sink);

  struct State;

 private:
  explicit ChunkedEncryptor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Decrypts a stream that arrives in pieces of any size, in constant memory (at most one
// sealed chunk buffered). Checks the commitment as soon as the 56 header bytes are in,
// before any chunk is decrypted; hands a chunk's plaintext to the sink only after its
// tag verified. Plaintext handed out before a later failure is a verified prefix of the
// message: the caller must discard it unless Finish() succeeds. Finish() fails if the
// stream ended without its short final chunk (truncation). After any error every call
// fails.
class ChunkedDecryptor {
 public:
  static Result<std::unique_ptr<ChunkedDecryptor>> Create(std::span<const std::uint8_t> key,
                                                          std::string_view context, ByteSink sink);
  ~ChunkedDecryptor();
  ChunkedDecryptor(const ChunkedDecryptor&) = delete;
  ChunkedDecryptor& operator=(const ChunkedDecryptor&) = delete;

  Status Write(std::span<const std::uint8_t> ciphertext);
  Status Finish();

  // Bytes of the current chunk received so far (< kSealedChunkSize between calls), or of
  // the header until it is complete. A chunk that arrives over several calls is decrypted
  // as it comes (into the one-chunk plaintext buffer, released only once its tag
  // verified); only its last 16 bytes, the tag if the stream ends there, are held back.
  std::size_t buffered_size() const;
  std::uint64_t plaintext_size() const;  // verified plaintext handed out so far

  struct State;

 private:
  explicit ChunkedDecryptor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Reads `out.size()` bytes of stored ciphertext at `offset`, all of them or an error.
using ReadAtFn = std::function<Status(std::uint64_t offset, std::span<std::uint8_t> out)>;

// For an unfinished stream of `stored_size` bytes (a paused upload): checks the header's
// commitment (kInvalidArgument "decryption failed" for another key or context), then
// returns how many leading whole chunks to keep: up to and including the last whole
// chunk that authenticates at its index (a torn tail after it is dropped; the chunks
// before it are checked when they are read). For crypto/ itself (raw key).
Result<std::uint64_t> CountWholeChunks(std::span<const std::uint8_t> key,
                                       std::string_view context, std::uint64_t stored_size,
                                       const ReadAtFn& read_at);

// Random access to a stored ciphertext of known size (audio range requests). Open checks
// the commitment and authenticates the final chunk at the index the size implies, so
// plaintext_size() is authentic; ReadAt decrypts only the chunks a range touches (one
// chunk cached). After any error every call fails.
class ChunkedReader {
 public:
  static Result<std::unique_ptr<ChunkedReader>> Open(std::span<const std::uint8_t> key,
                                                     std::string_view context,
                                                     std::uint64_t ciphertext_size,
                                                     ReadAtFn read_at);
  ~ChunkedReader();
  ChunkedReader(const ChunkedReader&) = delete;
  ChunkedReader& operator=(const ChunkedReader&) = delete;

  std::uint64_t plaintext_size() const;
  // Copies plaintext from `offset` into `out`; returns how many bytes were copied:
  // min(out.size(), plaintext_size() - offset), 0 at or past the end.
  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> out);

  struct State;

 private:
  explicit ChunkedReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Adapters for the blob store. The writer and reader are borrowed: they must outlive the
// returned function. For an upload:
//   auto blob = store.Create();  auto enc = ChunkedEncryptor::Create(dek, ctx, SinkTo(**blob));
//   ... enc->Write(piece) ...;  enc->Finish();  (*blob)->Commit();
// For a range request:
//   auto blob = store.Open(id);
//   auto reader = ChunkedReader::Open(dek, ctx, (*blob)->size(), ReadAtFrom(**blob));
ByteSink SinkTo(store::BlobWriter& writer);
ReadAtFn ReadAtFrom(const store::BlobReader& reader);

namespace test_hooks {
// True iff HKDF-Expand of (key, salt, context) yields this chunk key and base nonce (the
// vectors' aeadKey and baseNonce). Compares inside crypto/; no key bytes come out.
bool ChunkedDerivationMatches(std::span<const std::uint8_t> key, std::string_view context,
                              std::span<const std::uint8_t> salt,
                              std::span<const std::uint8_t> chunk_key,
                              std::span<const std::uint8_t> base_nonce);
}  // namespace test_hooks

}  // namespace alcove::crypto
