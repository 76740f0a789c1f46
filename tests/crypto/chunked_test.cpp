#include "crypto/chunked.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "crypto/sha.hpp"
#include "store/blob_store.hpp"
#include "store/ids.hpp"
#include "support/temp_dir.hpp"

namespace alcove::crypto {
namespace {

using Bytes = std::vector<std::uint8_t>;

const std::filesystem::path kVectorFile = std::filesystem::path(ALCOVE_TESTVECTORS_DIR) /
                                          "wycheproof" /
                                          "c2sp_chunked_encryption_aes_256_gcm_test.json";

Bytes Hex(std::string_view s) {
  auto b = HexDecode(s);
  EXPECT_TRUE(b) << "bad hex in vector";
  return b ? *b : Bytes{};
}

Bytes Inflate(const Bytes& compressed) {
  z_stream zs{};
  EXPECT_EQ(inflateInit(&zs), Z_OK);
  zs.next_in = const_cast<Bytes::value_type*>(compressed.data());
  zs.avail_in = static_cast<uInt>(compressed.size());
  Bytes out;
  std::array<std::uint8_t, 65536> buf{};
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = buf.data();
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      ADD_FAILURE() << "zlib inflate failed: " << rc;
      break;
    }
    out.insert(out.end(), buf.data(), buf.data() + (buf.size() - zs.avail_out));
  }
  inflateEnd(&zs);
  return out;
}

std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }

Bytes RandomData(std::size_t n, std::mt19937_64& rng) {
  Bytes b(n);
  for (auto& x : b) {
    x = static_cast<std::uint8_t>(rng());
  }
  return b;
}

Bytes TestKey(std::uint8_t seed) {
  Bytes k(32);
  for (std::size_t i = 0; i < k.size(); ++i) {
    k[i] = static_cast<std::uint8_t>(seed + i * 7);
  }
  return k;
}

// Feeds `data` to `write` in pieces of random size (1 .. max_piece).
template <typename WriteFn>
bool FeedInPieces(const Bytes& data, std::mt19937_64& rng, std::size_t max_piece, WriteFn write) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t n = std::min<std::size_t>(data.size() - pos, 1 + rng() % max_piece);
    if (!write(std::span<const std::uint8_t>(data.data() + pos, n))) {
      return false;
    }
    pos += n;
  }
  return true;
}

Bytes Encrypt(const Bytes& key, std::string_view ctx, const Bytes& msg) {
  Bytes out;
  auto enc = ChunkedEncryptor::Create(key, ctx, [&](std::span<const std::uint8_t> b) -> Status {
    out.insert(out.end(), b.begin(), b.end());
    return {};
  });
  EXPECT_TRUE(enc);
  EXPECT_TRUE((*enc)->Write(msg));
  EXPECT_TRUE((*enc)->Finish());
  return out;
}

struct DecryptOutcome {
  bool ok = false;
  Bytes plaintext;  // whatever the sink received (a verified prefix on failure)
};

DecryptOutcome DecryptStream(const Bytes& key, std::string_view ctx, const Bytes& ct,
                             std::size_t piece = 0, std::uint64_t seed = 1) {
  DecryptOutcome r;
  auto dec = ChunkedDecryptor::Create(key, ctx, [&](std::span<const std::uint8_t> b) -> Status {
    r.plaintext.insert(r.plaintext.end(), b.begin(), b.end());
    return {};
  });
  if (!dec) {
    return r;
  }
  bool ok = true;
  if (piece == 0) {
    ok = static_cast<bool>((*dec)->Write(ct));
  } else {
    std::mt19937_64 rng(seed);
    ok = FeedInPieces(ct, rng, piece, [&](std::span<const std::uint8_t> p) {
      EXPECT_LE((*dec)->buffered_size(), kSealedChunkSize);
      return static_cast<bool>((*dec)->Write(p));
    });
  }
  ok = ok && (*dec)->Finish();
  if (!ok) {
    // After an error it keeps failing.
    EXPECT_FALSE((*dec)->Write(ct));
    EXPECT_FALSE((*dec)->Finish());
  }
  r.ok = ok;
  return r;
}

