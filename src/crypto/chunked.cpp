#include "crypto/chunked.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/random.hpp"
#include "crypto/secret.hpp"

namespace alcove::crypto {
namespace {

constexpr std::string_view kInfoPrefix = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM";
constexpr std::size_t kNonceSize = 12;
static_assert(kChunkedKeySize == 32, "the messages below say 32");
constexpr std::size_t kDerivedSize = kChunkedKeySize + kNonceSize + kChunkedCommitmentSize;

std::unexpected<Error> DecryptionFailed(std::string_view why) {
  return Fail(ErrorCode::kInvalidArgument, "chunked decryption failed: " + std::string(why),
              "decryption failed");
}

Status CheckKeyAndContext(std::span<const std::uint8_t> key, std::string_view context) {
  if (key.size() != kChunkedKeySize) {
    return Fail(ErrorCode::kInvalidArgument, "chunked encryption key must be 32 bytes");
  }
  if (context.size() > kMaxChunkedContextSize) {
    return Fail(ErrorCode::kInvalidArgument, "chunked encryption context longer than " +
                                                 std::to_string(kMaxChunkedContextSize) + " bytes");
  }
  return {};
}

// The 76 derived bytes, wiped when they go out of scope.
struct Derived {
  std::array<std::uint8_t, kDerivedSize> bytes{};
  ~Derived() { SecureZero(bytes.data(), bytes.size()); }
  std::span<const std::uint8_t> chunk_key() const { return std::span(bytes).first(32); }
  std::span<const std::uint8_t> base_nonce() const {
    return std::span(bytes).subspan(kChunkedKeySize, kNonceSize);
  }
  std::span<const std::uint8_t> commitment() const {
    return std::span(bytes).subspan(kChunkedKeySize + kNonceSize);
  }
};

// HKDF-Expand(SHA-512, prk = key, info = prefix 0x00 salt context, 76 bytes). Expand only,
// as the C2SP scheme specifies: the key is already uniformly random.
Status Derive(std::span<const std::uint8_t> key, std::span<const std::uint8_t> salt,
              std::string_view context, Derived& out) {
  std::vector<std::uint8_t> info;
  info.reserve(kInfoPrefix.size() + 1 + salt.size() + context.size());
  info.insert(info.end(), kInfoPrefix.begin(), kInfoPrefix.end());
  info.push_back(0x00);
  info.insert(info.end(), salt.begin(), salt.end());
  info.insert(info.end(), context.begin(), context.end());

  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) {
    return Fail(ErrorCode::kInternal, "OpenSSL has no HKDF");
  }
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (kctx == nullptr) {
    return Fail(ErrorCode::kInternal, "EVP_KDF_CTX_new failed");
  }
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  char digest[] = "SHA512";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.data()),
                                        key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  const int ok = EVP_KDF_derive(kctx, out.bytes.data(), out.bytes.size(), params);
  EVP_KDF_CTX_free(kctx);
  if (ok != 1) {
    return Fail(ErrorCode::kInternal, "HKDF-Expand failed");
  }
  return {};
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// AES-256-GCM with the chunk key loaded once; each chunk sets only its nonce.
// EVP_CIPHER_CTX_free wipes the key schedule.
class ChunkCipher {
 public:
  static Result<ChunkCipher> Make(const Derived& d, bool encrypt) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
    if (!ctx) {
      return Fail(ErrorCode::kInternal, "EVP_CIPHER_CTX_new failed");
    }
    const int ok = encrypt ? EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                                d.chunk_key().data(), nullptr)
                           : EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                                d.chunk_key().data(), nullptr);
    if (ok != 1) {
      return Fail(ErrorCode::kInternal, "AES-256-GCM init failed");
    }
    ChunkCipher c;
    c.ctx_ = std::move(ctx);
    std::copy(d.base_nonce().begin(), d.base_nonce().end(), c.base_nonce_.begin());
    return c;
  }

  // Seals `in` (at most kChunkSize bytes) as chunk k into `out` (in.size() + 16 bytes).
  bool Seal(std::uint64_t k, std::span<const std::uint8_t> in, std::uint8_t* out) {
    const auto nonce = Nonce(k);
    int len = 0;
    int fin = 0;
    if (EVP_EncryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nonce.data()) != 1 ||
        EVP_EncryptUpdate(ctx_.get(), out, &len, in.data(), static_cast<int>(in.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx_.get(), out + len, &fin) != 1 ||
        static_cast<std::size_t>(len + fin) != in.size() ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, kChunkTagSize, out + in.size()) !=
            1) {
      return false;
    }
    return true;
  }

  // Opens sealed chunk k (16..16400 bytes) into `out`; false if the tag does not verify.
  // On false, `out` holds no plaintext (it is wiped).
  bool Open(std::uint64_t k, std::span<const std::uint8_t> in, std::uint8_t* out) {
    if (in.size() < kChunkTagSize) {
      return false;
    }
    const std::size_t n = in.size() - kChunkTagSize;
    const auto nonce = Nonce(k);
    std::array<std::uint8_t, kChunkTagSize> tag{};
    std::memcpy(tag.data(), in.data() + n, kChunkTagSize);
    int len = 0;
    int fin = 0;
    const bool ok =
        EVP_DecryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nonce.data()) == 1 &&
        EVP_DecryptUpdate(ctx_.get(), out, &len, in.data(), static_cast<int>(n)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kChunkTagSize, tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx_.get(), out + len, &fin) == 1 &&
        static_cast<std::size_t>(len + fin) == n;
    if (!ok) {
      SecureZero(out, n);
    }
    return ok;
  }

  // Opening a chunk whose bytes arrive in pieces: Begin(k), then Update with the
  // ciphertext in order (it writes as many plaintext bytes to `out`, not yet verified),
  // then Finish with the tag. Until Finish returns true the plaintext is unauthenticated:
  // the caller keeps it to itself and wipes it on failure.
  bool Begin(std::uint64_t k) {
    const auto nonce = Nonce(k);
    return EVP_DecryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nonce.data()) == 1;
  }
  bool Update(std::span<const std::uint8_t> in, std::uint8_t* out) {
    int len = 0;
    return in.empty() ||
           (EVP_DecryptUpdate(ctx_.get(), out, &len, in.data(), static_cast<int>(in.size())) == 1 &&
            static_cast<std::size_t>(len) == in.size());
  }
  bool Finish(std::span<const std::uint8_t, kChunkTagSize> tag, std::uint8_t* out) {
    std::array<std::uint8_t, kChunkTagSize> copy{};
    std::copy(tag.begin(), tag.end(), copy.begin());
    int fin = 0;
    return EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kChunkTagSize, copy.data()) == 1 &&
           EVP_DecryptFinal_ex(ctx_.get(), out, &fin) == 1 && fin == 0;
  }

 private:
  ChunkCipher() = default;

  std::array<std::uint8_t, kNonceSize> Nonce(std::uint64_t k) const {
    auto nonce = base_nonce_;
    for (std::size_t i = 0; i < 8; ++i) {
      nonce[kNonceSize - 1 - i] ^= static_cast<std::uint8_t>(k >> (8 * i));
    }
    return nonce;
  }

  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx_;
  std::array<std::uint8_t, kNonceSize> base_nonce_{};
};

