#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/chunked.hpp"
#include "crypto/key_ring.hpp"
#include "store/blob_store.hpp"

namespace alcove::crypto {

// Recordings at rest (C03; docs/recordings.md § Storage and streaming): a blob encrypted
// with chunked encryption (chunked.hpp) under its own DEK from the key ring, bound to its
// place by `context` (RecordingContext). The DEK is unwrapped and used inside crypto/
// only: callers name it by (tenant, KeyId) and never see its bytes. A DEK of another
// tenant, or a destroyed one, is kNotFound.

// A resumable encrypted upload. Plaintext arrives in pieces over one or more requests;
// the ciphertext goes straight to an in-progress blob (store::PartialBlob) as whole
// sealed 16 KiB chunks, so neither the plaintext nor the whole ciphertext is ever held
// in memory (at most one chunk of plaintext, wiped) or written to disk in clear. After a
// dropped connection (or a server restart) Resume reopens the blob at its last whole
// chunk that authenticates — the encryptor's state is re-derived from the DEK, the salt
// stored in the blob's header and the chunk index, nothing else is kept — and the client
// continues at stored_offset(). Finish seals the final chunk and commits: the blob is then
// an ordinary committed blob (store::BlobStore::Open, EncryptedBlob::Open).
// Thread-safety: one thread at a time; while one is open for writing, no other Resume
// of the same blob succeeds (kConflict).
class EncryptedUpload {
 public:
  // A new upload: a fresh in-progress blob, a fresh random salt, the header written.
  static Result<std::unique_ptr<EncryptedUpload>> Start(KeyRing& keys, TenantId tenant,
                                                        KeyId dek, std::string_view context,
                                                        store::BlobStore& blobs);
  // Takes over the in-progress blob `blob_id`: checks its header's commitment against the
  // DEK and context (kInvalidArgument "decryption failed" otherwise), drops a torn tail
  // (bytes past the last whole chunk, and whole chunks at the end that do not
  // authenticate, e.g. after a crash), and continues there. kNotFound: no such upload;
  // kConflict: another request is writing it.
  static Result<std::unique_ptr<EncryptedUpload>> Resume(KeyRing& keys, TenantId tenant,
                                                         KeyId dek, std::string_view context,
                                                         store::BlobStore& blobs,
                                                         std::string_view blob_id);
  // Where the in-progress blob `blob_id` stands, without taking it over (HEAD while
  // another request may be writing): the plaintext offset Resume would continue at
  // (its whole chunks that authenticate). kNotFound: no such upload.
  static Result<std::uint64_t> StoredOffset(KeyRing& keys, TenantId tenant, KeyId dek,
                                            std::string_view context, store::BlobStore& blobs,
                                            std::string_view blob_id);

  // Destroying it without Finish keeps the whole chunks stored (as Pause), for Resume.
  ~EncryptedUpload();
  EncryptedUpload(const EncryptedUpload&) = delete;
  EncryptedUpload& operator=(const EncryptedUpload&) = delete;

  const std::string& blob_id() const;
  // Plaintext bytes accepted so far, including a partial chunk still in memory.
  std::uint64_t offset() const;
  // Plaintext bytes stored as whole chunks: a multiple of kChunkSize (until Finish), where
  // a resumed upload continues.
  std::uint64_t stored_offset() const;
  bool finished() const;

  // Encrypts `plaintext` and appends every chunk it completes. Errors: the blob store's
  // (kResourceExhausted when the disk is full), kFailedPrecondition after Finish. After
  // an error the upload can only be paused (its stored chunks stay valid) or discarded.
  Status Write(std::span<const std::uint8_t> plaintext);
  // Seals the final chunk, syncs and commits the blob under blob_id(). At most once.
  Status Finish();
  // Makes the whole chunks durable and drops the partial chunk in memory (wiped):
  // afterwards offset() == stored_offset(). The upload stays open.
  Status Pause();

  struct State;

 private:
  explicit EncryptedUpload(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// A committed encrypted blob opened for random access (GET with Range): Open checks the
// commitment and authenticates the final chunk (chunked.hpp ChunkedReader), so a
// truncated, extended or spliced blob is refused (kInvalidArgument "decryption failed")
// before any byte is served; ReadAt decrypts only the chunks a range touches and fails
// the same way on a chunk that was modified or moved.
// Thread-safety: one thread at a time.
class EncryptedBlob {
 public:
  static Result<std::unique_ptr<EncryptedBlob>> Open(KeyRing& keys, TenantId tenant, KeyId dek,
                                                     std::string_view context,
                                                     store::BlobStore& blobs,
                                                     std::string_view blob_id);
  ~EncryptedBlob();
  EncryptedBlob(const EncryptedBlob&) = delete;
  EncryptedBlob& operator=(const EncryptedBlob&) = delete;

  std::uint64_t plaintext_size() const;
  // Copies plaintext from `offset` into `out`; returns how many bytes were copied
  // (fewer only at the end). Usable as web::ReadAtSource.
  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> out);

 private:
  EncryptedBlob(std::unique_ptr<store::BlobReader> blob, std::unique_ptr<ChunkedReader> reader);
  std::unique_ptr<store::BlobReader> blob_;
  std::unique_ptr<ChunkedReader> reader_;
};

}  // namespace alcove::crypto