ReadAtFn ReadFrom(const Bytes& ct) {
  return [&ct](std::uint64_t offset, std::span<std::uint8_t> out) -> Status {
    if (offset > ct.size() || out.size() > ct.size() - offset) {
      return Fail(ErrorCode::kInvalidArgument, "read past end");
    }
    std::memcpy(out.data(), ct.data() + offset, out.size());
    return {};
  };
}

// Reads the whole plaintext through the random-access reader.
DecryptOutcome DecryptRandomAccess(const Bytes& key, std::string_view ctx, const Bytes& ct,
                                   bool* opened = nullptr) {
  DecryptOutcome r;
  auto reader = ChunkedReader::Open(key, ctx, ct.size(), ReadFrom(ct));
  if (opened != nullptr) {
    *opened = static_cast<bool>(reader);
  }
  if (!reader) {
    return r;
  }
  Bytes buf(10000);
  std::uint64_t off = 0;
  while (true) {
    auto n = (*reader)->ReadAt(off, buf);
    if (!n) {
      EXPECT_FALSE((*reader)->ReadAt(0, buf));  // keeps failing
      return r;
    }
    if (*n == 0) {
      break;
    }
    r.plaintext.insert(r.plaintext.end(), buf.begin(), buf.begin() + *n);
    off += *n;
  }
  r.ok = off == (*reader)->plaintext_size();
  return r;
}

bool HasFlag(const boost::json::object& t, std::string_view flag) {
  for (const auto& f : t.at("flags").as_array()) {
    if (f.as_string() == flag) {
      return true;
    }
  }
  return false;
}