// Derives the keys for the header's salt into `d` and checks its commitment in constant
// time.
Status DeriveChecked(std::span<const std::uint8_t> key, std::string_view context,
                     std::span<const std::uint8_t> header, Derived& d) {
  if (auto st = Derive(key, header.first(kChunkedSaltSize), context, d); !st) {
    return st;
  }
  if (CRYPTO_memcmp(d.commitment().data(), header.data() + kChunkedSaltSize,
                    kChunkedCommitmentSize) != 0) {
    return DecryptionFailed("commitment mismatch (wrong key, wrong context or modified header)");
  }
  return {};
}

// The decrypting cipher of a header whose commitment checks out.
Result<ChunkCipher> OpenHeader(std::span<const std::uint8_t> key, std::string_view context,
                               std::span<const std::uint8_t> header) {
  Derived d;
  if (auto st = DeriveChecked(key, context, header, d); !st) {
    return std::unexpected(st.error());
  }
  return ChunkCipher::Make(d, false);
}

// Reads and checks the header of a stored ciphertext of `size` bytes.
Result<ChunkCipher> ReadHeader(std::span<const std::uint8_t> key, std::string_view context,
                               std::uint64_t size, const ReadAtFn& read_at) {
  if (size < kChunkedHeaderSize) {
    return DecryptionFailed("truncated header");
  }
  std::array<std::uint8_t, kChunkedHeaderSize> header{};
  if (auto st = read_at(0, header); !st) {
    return std::unexpected(st.error());
  }
  return OpenHeader(key, context, header);
}

