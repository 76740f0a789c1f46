#include "audit/merkle.hpp"

#include <bit>

namespace alcove::audit {
namespace {

// The largest power of two strictly smaller than n (n >= 2).
std::uint64_t SplitPoint(std::uint64_t n) { return std::bit_floor(n - 1); }

Status PathInto(std::uint64_t m, std::uint64_t begin, std::uint64_t end,
                const SubtreeSource& source, std::vector<Hash>& out) {
  const std::uint64_t n = end - begin;
  if (n <= 1) {
    return {};
  }
  const std::uint64_t k = SplitPoint(n);
  if (m - begin < k) {
    if (auto st = PathInto(m, begin, begin + k, source, out); !st) {
      return st;
    }
    auto h = RangeHash(begin + k, end, source);
    if (!h) {
      return std::unexpected(h.error());
    }
    out.push_back(*h);
  } else {
    if (auto st = PathInto(m, begin + k, end, source, out); !st) {
      return st;
    }
    auto h = RangeHash(begin, begin + k, source);
    if (!h) {
      return std::unexpected(h.error());
    }
    out.push_back(*h);
  }
  return {};
}

// SUBPROOF(m, D[begin:end], b) of RFC 9162 §2.1.4.1, with m relative to begin.
Status SubProofInto(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                    const SubtreeSource& source, std::vector<Hash>& out) {
  const std::uint64_t n = end - begin;
  if (m == n) {
    if (!whole) {
      auto h = RangeHash(begin, end, source);
      if (!h) {
        return std::unexpected(h.error());
      }
      out.push_back(*h);
    }
    return {};
  }
  const std::uint64_t k = SplitPoint(n);
  if (m <= k) {
    if (auto st = SubProofInto(m, begin, begin + k, whole, source, out); !st) {
      return st;
    }
    auto h = RangeHash(begin + k, end, source);
    if (!h) {
      return std::unexpected(h.error());
    }
    out.push_back(*h);
  } else {
    if (auto st = SubProofInto(m - k, begin + k, end, false, source, out); !st) {
      return st;
    }
    auto h = RangeHash(begin, begin + k, source);
    if (!h) {
      return std::unexpected(h.error());
    }
    out.push_back(*h);
  }
  return {};
}

}  // namespace

Hash LeafHash(std::span<const std::uint8_t> leaf) {
  crypto::Sha256Hasher h;
  const std::uint8_t prefix = 0x00;
  h.Update(std::span<const std::uint8_t>(&prefix, 1));
  h.Update(leaf);
  return h.Finish();
}

Hash NodeHash(const Hash& left, const Hash& right) {
  std::uint8_t buf[1 + 2 * crypto::kSha256Size];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 1 + crypto::kSha256Size);
  return crypto::Sha256(std::span<const std::uint8_t>(buf, sizeof buf));
}

Hash EmptyRoot() { return crypto::Sha256(std::string_view()); }

Hash RootOf(std::span<const Hash> leaf_hashes) {
  CompactRange range;
  for (const Hash& h : leaf_hashes) {
    range.Append(h);
  }
  return range.Root();
}

Result<CompactRange> CompactRange::Make(std::uint64_t size, std::vector<Hash> hashes) {
  if (hashes.size() != static_cast<std::size_t>(std::popcount(size))) {
    return Fail(ErrorCode::kInvalidArgument, "compact range: wrong number of hashes for its size");
  }
  CompactRange r;
  r.size_ = size;
  r.hashes_ = std::move(hashes);
  return r;
}

void CompactRange::Append(const Hash& leaf_hash,
                          std::vector<std::pair<SubtreeId, Hash>>* completed) {
  Hash h = leaf_hash;
  std::uint64_t index = size_;  // the new leaf's index, at level 0
  int level = 0;
  // Each trailing one bit of the old size is a full subtree of that level to merge with.
  while ((size_ >> level) & 1U) {
    h = NodeHash(hashes_.back(), h);
    hashes_.pop_back();
    ++level;
    index >>= 1;
    if (completed != nullptr) {
      completed->emplace_back(SubtreeId{level, index}, h);
    }
  }
  hashes_.push_back(h);
  ++size_;
}

Hash CompactRange::Root() const {
  if (hashes_.empty()) {
    return EmptyRoot();
  }
  Hash h = hashes_.back();
  for (std::size_t i = hashes_.size() - 1; i-- > 0;) {
    h = NodeHash(hashes_[i], h);
  }
  return h;
}

std::vector<std::uint8_t> CompactRange::Serialize() const {
  std::vector<std::uint8_t> out;
  out.reserve(hashes_.size() * crypto::kSha256Size);
  for (const Hash& h : hashes_) {
    out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

Result<CompactRange> CompactRange::Deserialize(std::uint64_t size,
                                               std::span<const std::uint8_t> bytes) {
  if (bytes.size() % crypto::kSha256Size != 0) {
    return Fail(ErrorCode::kInvalidArgument, "compact range: length is not a multiple of 32");
  }
  std::vector<Hash> hashes(bytes.size() / crypto::kSha256Size);
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(i * crypto::kSha256Size),
                crypto::kSha256Size, hashes[i].begin());
  }
  return Make(size, std::move(hashes));
}

Result<Hash> RangeHash(std::uint64_t begin, std::uint64_t end, const SubtreeSource& source) {
  const std::uint64_t n = end - begin;
  if (begin >= end) {
    return Fail(ErrorCode::kInvalidArgument, "merkle: empty range");
  }
  if (std::has_single_bit(n) && begin % n == 0) {
    return source(SubtreeId{std::countr_zero(n), begin / n});
  }
  const std::uint64_t k = SplitPoint(n);
  auto left = RangeHash(begin, begin + k, source);
  if (!left) {
    return left;
  }
  auto right = RangeHash(begin + k, end, source);
  if (!right) {
    return right;
  }
  return NodeHash(*left, *right);
}

Result<std::vector<Hash>> InclusionProof(std::uint64_t index, std::uint64_t size,
                                         const SubtreeSource& source) {
  if (index >= size) {
    return Fail(ErrorCode::kInvalidArgument, "merkle: leaf index beyond the tree size");
  }
  std::vector<Hash> out;
  if (auto st = PathInto(index, 0, size, source, out); !st) {
    return std::unexpected(st.error());
  }
  return out;
}

Result<std::vector<Hash>> ConsistencyProof(std::uint64_t size1, std::uint64_t size2,
                                           const SubtreeSource& source) {
  if (size1 > size2) {
    return Fail(ErrorCode::kInvalidArgument, "merkle: consistency sizes in the wrong order");
  }
  std::vector<Hash> out;
  if (size1 == 0 || size1 == size2) {
    return out;
  }
  if (auto st = SubProofInto(size1, 0, size2, true, source, out); !st) {
    return std::unexpected(st.error());
  }
  return out;
}

bool VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                     std::span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return false;
  }
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) {
      return false;
    }
    if ((fn & 1U) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1U) == 0) {
        while ((fn & 1U) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                       const Hash& root2, std::span<const Hash> proof) {
  if (size2 < size1 || size1 == 0) {
    return false;
  }
  if (size1 == size2) {
    return proof.empty() && root1 == root2;
  }
  if (proof.empty()) {
    return false;
  }
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) {
    path.push_back(root1);
  }
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = size1 - 1;
  std::uint64_t sn = size2 - 1;
  while ((fn & 1U) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) {
      return false;
    }
    if ((fn & 1U) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1U) == 0) {
        while ((fn & 1U) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == root1 && sr == root2 && sn == 0;
}

}  // namespace alcove::audit
