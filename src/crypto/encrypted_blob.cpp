#include "crypto/encrypted_blob.hpp"

#include <cstring>
#include <optional>

namespace alcove::crypto {

struct EncryptedUpload::State {
  std::unique_ptr<store::PartialBlob> blob;
  std::unique_ptr<ChunkedEncryptor> encryptor;
  // Ciphertext bytes the store holds as whole chunks (the header included).
  std::uint64_t stored_cipher = 0;
  bool finished = false;
  std::optional<Error> failure;
};

namespace {

// What the encryptor hands out is a header or a whole chunk (or the final short one):
// counting what reached the store gives the whole chunks stored.
std::uint64_t PlaintextOfWholeChunks(std::uint64_t cipher_bytes) {
  if (cipher_bytes < kChunkedHeaderSize) {
    return 0;
  }
  return (cipher_bytes - kChunkedHeaderSize) / kSealedChunkSize * kChunkSize;
}

ByteSink CountingSink(EncryptedUpload::State& s) {
  return [&s](std::span<const std::uint8_t> bytes) -> Status {
    if (auto st = s.blob->Append(bytes); !st) {
      return st;
    }
    s.stored_cipher += bytes.size();
    return {};
  };
}

// How many whole chunks of the in-progress blob `blob` hold, checked with `key`.
Result<std::uint64_t> WholeChunks(std::span<const std::uint8_t> key, std::string_view context,
                                  const store::BlobReader& blob) {
  return CountWholeChunks(key, context, blob.size(), ReadAtFrom(blob));
}

// A PartialBlob read through the BlobReader interface, for CountWholeChunks.
class PartialAsReader final : public store::BlobReader {
 public:
  explicit PartialAsReader(const store::PartialBlob& blob) : blob_(blob) {}
  std::uint64_t size() const override { return blob_.size(); }
  Result<store::Bytes> Read(std::uint64_t offset, std::size_t length) const override {
    return blob_.Read(offset, length);
  }