// A heap buffer that is wiped before it is freed (it holds plaintext).
class WipedBuffer {
 public:
  explicit WipedBuffer(std::size_t n) : bytes_(n) {}
  ~WipedBuffer() { SecureZero(bytes_.data(), bytes_.size()); }
  WipedBuffer(const WipedBuffer&) = delete;
  WipedBuffer& operator=(const WipedBuffer&) = delete;
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t capacity() const { return bytes_.size(); }

 private:
  std::vector<std::uint8_t> bytes_;
};

std::span<const std::uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::string RecordingContext(store::TenantId tenant, std::string_view recording_id) {
  std::string ctx("alcove/recording/v1");
  ctx.push_back('\0');
  ctx += std::to_string(tenant);
  ctx.push_back('\0');
  ctx += recording_id;
  return ctx;
}

std::uint64_t ChunkedCiphertextSize(std::uint64_t plaintext_size) {
  const std::uint64_t chunks = plaintext_size / kChunkSize + 1;
  return kChunkedHeaderSize + plaintext_size + chunks * kChunkTagSize;
}

// ---------------------------------------------------------------------------------------
// Encryptor

struct ChunkedEncryptor::State {
  ChunkCipher cipher;
  ByteSink sink;
  WipedBuffer plain{kChunkSize};
  std::vector<std::uint8_t> sealed = std::vector<std::uint8_t>(kSealedChunkSize);
  std::size_t buffered = 0;
  std::uint64_t next_chunk = 0;
  std::uint64_t total = 0;
  bool finished = false;
  std::optional<Error> failure;

  Status Fail(Error e) {
    failure = e;
    SecureZero(plain.data(), plain.capacity());
    return std::unexpected(std::move(e));
  }

  // Seals chunk `next_chunk` from `in` and hands it to the sink.
  Status Emit(std::span<const std::uint8_t> in, bool final_chunk) {
    // A full chunk must leave room for the final chunk after it.
    const std::uint64_t limit = final_chunk ? kMaxChunks : kMaxChunks - 1;
    if (next_chunk >= limit) {
      return Fail(Error::Make(ErrorCode::kResourceExhausted,
                              "chunked encryption: message longer than 2^38 chunks",
                              "the file is too large"));
    }
    if (!cipher.Seal(next_chunk, in, sealed.data())) {
      return Fail(Error::Make(ErrorCode::kInternal, "AES-256-GCM seal failed"));
    }
    ++next_chunk;
    if (auto st = sink(std::span(sealed).first(in.size() + kChunkTagSize)); !st) {
      return Fail(st.error());
    }
    return {};
  }
};

ChunkedEncryptor::ChunkedEncryptor(std::unique_ptr<State> state) : state_(std::move(state)) {}
ChunkedEncryptor::~ChunkedEncryptor() = default;