// Every vector of the C2SP/Wycheproof Cobblestone-256 file: valid ones decrypt to the
// stated length and SHA-512 (and re-encrypt to the same bytes under the same salt);
// invalid ones fail in the streaming decryptor and in the random-access reader; a
// PartialPlaintext vector yields at most the stated verified prefix; a HeaderFailure
// vector fails before any chunk is decrypted.
// claim: C03
TEST(ChunkedEncryption, PassesEveryWycheproofC2spVector) {
  std::ifstream in(kVectorFile);
  ASSERT_TRUE(in) << "missing test vector file " << kVectorFile;
  std::stringstream ss;
  ss << in.rdbuf();
  const auto doc = boost::json::parse(ss.str()).as_object();
  ASSERT_EQ(doc.at("algorithm").as_string(), "Cobblestone-256");
  int run = 0;
  int valid = 0;
  for (const auto& group_value : doc.at("testGroups").as_array()) {
    const auto& group = group_value.as_object();
    ASSERT_EQ(group.at("aead").as_string(), "AEAD_AES_256_GCM");
    ASSERT_EQ(group.at("sha").as_string(), "SHA-512");
    for (const auto& tv : group.at("tests").as_array()) {
      const auto& t = tv.as_object();
      const auto id = t.at("tcId").as_int64();
      SCOPED_TRACE(::testing::Message() << "tcId " << id << ": " << t.at("comment").as_string());
      const Bytes key = Hex(t.at("key").as_string());
      const std::string ctx = Str(Hex(t.at("ctx").as_string()));
      const Bytes ct = Inflate(Hex(t.at("ct").as_string()));
      const std::string result(t.at("result").as_string());
      ++run;

      if (t.contains("aeadKey") && ct.size() >= kChunkedHeaderSize) {
        EXPECT_TRUE(test_hooks::ChunkedDerivationMatches(
            key, ctx, std::span(ct).first(kChunkedSaltSize), Hex(t.at("aeadKey").as_string()),
            Hex(t.at("baseNonce").as_string())));
      }

      const auto whole = DecryptStream(key, ctx, ct);
      const auto pieces = DecryptStream(key, ctx, ct, 5000, static_cast<std::uint64_t>(id));
      bool opened = false;
      const auto random_access = DecryptRandomAccess(key, ctx, ct, &opened);

      if (result == "valid") {
        ++valid;
        const auto len = static_cast<std::size_t>(t.at("msgLength").as_int64());
        const std::string sha(t.at("msgSha512").as_string());
        for (const auto* r : {&whole, &pieces, &random_access}) {
          ASSERT_TRUE(r->ok);
          ASSERT_EQ(r->plaintext.size(), len);
          EXPECT_EQ(HexEncode(Sha512(r->plaintext)), sha);
        }
        // The writer produces exactly these bytes from the same key, context and salt.
        Bytes again;
        auto enc =
            ChunkedEncryptor::CreateWithSaltForTest(key, ctx, std::span(ct).first(kChunkedSaltSize),
                                                    [&](std::span<const std::uint8_t> b) -> Status {
                                                      again.insert(again.end(), b.begin(), b.end());
                                                      return {};
                                                    });
        ASSERT_TRUE(enc);
        ASSERT_TRUE((*enc)->Write(whole.plaintext));
        ASSERT_TRUE((*enc)->Finish());
        EXPECT_EQ(again, ct);
        EXPECT_EQ(ChunkedCiphertextSize(len), ct.size());
        continue;
      }

      ASSERT_EQ(result, "invalid");
      const bool partial = HasFlag(t, "PartialPlaintext");
      for (const auto* r : {&whole, &pieces, &random_access}) {
        EXPECT_FALSE(r->ok);
        if (partial) {
          // Only a verified prefix: at most the stated length, and its hash if complete.
          const auto len = static_cast<std::size_t>(t.at("msgLength").as_int64());
          ASSERT_LE(r->plaintext.size(), len);
          if (r->plaintext.size() == len) {
            EXPECT_EQ(HexEncode(Sha512(r->plaintext)), t.at("msgSha512").as_string());
          }
        } else {
          EXPECT_TRUE(r->plaintext.empty());
        }
      }
      // Only a vector whose final chunk is valid at its index may pass the reader's
      // length authentication in Open.
      if (!HasFlag(t, "ValidFinalChunk")) {
        EXPECT_FALSE(opened);
      }
      if (HasFlag(t, "HeaderFailure")) {
        // Rejected while reading the header: no chunk is ever looked at.
        auto dec = ChunkedDecryptor::Create(key, ctx, [](std::span<const std::uint8_t>) {
          ADD_FAILURE() << "plaintext released after a header failure";
          return Status{};
        });
        if (dec && ct.size() >= kChunkedHeaderSize) {
          EXPECT_FALSE((*dec)->Write(std::span(ct).first(kChunkedHeaderSize)));
        }
      }
    }
  }
  EXPECT_GT(run, 0);
  EXPECT_GT(valid, 0);
  EXPECT_EQ(run, doc.at("numberOfTests").as_int64());
}

