// MemoryAudio (provider.hpp): audio held in memory, for tests and benchmarks.
#include <algorithm>
#include <cstring>

#include "ai/provider.hpp"

namespace alcove::ai {

MemoryAudio::MemoryAudio(std::vector<std::uint8_t> bytes, std::string content_type)
    : bytes_(std::move(bytes)), content_type_(std::move(content_type)) {}

std::uint64_t MemoryAudio::size() const { return bytes_.size(); }

Result<std::size_t> MemoryAudio::ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) {
  const auto& bytes = bytes_.reveal();
  if (offset >= bytes.size()) {
    return std::size_t{0};
  }
  const std::size_t n = std::min<std::uint64_t>(out.size(), bytes.size() - offset);
  std::memcpy(out.data(), bytes.data() + offset, n);
  return n;
}

std::string MemoryAudio::content_type() const { return content_type_; }

}  // namespace alcove::ai