Result<std::unique_ptr<ChunkedEncryptor>> ChunkedEncryptor::CreateWithSaltForTest(
    std::span<const std::uint8_t> key, std::string_view context, std::span<const std::uint8_t> salt,
    ByteSink sink) {
  if (auto st = CheckKeyAndContext(key, context); !st) {
    return std::unexpected(st.error());
  }
  if (salt.size() != kChunkedSaltSize) {
    return Fail(ErrorCode::kInvalidArgument, "chunked encryption salt must be 24 bytes");
  }
  if (!sink) {
    return Fail(ErrorCode::kInvalidArgument, "chunked encryption needs a sink");
  }
  Derived d;
  if (auto st = Derive(key, salt, context, d); !st) {
    return std::unexpected(st.error());
  }
  auto cipher = ChunkCipher::Make(d, true);
  if (!cipher) {
    return std::unexpected(cipher.error());
  }
  std::array<std::uint8_t, kChunkedHeaderSize> header{};
  std::copy(salt.begin(), salt.end(), header.begin());
  std::copy(d.commitment().begin(), d.commitment().end(), header.begin() + kChunkedSaltSize);
  if (auto st = sink(header); !st) {
    return std::unexpected(st.error());
  }
  auto state = std::unique_ptr<State>(new State{std::move(*cipher), std::move(sink)});
  return std::unique_ptr<ChunkedEncryptor>(new ChunkedEncryptor(std::move(state)));
}

Result<std::unique_ptr<ChunkedEncryptor>> ChunkedEncryptor::Resume(
    std::span<const std::uint8_t> key, std::string_view context,
    std::span<const std::uint8_t> header, std::uint64_t next_chunk, ByteSink sink) {
  if (auto st = CheckKeyAndContext(key, context); !st) {
    return std::unexpected(st.error());
  }
  if (header.size() != kChunkedHeaderSize) {
    return DecryptionFailed("truncated header");
  }
  if (!sink) {
    return Fail(ErrorCode::kInvalidArgument, "chunked encryption needs a sink");
  }
  if (next_chunk >= kMaxChunks) {
    return DecryptionFailed("more than 2^38 chunks");
  }
  Derived d;
  if (auto st = DeriveChecked(key, context, header, d); !st) {
    return std::unexpected(st.error());
  }
  auto cipher = ChunkCipher::Make(d, true);
  if (!cipher) {
    return std::unexpected(cipher.error());
  }
  auto state = std::unique_ptr<State>(new State{std::move(*cipher), std::move(sink)});
  state->next_chunk = next_chunk;
  state->total = next_chunk * kChunkSize;
  return std::unique_ptr<ChunkedEncryptor>(new ChunkedEncryptor(std::move(state)));
}

Result<std::uint64_t> CountWholeChunks(std::span<const std::uint8_t> key,
                                       std::string_view context, std::uint64_t stored_size,
                                       const ReadAtFn& read_at) {
  if (auto st = CheckKeyAndContext(key, context); !st) {
    return std::unexpected(st.error());
  }
  auto cipher = ReadHeader(key, context, stored_size, read_at);
  if (!cipher) {
    return std::unexpected(cipher.error());
  }
  WipedBuffer plain(kChunkSize);
  std::vector<std::uint8_t> sealed(kSealedChunkSize);
  for (std::uint64_t k = (stored_size - kChunkedHeaderSize) / kSealedChunkSize; k > 0; --k) {
    if (auto st = read_at(kChunkedHeaderSize + (k - 1) * kSealedChunkSize, sealed); !st) {
      return std::unexpected(st.error());
    }
    if (cipher->Open(k - 1, sealed, plain.data())) {
      return k;
    }
  }
  return 0;
}