// claim: C03
TEST(ChunkedEncryption, RoundTripsEdgeAndRandomSizesFedInRandomPieces) {
  std::mt19937_64 rng(42);
  const Bytes key = TestKey(1);
  const std::string ctx = RecordingContext(7, "0123456789abcdef0123456789abcdef");
  std::vector<std::size_t> sizes = {
      0,     1,     15,    16,    17,        16383,         16384,
      16385, 32767, 32768, 32769, 3 * 16384, 3 * 16384 + 1, 3 * 16384 - 1,
      100000};
  for (int i = 0; i < 8; ++i) {
    sizes.push_back(rng() % 200000);
  }
  for (const std::size_t size : sizes) {
    SCOPED_TRACE(size);
    const Bytes msg = RandomData(size, rng);
    for (const std::size_t max_piece :
         {std::size_t{1} + rng() % 7, std::size_t{4096}, std::size_t{40000}}) {
      if (max_piece < 16 && size > 40000) {
        continue;  // byte-at-a-time on big inputs only slows the test down
      }
      Bytes ct;
      auto enc = ChunkedEncryptor::Create(key, ctx, [&](std::span<const std::uint8_t> b) -> Status {
        ct.insert(ct.end(), b.begin(), b.end());
        return {};
      });
      ASSERT_TRUE(enc);
      ASSERT_TRUE(FeedInPieces(msg, rng, max_piece, [&](std::span<const std::uint8_t> p) {
        const bool ok = static_cast<bool>((*enc)->Write(p));
        // Constant memory: never more than one chunk of plaintext held.
        EXPECT_LT((*enc)->buffered_size(), kChunkSize);
        return ok;
      }));
      ASSERT_TRUE((*enc)->Finish());
      EXPECT_EQ((*enc)->buffered_size(), 0u);
      EXPECT_EQ((*enc)->plaintext_size(), size);
      ASSERT_EQ(ct.size(), ChunkedCiphertextSize(size));

      const auto streamed = DecryptStream(key, ctx, ct, max_piece, size);
      ASSERT_TRUE(streamed.ok);
      EXPECT_EQ(streamed.plaintext, msg);
      const auto random_access = DecryptRandomAccess(key, ctx, ct);
      ASSERT_TRUE(random_access.ok);
      EXPECT_EQ(random_access.plaintext, msg);
    }
  }
}

TEST(ChunkedEncryption, EncryptorWritesFullChunksAsSoonAsTheyAreComplete) {
  const Bytes key = TestKey(2);
  std::size_t emitted = 0;
  auto enc = ChunkedEncryptor::Create(key, "", [&](std::span<const std::uint8_t> b) -> Status {
    emitted += b.size();
    return {};
  });
  ASSERT_TRUE(enc);
  EXPECT_EQ(emitted, kChunkedHeaderSize);  // the header goes out at once
  const Bytes piece(kChunkSize - 1, 0xab);
  ASSERT_TRUE((*enc)->Write(piece));
  EXPECT_EQ(emitted, kChunkedHeaderSize);
  EXPECT_EQ((*enc)->buffered_size(), kChunkSize - 1);
  ASSERT_TRUE((*enc)->Write(Bytes(1, 0xcd)));
  EXPECT_EQ(emitted, kChunkedHeaderSize + kSealedChunkSize);
  EXPECT_EQ((*enc)->buffered_size(), 0u);
  ASSERT_TRUE((*enc)->Finish());
  EXPECT_EQ(emitted, kChunkedHeaderSize + kSealedChunkSize + kChunkTagSize);
  EXPECT_FALSE((*enc)->Write(piece));  // nothing after Finish
  EXPECT_FALSE((*enc)->Finish());
}

