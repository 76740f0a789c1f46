// The RFC 6962 tree of CRYPTO-FORMATS.md §5: reference root, the transparency-dev
// inclusion and consistency vectors, and generated proofs against the verifiers.
#include "audit/merkle.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/encoding.hpp"

namespace alcove::audit {
namespace {

std::vector<std::uint8_t> Hex(std::string_view s) { return *HexDecode(s); }

// A vector's hash. Our verifiers take 32-byte hashes, so a value of another length ("",
// "WrongLeaf", "don't care") is refused where a caller would parse it: `malformed` is set
// and the vector counts as rejected.
Hash B64Hash(const boost::json::value& v, bool* malformed = nullptr) {
  Hash h{};
  const auto bytes = Base64Decode(v.as_string().c_str());
  if (!bytes || bytes->size() != h.size()) {
    if (malformed != nullptr) {
      *malformed = true;
    } else {
      ADD_FAILURE() << "malformed hash in a proof";
    }
    return h;
  }
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// A consistency vector's root. Roots are compared as opaque values there (equal sizes need
// equal roots; "don't care" roots are ignored), so a value that is not 32 bytes stands
// for a hash no tree produces: distinct texts give distinct stand-ins.
Hash OpaqueRoot(const boost::json::value& v) {
  const auto bytes = Base64Decode(v.as_string().c_str());
  if (bytes && bytes->size() == Hash{}.size()) {
    Hash h{};
    std::copy(bytes->begin(), bytes->end(), h.begin());
    return h;
  }
  return crypto::Sha256("not a hash: " + std::string(v.as_string().c_str()));
}

std::vector<Hash> ProofOf(const boost::json::value& v, bool* malformed) {
  std::vector<Hash> out;
  if (v.is_null()) {
    return out;
  }
  for (const auto& h : v.as_array()) {
    out.push_back(B64Hash(h, malformed));
  }
  return out;
}

std::uint64_t U64(const boost::json::value& v) {
  return v.is_uint64() ? v.as_uint64() : static_cast<std::uint64_t>(v.as_int64());
}

boost::json::value ReadJson(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str());
}

std::vector<std::filesystem::path> VectorFiles(const std::string& kind) {
  const std::filesystem::path dir =
      std::filesystem::path(ALCOVE_TESTVECTORS_DIR) / "merkle" / "testdata" / kind;
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(dir)) {
    ADD_FAILURE() << "missing test vectors: " << dir;
    return out;
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The eight leaves of RFC 6962's test data.
std::vector<Hash> ReferenceLeafHashes() {
  std::vector<Hash> leaves;
  for (const char* hex : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                          "606162636465666768696a6b6c6d6e6f"}) {
    leaves.push_back(LeafHash(Hex(hex)));
  }
  return leaves;
}

SubtreeSource InMemory(const std::vector<Hash>& leaves) {
  return [&leaves](SubtreeId id) -> Result<Hash> {
    const std::uint64_t width = std::uint64_t{1} << id.level;
    const std::uint64_t begin = id.index * width;
    if (begin + width > leaves.size()) {
      return Fail(ErrorCode::kInternal, "subtree beyond the leaves");
    }
    return RootOf(std::span(leaves).subspan(begin, width));
  };
}

TEST(Merkle, EmptyTreeIsSha256OfNothing) {
  EXPECT_EQ(HexEncode(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(RootOf({}), EmptyRoot());
}

TEST(Merkle, RootOfTheEightRfc6962LeavesIsTheReferenceRoot) {
  const auto leaves = ReferenceLeafHashes();
  EXPECT_EQ(HexEncode(RootOf(leaves)),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  // The leaf hash of the empty leaf, from RFC 6962's test data.
  EXPECT_EQ(HexEncode(leaves[0]),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(Merkle, CompactRangeGivesTheRootAtEverySizeAndSerializes) {
  std::vector<Hash> leaves;
  CompactRange range;
  for (int i = 0; i < 70; ++i) {
    leaves.push_back(LeafHash(AsBytes(std::to_string(i))));
    std::vector<std::pair<SubtreeId, Hash>> completed;
    range.Append(leaves.back(), &completed);
    // Every completed subtree is the MTH of its leaves.
    for (const auto& [id, hash] : completed) {
      EXPECT_EQ(hash, *InMemory(leaves)(id));
    }
    ASSERT_EQ(range.Root(), RootOf(leaves)) << i;
    auto back = CompactRange::Deserialize(range.size(), range.Serialize());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->Root(), range.Root());
  }
  EXPECT_FALSE(CompactRange::Deserialize(5, std::vector<std::uint8_t>(32)));
  EXPECT_FALSE(CompactRange::Deserialize(1, std::vector<std::uint8_t>(31)));
}

TEST(Merkle, GeneratedInclusionProofsVerifyAndWrongOnesDoNot) {
  std::vector<Hash> leaves;
  for (int i = 0; i < 40; ++i) {
    leaves.push_back(LeafHash(AsBytes("leaf " + std::to_string(i))));
  }
  const auto source = InMemory(leaves);
  for (std::uint64_t size = 1; size <= leaves.size(); ++size) {
    const Hash root = RootOf(std::span(leaves).first(size));
    for (std::uint64_t i = 0; i < size; ++i) {
      auto proof = InclusionProof(i, size, source);
      ASSERT_TRUE(proof);
      EXPECT_TRUE(VerifyInclusion(i, size, leaves[i], *proof, root)) << i << "/" << size;
      EXPECT_FALSE(VerifyInclusion(i, size, leaves[(i + 1) % 40], *proof, root));
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % size, size, leaves[i], *proof, root));
        auto tampered = *proof;
        tampered[0][3] ^= 1;
        EXPECT_FALSE(VerifyInclusion(i, size, leaves[i], tampered, root));
      }
    }
  }
  EXPECT_FALSE(InclusionProof(3, 3, source));
}

TEST(Merkle, GeneratedConsistencyProofsVerifyAndWrongOnesDoNot) {
  std::vector<Hash> leaves;
  for (int i = 0; i < 33; ++i) {
    leaves.push_back(LeafHash(AsBytes("leaf " + std::to_string(i))));
  }
  const auto source = InMemory(leaves);
  for (std::uint64_t s2 = 1; s2 <= leaves.size(); ++s2) {
    const Hash r2 = RootOf(std::span(leaves).first(s2));
    EXPECT_FALSE(VerifyConsistency(0, s2, EmptyRoot(), r2, {}));  // nothing to prove
    for (std::uint64_t s1 = 1; s1 <= s2; ++s1) {
      const Hash r1 = RootOf(std::span(leaves).first(s1));
      auto proof = ConsistencyProof(s1, s2, source);
      ASSERT_TRUE(proof);
      EXPECT_TRUE(VerifyConsistency(s1, s2, r1, r2, *proof)) << s1 << "->" << s2;
      if (s1 > 0 && s1 < s2) {
        Hash wrong = r1;
        wrong[0] ^= 1;
        EXPECT_FALSE(VerifyConsistency(s1, s2, wrong, r2, *proof));
        EXPECT_FALSE(VerifyConsistency(s1, s2, r1, wrong, *proof));
      }
    }
  }
  EXPECT_FALSE(ConsistencyProof(5, 4, source));
}

TEST(MerkleVectors, InclusionVectorsAcceptHappyPathsAndRejectEveryWantErr) {
  int accepted = 0;
  int rejected = 0;
  for (const auto& path : VectorFiles("inclusion")) {
    const auto v = ReadJson(path).as_object();
    bool malformed = false;
    const Hash leaf = B64Hash(v.at("leafHash"), &malformed);
    const Hash root = B64Hash(v.at("root"), &malformed);
    const bool ok = !malformed && VerifyInclusion(U64(v.at("leafIdx")), U64(v.at("treeSize")), leaf,
                                                  ProofOf(v.at("proof"), &malformed), root);
    if (v.at("wantErr").as_bool()) {
      EXPECT_FALSE(ok) << path;
      ++rejected;
    } else {
      EXPECT_TRUE(ok) << path;
      ++accepted;
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}

TEST(MerkleVectors, ConsistencyVectorsAcceptHappyPathsAndRejectEveryWantErr) {
  int accepted = 0;
  int rejected = 0;
  for (const auto& path : VectorFiles("consistency")) {
    const auto v = ReadJson(path).as_object();
    bool malformed = false;
    const Hash root1 = OpaqueRoot(v.at("root1"));
    const Hash root2 = OpaqueRoot(v.at("root2"));
    const bool ok = !malformed && VerifyConsistency(U64(v.at("size1")), U64(v.at("size2")), root1,
                                                    root2, ProofOf(v.at("proof"), &malformed));
    if (v.at("wantErr").as_bool()) {
      EXPECT_FALSE(ok) << path;
      ++rejected;
    } else {
      EXPECT_TRUE(ok) << path;
      ++accepted;
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace alcove::audit