Result<std::unique_ptr<ChunkedEncryptor>> ChunkedEncryptor::Create(
    std::span<const std::uint8_t> key, std::string_view context, ByteSink sink) {
  std::array<std::uint8_t, kChunkedSaltSize> salt{};
  RandomBytes(salt);
  return CreateWithSaltForTest(key, context, salt, std::move(sink));
}

Status ChunkedEncryptor::Write(std::span<const std::uint8_t> plaintext) {
  State& s = *state_;
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  if (s.finished) {
    return Fail(ErrorCode::kFailedPrecondition, "chunked encryption: Write after Finish");
  }
  while (!plaintext.empty()) {
    // A full chunk is never the last one, so it can go out as soon as it is complete.
    if (s.buffered == 0 && plaintext.size() >= kChunkSize) {
      if (auto st = s.Emit(plaintext.first(kChunkSize), false); !st) {
        return st;
      }
      plaintext = plaintext.subspan(kChunkSize);
      s.total += kChunkSize;
      continue;
    }
    const std::size_t take = std::min(kChunkSize - s.buffered, plaintext.size());
    std::memcpy(s.plain.data() + s.buffered, plaintext.data(), take);
    s.buffered += take;
    s.total += take;
    plaintext = plaintext.subspan(take);
    if (s.buffered == kChunkSize) {
      if (auto st = s.Emit(std::span<const std::uint8_t>(s.plain.data(), kChunkSize), false); !st) {
        return st;
      }
      s.buffered = 0;
    }
  }
  return {};
}

Status ChunkedEncryptor::Write(std::string_view plaintext) { return Write(AsSpan(plaintext)); }

Status ChunkedEncryptor::Finish() {
  State& s = *state_;
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  if (s.finished) {
    return Fail(ErrorCode::kFailedPrecondition, "chunked encryption: Finish called twice");
  }
  if (auto st = s.Emit(std::span<const std::uint8_t>(s.plain.data(), s.buffered), true); !st) {
    return st;
  }
  SecureZero(s.plain.data(), s.buffered);
  s.buffered = 0;
  s.finished = true;
  return {};
}

Status ChunkedEncryptor::DropBuffered() {
  State& s = *state_;
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  if (s.finished) {
    return Fail(ErrorCode::kFailedPrecondition, "chunked encryption: already finished");
  }
  SecureZero(s.plain.data(), s.plain.capacity());
  s.buffered = 0;
  s.total = s.next_chunk * kChunkSize;
  return {};
}

std::size_t ChunkedEncryptor::buffered_size() const { return state_->buffered; }
std::uint64_t ChunkedEncryptor::plaintext_size() const { return state_->total; }

// ---------------------------------------------------------------------------------------
// Streaming decryptor

struct ChunkedDecryptor::State {
  std::vector<std::uint8_t> key;  // wiped once the header is checked
  std::string context;
  ByteSink sink;
  std::optional<ChunkCipher> cipher;
  std::array<std::uint8_t, kChunkedHeaderSize> header{};
  std::size_t header_have = 0;
  // A chunk that arrives over several Writes is decrypted as its bytes come in, not
  // gathered first: `received` bytes of it are in, of which the last min(16, received)
  // wait in `tail` (they are the tag if the stream ends there) and the others have gone
  // through the cipher into `plain` (unverified until the tag is checked).
  std::size_t received = 0;
  std::array<std::uint8_t, kChunkTagSize> tail{};
  std::size_t tail_size = 0;
  WipedBuffer plain{kChunkSize};
  std::uint64_t next_chunk = 0;
  std::uint64_t total = 0;
  bool finished = false;
  std::optional<Error> failure;

  ~State() { SecureZero(key.data(), key.size()); }

  Status Fail(Error e) {
    failure = e;
    SecureZero(key.data(), key.size());
    SecureZero(plain.data(), plain.capacity());
    return std::unexpected(std::move(e));
  }