TEST(ChunkedEncryption, ReaderSeeksToArbitraryOffsets) {
  std::mt19937_64 rng(7);
  const Bytes key = TestKey(3);
  const Bytes msg = RandomData(5 * kChunkSize + 1234, rng);
  const Bytes ct = Encrypt(key, "ctx", msg);
  int chunk_reads = 0;
  auto counting = [&ct, &chunk_reads](std::uint64_t offset, std::span<std::uint8_t> out) {
    ++chunk_reads;
    return ReadFrom(ct)(offset, out);
  };
  auto reader = ChunkedReader::Open(key, "ctx", ct.size(), counting);
  ASSERT_TRUE(reader);
  EXPECT_EQ((*reader)->plaintext_size(), msg.size());
  std::vector<std::uint64_t> offsets = {0,
                                        1,
                                        kChunkSize - 1,
                                        kChunkSize,
                                        kChunkSize + 1,
                                        3 * kChunkSize - 5,
                                        5 * kChunkSize,
                                        msg.size() - 1};
  for (int i = 0; i < 200; ++i) {
    offsets.push_back(rng() % msg.size());
  }
  for (const std::uint64_t off : offsets) {
    const std::size_t len = 1 + rng() % (3 * kChunkSize);
    Bytes out(len);
    auto n = (*reader)->ReadAt(off, out);
    ASSERT_TRUE(n);
    const std::size_t expect = std::min<std::size_t>(len, msg.size() - off);
    ASSERT_EQ(*n, expect);
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(expect),
                           msg.begin() + static_cast<std::ptrdiff_t>(off)))
        << "offset " << off;
  }
  Bytes out(10);
  auto at_end = (*reader)->ReadAt(msg.size(), out);
  ASSERT_TRUE(at_end);
  EXPECT_EQ(*at_end, 0u);
  // A read inside one chunk costs one chunk read (the reader does not scan from the start).
  ASSERT_TRUE((*reader)->ReadAt(0, std::span(out).first(5)));  // chunk 0 is now cached
  chunk_reads = 0;
  ASSERT_TRUE((*reader)->ReadAt(2 * kChunkSize + 10, std::span(out).first(5)));
  EXPECT_EQ(chunk_reads, 1);
}

// Every truncation — inside the header, at each chunk boundary, inside a chunk, inside a
// tag, or dropping the short final chunk — is detected by both decryption paths.
// claim: C03
TEST(ChunkedEncryption, DetectsTruncationAtEveryChunkBoundaryAndMidChunk) {
  std::mt19937_64 rng(9);
  const Bytes key = TestKey(4);
  for (const std::size_t size : {std::size_t{0}, kChunkSize, 3 * kChunkSize + 100}) {
    const Bytes msg = RandomData(size, rng);
    const Bytes ct = Encrypt(key, "", msg);
    std::vector<std::size_t> cuts = {0, 1, 23, 24, 55, kChunkedHeaderSize};
    for (std::size_t b = kChunkedHeaderSize; b < ct.size(); b += kSealedChunkSize) {
      for (const std::size_t d :
           {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17},
            kSealedChunkSize / 2, kSealedChunkSize - 16, kSealedChunkSize - 1}) {
        if (b + d < ct.size()) {
          cuts.push_back(b + d);
        }
      }
    }
    cuts.push_back(ct.size() - 1);
    for (const std::size_t cut : cuts) {
      if (cut >= ct.size()) {
        continue;
      }
      SCOPED_TRACE(::testing::Message() << "size " << size << " cut at " << cut);
      const Bytes truncated(ct.begin(), ct.begin() + static_cast<std::ptrdiff_t>(cut));
      const auto streamed = DecryptStream(key, "", truncated);
      EXPECT_FALSE(streamed.ok);
      EXPECT_LT(streamed.plaintext.size(), msg.size() + 1);
      EXPECT_FALSE(DecryptRandomAccess(key, "", truncated).ok);
    }
  }
}

Bytes Chunk(const Bytes& ct, std::size_t k) {
  const auto begin =
      ct.begin() + static_cast<std::ptrdiff_t>(kChunkedHeaderSize + k * kSealedChunkSize);
  const auto end = std::min(begin + static_cast<std::ptrdiff_t>(kSealedChunkSize), ct.end());
  return Bytes(begin, end);
}