 private:
  const store::PartialBlob& blob_;
};

}  // namespace

EncryptedUpload::EncryptedUpload(std::unique_ptr<State> state) : state_(std::move(state)) {}

EncryptedUpload::~EncryptedUpload() {
  if (state_ && !state_->finished && !state_->failure) {
    (void)Pause();
  }
}

Result<std::unique_ptr<EncryptedUpload>> EncryptedUpload::Start(KeyRing& keys, TenantId tenant,
                                                                KeyId dek,
                                                                std::string_view context,
                                                                store::BlobStore& blobs) {
  auto key = keys.KeyForChunked(tenant, dek);
  if (!key) {
    return std::unexpected(key.error());
  }
  auto blob = blobs.CreatePartial();
  if (!blob) {
    return std::unexpected(blob.error());
  }
  auto state = std::make_unique<State>();
  state->blob = std::move(*blob);
  auto encryptor = ChunkedEncryptor::Create(key->key->span(), context, CountingSink(*state));
  if (!encryptor) {
    (void)blobs.DeletePartial(state->blob->id());
    return std::unexpected(encryptor.error());
  }
  state->encryptor = std::move(*encryptor);
  if (auto st = state->blob->Sync(); !st) {
    return std::unexpected(st.error());
  }
  return std::unique_ptr<EncryptedUpload>(new EncryptedUpload(std::move(state)));
}

Result<std::unique_ptr<EncryptedUpload>> EncryptedUpload::Resume(
    KeyRing& keys, TenantId tenant, KeyId dek, std::string_view context, store::BlobStore& blobs,
    std::string_view blob_id) {
  auto key = keys.KeyForChunked(tenant, dek);
  if (!key) {
    return std::unexpected(key.error());
  }
  auto blob = blobs.OpenPartial(blob_id);
  if (!blob) {
    return std::unexpected(blob.error());
  }
  auto chunks = WholeChunks(key->key->span(), context, PartialAsReader(**blob));
  if (!chunks) {
    return std::unexpected(chunks.error());
  }
  const std::uint64_t keep = kChunkedHeaderSize + *chunks * kSealedChunkSize;
  if (keep < (*blob)->size()) {
    if (auto st = (*blob)->Truncate(keep); !st) {
      return std::unexpected(st.error());
    }
  }
  auto header = (*blob)->Read(0, kChunkedHeaderSize);
  if (!header) {
    return std::unexpected(header.error());
  }
  auto state = std::make_unique<State>();
  state->blob = std::move(*blob);
  state->stored_cipher = keep;
  auto encryptor =
      ChunkedEncryptor::Resume(key->key->span(), context, *header, *chunks, CountingSink(*state));
  if (!encryptor) {
    return std::unexpected(encryptor.error());
  }
  state->encryptor = std::move(*encryptor);
  return std::unique_ptr<EncryptedUpload>(new EncryptedUpload(std::move(state)));
}

Result<std::uint64_t> EncryptedUpload::StoredOffset(KeyRing& keys, TenantId tenant, KeyId dek,
                                                    std::string_view context,
                                                    store::BlobStore& blobs,
                                                    std::string_view blob_id) {
  auto key = keys.KeyForChunked(tenant, dek);
  if (!key) {
    return std::unexpected(key.error());
  }
  auto blob = blobs.ReadPartial(blob_id);
  if (!blob) {
    return std::unexpected(blob.error());
  }
  auto chunks = WholeChunks(key->key->span(), context, **blob);
  if (!chunks) {
    return std::unexpected(chunks.error());
  }
  return *chunks * kChunkSize;
}

const std::string& EncryptedUpload::blob_id() const { return state_->blob->id(); }
std::uint64_t EncryptedUpload::offset() const { return state_->encryptor->plaintext_size(); }
std::uint64_t EncryptedUpload::stored_offset() const {
  return state_->finished ? offset() : PlaintextOfWholeChunks(state_->stored_cipher);
}
bool EncryptedUpload::finished() const { return state_->finished; }

Status EncryptedUpload::Write(std::span<const std::uint8_t> plaintext) {
  State& s = *state_;
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  if (s.finished) {
    return Fail(ErrorCode::kFailedPrecondition, "encrypted upload: already finished",
                "this upload is already complete");
  }
  if (auto st = s.encryptor->Write(plaintext); !st) {
    s.failure = st.error();
    return st;
  }
  return {};
}

Status EncryptedUpload::Finish() {
  State& s = *state_;
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  if (s.finished) {
    return Fail(ErrorCode::kFailedPrecondition, "encrypted upload: already finished",
                "this upload is already complete");
  }
  if (auto st = s.encryptor->Finish(); !st) {
    s.failure = st.error();
    return st;
  }
  if (auto st = s.blob->Commit(); !st) {
    s.failure = st.error();
    return st;
  }
  s.finished = true;
  return {};
}

Status EncryptedUpload::Pause() {
  State& s = *state_;
  if (s.finished) {
    return {};
  }
  // The encryptor's partial chunk is plaintext in memory only: dropping the encryptor
  // wipes it; a new one continues after the stored whole chunks.
  const std::uint64_t keep =
      kChunkedHeaderSize + PlaintextOfWholeChunks(s.stored_cipher) / kChunkSize * kSealedChunkSize;
  if (s.blob->size() > keep) {
    if (auto st = s.blob->Truncate(keep); !st) {
      return st;
    }
  }
  if (auto st = s.blob->Sync(); !st) {
    return st;
  }
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  return s.encryptor->DropBuffered();
}

EncryptedBlob::EncryptedBlob(std::unique_ptr<store::BlobReader> blob,
                             std::unique_ptr<ChunkedReader> reader)
    : blob_(std::move(blob)), reader_(std::move(reader)) {}
EncryptedBlob::~EncryptedBlob() = default;

Result<std::unique_ptr<EncryptedBlob>> EncryptedBlob::Open(KeyRing& keys, TenantId tenant,
                                                           KeyId dek, std::string_view context,
                                                           store::BlobStore& blobs,
                                                           std::string_view blob_id) {
  auto key = keys.KeyForChunked(tenant, dek);
  if (!key) {
    return std::unexpected(key.error());
  }
  auto blob = blobs.Open(blob_id);
  if (!blob) {
    return std::unexpected(blob.error());
  }
  auto reader =
      ChunkedReader::Open(key->key->span(), context, (*blob)->size(), ReadAtFrom(**blob));
  if (!reader) {
    return std::unexpected(reader.error());
  }
  return std::unique_ptr<EncryptedBlob>(new EncryptedBlob(std::move(*blob), std::move(*reader)));
}

std::uint64_t EncryptedBlob::plaintext_size() const { return reader_->plaintext_size(); }

Result<std::size_t> EncryptedBlob::ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) {
  return reader_->ReadAt(offset, out);
}

}  // namespace alcove::crypto