  // Opens chunk `next_chunk` and hands its plaintext to the sink.
  Status OpenChunk(std::span<const std::uint8_t> in) {
    if (next_chunk >= kMaxChunks) {
      return Fail(DecryptionFailed("more than 2^38 chunks").error());
    }
    if (!cipher->Open(next_chunk, in, plain.data())) {
      return Fail(DecryptionFailed("chunk " + std::to_string(next_chunk) + " failed authentication")
                      .error());
    }
    return Deliver(in.size() - kChunkTagSize);
  }

  // Hands the `n` verified plaintext bytes of chunk `next_chunk` to the sink.
  Status Deliver(std::size_t n) {
    ++next_chunk;
    total += n;
    auto st = sink(std::span<const std::uint8_t>(plain.data(), n));
    SecureZero(plain.data(), n);
    if (!st) {
      return Fail(st.error());
    }
    return {};
  }

  // Takes `in`, the next bytes of the current chunk (received + in.size() <= 16400):
  // decrypts all but the last 16 bytes received so far, keeps those in `tail`.
  Status Absorb(std::span<const std::uint8_t> in) {
    if (received == 0) {
      if (next_chunk >= kMaxChunks) {
        return Fail(DecryptionFailed("more than 2^38 chunks").error());
      }
      if (!cipher->Begin(next_chunk)) {
        return Fail(Error::Make(ErrorCode::kInternal, "AES-256-GCM init failed"));
      }
    }
    const std::size_t have = tail_size + in.size();
    const std::size_t keep = std::min(have, kChunkTagSize);
    const std::size_t from_tail = std::min(tail_size, have - keep);
    const std::size_t from_in = have - keep - from_tail;
    const std::size_t decrypted = received - tail_size;  // plaintext bytes written so far
    if (!cipher->Update(std::span(tail).first(from_tail), plain.data() + decrypted) ||
        !cipher->Update(in.first(from_in), plain.data() + decrypted + from_tail)) {
      return Fail(Error::Make(ErrorCode::kInternal, "AES-256-GCM decryption failed"));
    }
    std::memmove(tail.data(), tail.data() + from_tail, tail_size - from_tail);
    tail_size -= from_tail;
    std::memcpy(tail.data() + tail_size, in.data() + from_in, in.size() - from_in);
    tail_size += in.size() - from_in;
    received += in.size();
    return {};
  }

  // Ends the current chunk: `tail` is its tag. Delivers the plaintext if it verifies.
  Status FinishChunk() {
    const std::size_t n = received - kChunkTagSize;
    if (!cipher->Finish(std::span(tail).first<kChunkTagSize>(), plain.data() + n)) {
      return Fail(DecryptionFailed("chunk " + std::to_string(next_chunk) + " failed authentication")
                      .error());
    }
    received = 0;
    tail_size = 0;
    return Deliver(n);
  }
};

ChunkedDecryptor::ChunkedDecryptor(std::unique_ptr<State> state) : state_(std::move(state)) {}
ChunkedDecryptor::~ChunkedDecryptor() = default;

Result<std::unique_ptr<ChunkedDecryptor>> ChunkedDecryptor::Create(
    std::span<const std::uint8_t> key, std::string_view context, ByteSink sink) {
  if (auto st = CheckKeyAndContext(key, context); !st) {
    return std::unexpected(st.error());
  }
  if (!sink) {
    return Fail(ErrorCode::kInvalidArgument, "chunked decryption needs a sink");
  }
  auto state = std::make_unique<State>();
  state->key.assign(key.begin(), key.end());
  state->context.assign(context);
  state->sink = std::move(sink);
  return std::unique_ptr<ChunkedDecryptor>(new ChunkedDecryptor(std::move(state)));
}