Bytes Assemble(const Bytes& header_from, const std::vector<Bytes>& chunks) {
  Bytes out(header_from.begin(),
            header_from.begin() + static_cast<std::ptrdiff_t>(kChunkedHeaderSize));
  for (const auto& c : chunks) {
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

// claim: C03
TEST(ChunkedEncryption, DetectsReorderedDuplicatedDroppedAndSplicedChunks) {
  std::mt19937_64 rng(11);
  const Bytes key = TestKey(5);
  const Bytes msg = RandomData(3 * kChunkSize + 500, rng);
  const Bytes ct = Encrypt(key, "", msg);
  const Bytes other = Encrypt(key, "", RandomData(msg.size(), rng));  // same key, new salt
  const Bytes c0 = Chunk(ct, 0), c1 = Chunk(ct, 1), c2 = Chunk(ct, 2), c3 = Chunk(ct, 3);
  ASSERT_EQ(Assemble(ct, {c0, c1, c2, c3}), ct);
  const std::vector<std::pair<std::string, Bytes>> forgeries = {
      {"swapped 0 and 1", Assemble(ct, {c1, c0, c2, c3})},
      {"chunk 0 duplicated", Assemble(ct, {c0, c0, c2, c3})},
      {"chunk 1 dropped", Assemble(ct, {c0, c2, c3})},
      {"final chunk dropped", Assemble(ct, {c0, c1, c2})},
      {"final chunk moved up", Assemble(ct, {c0, c3})},
      {"chunk from another blob", Assemble(ct, {c0, Chunk(other, 1), c2, c3})},
      {"header from another blob", Assemble(other, {c0, c1, c2, c3})},
      {"extra chunk appended", Assemble(ct, {c0, c1, c2, c3, c3})},
  };
  for (const auto& [what, forged] : forgeries) {
    SCOPED_TRACE(what);
    EXPECT_FALSE(DecryptStream(key, "", forged).ok);
    EXPECT_FALSE(DecryptRandomAccess(key, "", forged).ok);
  }
  // One flipped bit anywhere fails.
  for (std::size_t i = 0; i < ct.size(); i += 997) {
    Bytes flipped = ct;
    flipped[i] ^= 0x01;
    EXPECT_FALSE(DecryptStream(key, "", flipped).ok) << "bit flip at " << i;
  }
}

TEST(ChunkedEncryption, WrongKeyOrContextFailsAtTheHeaderAndKeepsFailing) {
  const Bytes key = TestKey(6);
  const std::string ctx = RecordingContext(1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  const Bytes ct = Encrypt(key, ctx, Bytes(40000, 0x11));
  auto never = [](std::span<const std::uint8_t>) -> Status {
    ADD_FAILURE() << "plaintext released";
    return {};
  };
  for (const auto& [k, c] :
       {std::pair{TestKey(7), ctx},
        std::pair{key, RecordingContext(2, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")},
        std::pair{key, RecordingContext(1, "baaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")}}) {
    auto dec = ChunkedDecryptor::Create(k, c, never);
    ASSERT_TRUE(dec);
    auto st = (*dec)->Write(std::span(ct).first(kChunkedHeaderSize));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(st.error().public_message, "decryption failed");
    EXPECT_FALSE((*dec)->Write(std::span(ct).subspan(kChunkedHeaderSize)));
    EXPECT_FALSE((*dec)->Finish());
    EXPECT_FALSE(ChunkedReader::Open(k, c, ct.size(), ReadFrom(ct)));
  }
}

TEST(ChunkedEncryption, RejectsKeysThatAreNot32Bytes) {
  auto sink = [](std::span<const std::uint8_t>) -> Status { return {}; };
  EXPECT_FALSE(ChunkedEncryptor::Create(Bytes(31), "", sink));
  EXPECT_FALSE(ChunkedEncryptor::Create(Bytes(33), "", sink));
  EXPECT_FALSE(ChunkedDecryptor::Create(Bytes(16), "", sink));
  EXPECT_FALSE(
      ChunkedEncryptor::Create(Bytes(32), std::string(kMaxChunkedContextSize + 1, 'x'), sink));
}

TEST(ChunkedEncryption, SinkErrorsStopTheStreamForGood) {
  int calls = 0;
  auto enc = ChunkedEncryptor::Create(TestKey(8), "", [&](std::span<const std::uint8_t>) {
    return ++calls >= 2 ? Status(Fail(ErrorCode::kUnavailable, "disk full")) : Status{};
  });
  ASSERT_TRUE(enc);
  auto st = (*enc)->Write(Bytes(kChunkSize, 1));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE((*enc)->Write(Bytes(1, 1)));
  EXPECT_FALSE((*enc)->Finish());
}

TEST(ChunkedEncryption, SameMessageEncryptsDifferentlyEachTime) {
  const Bytes key = TestKey(9);
  const Bytes msg(100, 0x42);
  EXPECT_NE(Encrypt(key, "", msg), Encrypt(key, "", msg));
}

TEST(ChunkedEncryption, RecordingContextIsCanonical) {
  using namespace std::string_literals;
  EXPECT_EQ(RecordingContext(42, "00ff00ff00ff00ff00ff00ff00ff00ff"),
            "alcove/recording/v1\0"s
            "42\0"s
            "00ff00ff00ff00ff00ff00ff00ff00ff");
}

TEST(ChunkedEncryption, CiphertextSizeFollowsTheFormat) {
  EXPECT_EQ(ChunkedCiphertextSize(0), 56u + 16u);
  EXPECT_EQ(ChunkedCiphertextSize(16383), 56u + 16383u + 16u);
  EXPECT_EQ(ChunkedCiphertextSize(16384), 56u + 16384u + 32u);
}

// A recording streams into the file blob store and back out, range by range, with at
// most one chunk of plaintext in memory on either side; the stored bytes are ciphertext.
// claim: C03
TEST(ChunkedEncryption, StreamsIntoAndOutOfTheBlobStore) {
  alcove::testing::TempDir dir;
  auto store = store::OpenFileBlobStore(dir / "blobs");
  ASSERT_TRUE(store) << store.error().internal;
  std::mt19937_64 rng(13);
  const Bytes key = TestKey(10);
  const Bytes msg = RandomData(4 * kChunkSize + 777, rng);
  auto writer = (*store)->Create();
  ASSERT_TRUE(writer);
  const std::string id = (*writer)->id();
  const std::string ctx = RecordingContext(3, id);
  auto enc = ChunkedEncryptor::Create(key, ctx, SinkTo(**writer));
  ASSERT_TRUE(enc);
  ASSERT_TRUE(FeedInPieces(msg, rng, 5000, [&](std::span<const std::uint8_t> p) {
    const bool ok = static_cast<bool>((*enc)->Write(p));
    EXPECT_LT((*enc)->buffered_size(), kChunkSize);
    return ok;
  }));
  ASSERT_TRUE((*enc)->Finish());
  ASSERT_TRUE((*writer)->Commit());

  auto blob = (*store)->Open(id);
  ASSERT_TRUE(blob);
  ASSERT_EQ((*blob)->size(), ChunkedCiphertextSize(msg.size()));
  auto stored = (*blob)->Read(0, static_cast<std::size_t>((*blob)->size()));
  ASSERT_TRUE(stored);
  EXPECT_EQ(std::search(stored->begin(), stored->end(), msg.begin(), msg.begin() + 64),
            stored->end());

  auto reader = ChunkedReader::Open(key, ctx, (*blob)->size(), ReadAtFrom(**blob));
  ASSERT_TRUE(reader) << reader.error().internal;
  ASSERT_EQ((*reader)->plaintext_size(), msg.size());
  Bytes out(3000);
  for (const std::uint64_t off :
       {std::uint64_t{0}, std::uint64_t{kChunkSize - 100}, std::uint64_t{msg.size() - 10}}) {
    auto n = (*reader)->ReadAt(off, out);
    ASSERT_TRUE(n);
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n),
                           msg.begin() + static_cast<std::ptrdiff_t>(off)));
  }
  // Bound to its place: under another recording's context it does not open.
  EXPECT_FALSE(ChunkedReader::Open(key, RecordingContext(3, store::NewId()), (*blob)->size(),
                                   ReadAtFrom(**blob)));
}

}  // namespace
}  // namespace alcove::crypto
