#include "hours/import_blob.hpp"

#include <cstdint>

namespace alcove::hours {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kTelehealth = 1;
constexpr std::uint8_t kVideo = 2;
constexpr std::uint8_t kHasGroupSize = 4;
constexpr std::uint8_t kHasPhase = 8;
constexpr std::uint8_t kPreDegree = 16;

class Writer {
 public:
  void U8(std::uint8_t v) { out_ += static_cast<char>(v); }
  void U32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      U8(static_cast<std::uint8_t>(v >> shift));
    }
  }
  void I32(std::int32_t v) { U32(static_cast<std::uint32_t>(v)); }
  void I64(std::int64_t v) {
    U32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v) >> 32));
    U32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v)));
  }
  void Str(std::string_view s) {
    U32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return at_ == in_.size(); }
  std::uint8_t U8() {
    if (at_ >= in_.size()) {
      ok_ = false;
      return 0;
    }
    return static_cast<std::uint8_t>(in_[at_++]);
  }
  std::uint32_t U32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v = (v << 8) | U8();
    }
    return v;
  }
  std::int32_t I32() { return static_cast<std::int32_t>(U32()); }
  std::int64_t I64() {
    const std::uint64_t hi = U32();
    const std::uint64_t lo = U32();
    return static_cast<std::int64_t>((hi << 32) | lo);
  }
  std::string Str() {
    const std::uint32_t n = U32();
    if (!ok_ || n > in_.size() - at_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(at_, n));
    at_ += n;
    return s;
  }
  // A count of items of at least `min_bytes` each: never more than the bytes left allow.
  std::uint32_t Count(std::size_t min_bytes) {
    const std::uint32_t n = U32();
    if (!ok_ || n > (in_.size() - at_) / min_bytes) {
      ok_ = false;
      return 0;
    }
    return n;
  }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string EncodeStagedImport(const StagedImport& s) {
  Writer w;
  w.U8(kVersion);
  w.U32(static_cast<std::uint32_t>(s.rows.size()));
  for (const auto& r : s.rows) {
    w.I32(r.row);
    w.I32(static_cast<std::int32_t>(r.date.time_since_epoch().count()));
    w.I64(r.minutes);
    w.U8(static_cast<std::uint8_t>(r.category));
    unsigned flags = 0;
    flags |= r.telehealth ? kTelehealth : 0u;
    flags |= r.video ? kVideo : 0u;
    flags |= r.group_size ? kHasGroupSize : 0u;
    flags |= r.pre_degree ? kHasPhase : 0u;
    flags |= r.pre_degree.value_or(false) ? kPreDegree : 0u;
    w.U8(static_cast<std::uint8_t>(flags));
    w.I32(r.group_size.value_or(0));
    w.Str(r.setting);
    w.Str(r.alias);
  }
  w.U32(static_cast<std::uint32_t>(s.errors.size()));
  for (const auto& e : s.errors) {
    w.I32(e.row);
    w.Str(e.message);
  }
  w.U32(static_cast<std::uint32_t>(s.headers.size()));
  for (const auto& h : s.headers) {
    w.Str(h);
  }
  w.U32(static_cast<std::uint32_t>(s.mapping.size()));
  for (const auto& [field, header] : s.mapping) {
    w.Str(field);
    w.Str(header);
  }
  w.Str(s.default_setting_id);
  return w.Take();
}

Result<StagedImport> DecodeStagedImport(std::string_view bytes) {
  Reader r(bytes);
  StagedImport s;
  if (r.U8() != kVersion) {
    return Fail(ErrorCode::kInternal, "staged import: unknown version");
  }
  const std::uint32_t rows = r.Count(30);
  for (std::uint32_t i = 0; i < rows && r.ok(); ++i) {
    ImportRow row;
    row.row = r.I32();
    row.date = Day(std::chrono::days(r.I32()));
    row.minutes = r.I64();
    const std::uint8_t category = r.U8();
    if (category >= kCategoryCount) {
      return Fail(ErrorCode::kInternal, "staged import: bad category");
    }
    row.category = static_cast<Category>(category);
    const std::uint8_t flags = r.U8();
    const std::int32_t group = r.I32();
    row.telehealth = (flags & kTelehealth) != 0;
    row.video = (flags & kVideo) != 0;
    if ((flags & kHasGroupSize) != 0) {
      row.group_size = group;
    }
    if ((flags & kHasPhase) != 0) {
      row.pre_degree = (flags & kPreDegree) != 0;
    }
    row.setting = r.Str();
    row.alias = r.Str();
    s.rows.push_back(std::move(row));
  }
  const std::uint32_t errors = r.Count(8);
  for (std::uint32_t i = 0; i < errors && r.ok(); ++i) {
    ImportError e;
    e.row = r.I32();
    e.message = r.Str();
    s.errors.push_back(std::move(e));
  }
  const std::uint32_t headers = r.Count(4);
  for (std::uint32_t i = 0; i < headers && r.ok(); ++i) {
    s.headers.push_back(r.Str());
  }
  const std::uint32_t mapped = r.Count(8);
  for (std::uint32_t i = 0; i < mapped && r.ok(); ++i) {
    std::string field = r.Str();
    s.mapping[std::move(field)] = r.Str();
  }
  s.default_setting_id = r.Str();
  if (!r.ok() || !r.at_end()) {
    return Fail(ErrorCode::kInternal, "staged import: truncated or trailing bytes");
  }
  return s;
}

}  // namespace alcove::hours