Status ChunkedDecryptor::Write(std::span<const std::uint8_t> ciphertext) {
  State& s = *state_;
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  if (s.finished) {
    return Fail(ErrorCode::kFailedPrecondition, "chunked decryption: Write after Finish");
  }
  if (!s.cipher) {
    const std::size_t take = std::min(kChunkedHeaderSize - s.header_have, ciphertext.size());
    std::memcpy(s.header.data() + s.header_have, ciphertext.data(), take);
    s.header_have += take;
    ciphertext = ciphertext.subspan(take);
    if (s.header_have < kChunkedHeaderSize) {
      return {};
    }
    auto cipher = OpenHeader(s.key, s.context, s.header);
    SecureZero(s.key.data(), s.key.size());
    s.key.clear();
    if (!cipher) {
      return s.Fail(cipher.error());
    }
    s.cipher.emplace(std::move(*cipher));
  }
  while (!ciphertext.empty()) {
    // A sealed chunk of full size is never the final one: open it at once.
    if (s.received == 0 && ciphertext.size() >= kSealedChunkSize) {
      if (auto st = s.OpenChunk(ciphertext.first(kSealedChunkSize)); !st) {
        return st;
      }
      ciphertext = ciphertext.subspan(kSealedChunkSize);
      continue;
    }
    const std::size_t take = std::min(kSealedChunkSize - s.received, ciphertext.size());
    if (auto st = s.Absorb(ciphertext.first(take)); !st) {
      return st;
    }
    ciphertext = ciphertext.subspan(take);
    if (s.received == kSealedChunkSize) {
      if (auto st = s.FinishChunk(); !st) {
        return st;
      }
    }
  }
  return {};
}

Status ChunkedDecryptor::Finish() {
  State& s = *state_;
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  if (s.finished) {
    return Fail(ErrorCode::kFailedPrecondition, "chunked decryption: Finish called twice");
  }
  if (!s.cipher) {
    return s.Fail(DecryptionFailed("truncated header").error());
  }
  // What was received of the current chunk is the final chunk; it must at least hold a
  // tag. Nothing received means the stream stopped after a full chunk: the short final
  // chunk is missing.
  if (s.received < kChunkTagSize) {
    return s.Fail(DecryptionFailed("truncated (no short final chunk)").error());
  }
  if (auto st = s.FinishChunk(); !st) {
    return st;
  }
  s.finished = true;
  return {};
}

std::size_t ChunkedDecryptor::buffered_size() const {
  return state_->cipher ? state_->received : state_->header_have;
}
std::uint64_t ChunkedDecryptor::plaintext_size() const { return state_->total; }

// ---------------------------------------------------------------------------------------
// Random-access reader

struct ChunkedReader::State {
  ChunkCipher cipher;
  ReadAtFn read_at;
  std::uint64_t full_chunks = 0;  // chunks before the final one
  std::size_t final_sealed = 0;   // sealed size of the final chunk (16..16399)
  std::uint64_t plaintext_size = 0;
  std::vector<std::uint8_t> sealed = std::vector<std::uint8_t>(kSealedChunkSize);
  WipedBuffer plain{kChunkSize};
  std::optional<std::uint64_t> cached;  // index of the chunk in `plain`
  std::size_t cached_size = 0;
  std::optional<Error> failure;

  Status Fail(Error e) {
    failure = e;
    cached.reset();
    SecureZero(plain.data(), plain.capacity());
    return std::unexpected(std::move(e));
  }

  Status Load(std::uint64_t k) {
    if (cached == k) {
      return {};
    }
    cached.reset();
    const std::size_t n = k == full_chunks ? final_sealed : kSealedChunkSize;
    const std::uint64_t offset = kChunkedHeaderSize + k * kSealedChunkSize;
    if (auto st = read_at(offset, std::span(sealed).first(n)); !st) {
      return Fail(st.error());
    }
    if (!cipher.Open(k, std::span(sealed).first(n), plain.data())) {
      return Fail(
          DecryptionFailed("chunk " + std::to_string(k) + " failed authentication").error());
    }
    cached = k;
    cached_size = n - kChunkTagSize;
    return {};
  }
};

ChunkedReader::ChunkedReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
ChunkedReader::~ChunkedReader() = default;

