#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "crypto/sha.hpp"

namespace alcove::audit {

// The Merkle tree of RFC 6962 / RFC 9162 §2.1 (CRYPTO-FORMATS.md §5):
//   leaf hash  = SHA-256(0x00 || leaf bytes)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH(D[n])  = the node hash of MTH(D[0:k]) and MTH(D[k:n]), k the largest power of
//                two smaller than n; MTH of one leaf is its leaf hash; MTH({}) = SHA-256("").
// Pure functions; thread-safe.

using Hash = crypto::Sha256Digest;

Hash LeafHash(std::span<const std::uint8_t> leaf);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRoot();

// MTH over `leaf_hashes` (O(n)); for tests and the full recomputation of `audit verify`.
Hash RootOf(std::span<const Hash> leaf_hashes);

// A complete subtree: the 2^level leaves starting at index * 2^level.
struct SubtreeId {
  int level = 0;
  std::uint64_t index = 0;
  bool operator==(const SubtreeId&) const = default;
};

// The compact range of a tree of `size` leaves: the roots of its complete subtrees in the
// binary decomposition of size, left (largest) to right. Appending is O(log n); the root
// is O(log n).
// Thread-safety: a value type.
class CompactRange {
 public:
  CompactRange() = default;
  // kInvalidArgument unless hashes.size() == popcount(size).
  static Result<CompactRange> Make(std::uint64_t size, std::vector<Hash> hashes);

  // Appends one leaf. When `completed` is given, every complete subtree of level >= 1
  // this append finished is added to it (lowest level first), with its hash.
  void Append(const Hash& leaf_hash, std::vector<std::pair<SubtreeId, Hash>>* completed = nullptr);
  Hash Root() const;
  std::uint64_t size() const { return size_; }
  const std::vector<Hash>& hashes() const { return hashes_; }

  // The hashes concatenated (32 bytes each), and back (kInvalidArgument on a bad length).
  std::vector<std::uint8_t> Serialize() const;
  static Result<CompactRange> Deserialize(std::uint64_t size, std::span<const std::uint8_t> bytes);

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> hashes_;
};

// Where proof generation finds the hash of a complete subtree (a stored node, or a
// leaf hash for level 0). Errors are passed through.
using SubtreeSource = std::function<Result<Hash>(SubtreeId)>;

// MTH(D[begin:end]) from complete subtrees; REQUIRES begin < end.
Result<Hash> RangeHash(std::uint64_t begin, std::uint64_t end, const SubtreeSource& source);

// The inclusion proof (audit path, RFC 9162 §2.1.3.1) of leaf `index` in the tree of
// `size` leaves, deepest first. kInvalidArgument unless index < size.
Result<std::vector<Hash>> InclusionProof(std::uint64_t index, std::uint64_t size,
                                         const SubtreeSource& source);

// The consistency proof (RFC 9162 §2.1.4.1) between sizes size1 <= size2; empty when
// size1 == 0 or size1 == size2. kInvalidArgument if size1 > size2.
Result<std::vector<Hash>> ConsistencyProof(std::uint64_t size1, std::uint64_t size2,
                                           const SubtreeSource& source);

// RFC 9162 §2.1.3.2: true iff `proof` shows `leaf_hash` at `index` in the tree of `size`
// leaves whose root is `root`.
bool VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                     std::span<const Hash> proof, const Hash& root);

// RFC 9162 §2.1.4.2: true iff `proof` shows the tree of size2 leaves with `root2` extends
// the tree of size1 leaves with `root1`. size1 == size2 needs an empty proof and equal
// roots; size1 == 0 is always refused (nothing to prove; the vectors' wantErr cases).
bool VerifyConsistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                       const Hash& root2, std::span<const Hash> proof);

}  // namespace alcove::audit