Result<std::unique_ptr<ChunkedReader>> ChunkedReader::Open(std::span<const std::uint8_t> key,
                                                           std::string_view context,
                                                           std::uint64_t ciphertext_size,
                                                           ReadAtFn read_at) {
  if (auto st = CheckKeyAndContext(key, context); !st) {
    return std::unexpected(st.error());
  }
  if (!read_at) {
    return Fail(ErrorCode::kInvalidArgument, "chunked reader needs a source");
  }
  auto cipher = ReadHeader(key, context, ciphertext_size, read_at);
  if (!cipher) {
    return std::unexpected(cipher.error());
  }
  const std::uint64_t body = ciphertext_size - kChunkedHeaderSize;
  const std::uint64_t full = body / kSealedChunkSize;
  const std::uint64_t rest = body % kSealedChunkSize;
  if (rest < kChunkTagSize) {
    return DecryptionFailed("truncated (no short final chunk)");
  }
  if (full >= kMaxChunks) {
    return DecryptionFailed("more than 2^38 chunks");
  }
  auto state = std::unique_ptr<State>(new State{std::move(*cipher), std::move(read_at)});
  state->full_chunks = full;
  state->final_sealed = static_cast<std::size_t>(rest);
  state->plaintext_size = full * kChunkSize + (rest - kChunkTagSize);
  // Authenticate the length: the short final chunk must open at the index the size implies.
  if (auto st = state->Load(full); !st) {
    return std::unexpected(st.error());
  }
  return std::unique_ptr<ChunkedReader>(new ChunkedReader(std::move(state)));
}

std::uint64_t ChunkedReader::plaintext_size() const { return state_->plaintext_size; }

Result<std::size_t> ChunkedReader::ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) {
  State& s = *state_;
  if (s.failure) {
    return std::unexpected(*s.failure);
  }
  if (offset >= s.plaintext_size) {
    return 0;
  }
  const std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), s.plaintext_size - offset));
  std::size_t done = 0;
  while (done < want) {
    const std::uint64_t pos = offset + done;
    const std::uint64_t k = pos / kChunkSize;
    const std::size_t in_chunk = static_cast<std::size_t>(pos % kChunkSize);
    if (auto st = s.Load(k); !st) {
      return std::unexpected(st.error());
    }
    const std::size_t n = std::min(want - done, s.cached_size - in_chunk);
    std::memcpy(out.data() + done, s.plain.data() + in_chunk, n);
    done += n;
  }
  return done;
}

ByteSink SinkTo(store::BlobWriter& writer) {
  return [&writer](std::span<const std::uint8_t> bytes) { return writer.Append(bytes); };
}

ReadAtFn ReadAtFrom(const store::BlobReader& reader) {
  return [&reader](std::uint64_t offset, std::span<std::uint8_t> out) -> Status {
    auto bytes = reader.Read(offset, out.size());
    if (!bytes) {
      return std::unexpected(bytes.error());
    }
    if (bytes->size() != out.size()) {
      return Fail(ErrorCode::kInternal, "blob shorter than its recorded size");
    }
    std::memcpy(out.data(), bytes->data(), out.size());
    return {};
  };
}

namespace test_hooks {
bool ChunkedDerivationMatches(std::span<const std::uint8_t> key, std::string_view context,
                              std::span<const std::uint8_t> salt,
                              std::span<const std::uint8_t> chunk_key,
                              std::span<const std::uint8_t> base_nonce) {
  if (!CheckKeyAndContext(key, context) || salt.size() != kChunkedSaltSize) {
    return false;
  }
  Derived d;
  if (!Derive(key, salt, context, d)) {
    return false;
  }
  return ConstantTimeEquals(d.chunk_key(), chunk_key) &&
         ConstantTimeEquals(d.base_nonce(), base_nonce);
}
}  // namespace test_hooks

}  // namespace alcove::crypto
