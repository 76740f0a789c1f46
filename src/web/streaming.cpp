#include "web/streaming.hpp"

#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "core/encoding.hpp"
#include "web/errors.hpp"

namespace alcove::web {
namespace {

// A run of decimal digits that fits in 64 bits; nullopt otherwise.
std::optional<std::uint64_t> Digits(std::string_view s) {
  if (s.empty() || s.size() > 19) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::unexpected<Error> BadHeader(std::string_view name, std::string_view expected) {
  return Fail(ErrorCode::kInvalidArgument, fmt::format("malformed {} header", name),
              fmt::format("The {} header must be {}.", name, expected));
}

// Streams [first, first + length) of a source, kStreamPieceBytes at a time.
class RangeSource final : public BodySource {
 public:
  RangeSource(ReadAtSource read_at, std::uint64_t first, std::uint64_t length)
      : read_at_(std::move(read_at)), next_(first), left_(length) {}
  std::uint64_t size() const override { return size_; }
  Result<std::size_t> Next(std::span<std::uint8_t> out) override {
    if (left_ == 0) {
      return 0;
    }
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), left_));
    auto got = read_at_(next_, out.first(want));
    if (!got) {
      return got;
    }
    if (*got == 0) {
      return Fail(ErrorCode::kInternal, "range source ended before its size");
    }
    next_ += *got;
    left_ -= *got;
    return got;
  }

 private:
  ReadAtSource read_at_;
  std::uint64_t next_;
  std::uint64_t left_;
  const std::uint64_t size_ = left_;
};

}  // namespace

Result<std::uint64_t> PipeBody(Request& request, const PieceSink& sink) {
  if (!request.body_stream) {
    return Fail(ErrorCode::kInternal, "PipeBody on a route without streaming_body");
  }
  std::vector<std::uint8_t> piece(kStreamPieceBytes);
  std::uint64_t total = 0;
  for (;;) {
    auto n = request.body_stream->Read(piece);
    if (!n) {
      return std::unexpected(n.error());
    }
    if (*n == 0) {
      return total;
    }
    if (auto st = sink(std::span(piece).first(*n)); !st) {
      return std::unexpected(st.error());
    }
    total += *n;
  }
}

Result<UploadPosition> ParseUploadPosition(const Request& request) {
  UploadPosition pos;
  pos.complete = true;
  std::optional<std::uint64_t> offset;
  if (auto h = request.headers.Get(kUploadOffsetHeader)) {
    offset = Digits(TrimSpaces(*h));
    if (!offset) {
      return BadHeader(kUploadOffsetHeader, "a number of bytes");
    }
    pos.complete = false;  // an offset names a piece of an upload; completion is explicit
  }
  if (auto h = request.headers.Get("Content-Range")) {
    // bytes a-b/total | bytes a-b/*
    std::string_view v = TrimSpaces(*h);
    constexpr std::string_view kUnit = "bytes ";
    const auto dash = v.find('-');
    const auto slash = v.find('/');
    if (!v.starts_with(kUnit) || dash == std::string_view::npos ||
        slash == std::string_view::npos || dash > slash) {
      return BadHeader("Content-Range", "\"bytes first-last/total\" or \"bytes first-last/*\"");
    }
    const auto first = Digits(v.substr(kUnit.size(), dash - kUnit.size()));
    const auto last = Digits(v.substr(dash + 1, slash - dash - 1));
    const std::string_view total_text = v.substr(slash + 1);
    std::optional<std::uint64_t> total;
    if (total_text != "*") {
      total = Digits(total_text);
      if (!total) {
        return BadHeader("Content-Range", "\"bytes first-last/total\" or \"bytes first-last/*\"");
      }
    }
    if (!first || !last || *first > *last || (total && *last >= *total)) {
      return BadHeader("Content-Range", "\"bytes first-last/total\" with first <= last < total");
    }
    if (offset && *offset != *first) {
      return BadHeader("Content-Range", "at the same offset as Upload-Offset");
    }
    offset = first;
    pos.last = last;
    pos.total = total;
    pos.complete = total && *last + 1 == *total;
  }
  if (auto h = request.headers.Get(kUploadCompleteHeader)) {
    const std::string_view v = TrimSpaces(*h);
    if (v != "?1" && v != "?0") {
      return BadHeader(kUploadCompleteHeader, "?1 or ?0");
    }
    pos.complete = v == "?1";
  }
  pos.offset = offset.value_or(0);
  return pos;
}

Response UploadOffsetMismatch(const Request& request, std::uint64_t stored_offset) {
  Response res = ErrorResponse(
      request, nullptr, 409, "upload_offset_mismatch",
      fmt::format("The upload continues at byte {}; send the rest from there.", stored_offset));
  SetUploadState(res, stored_offset, false);
  return res;
}

void SetUploadState(Response& response, std::uint64_t offset, bool complete) {
  response.headers.Set(std::string(kUploadOffsetHeader), std::to_string(offset));
  response.headers.Set(std::string(kUploadCompleteHeader), complete ? "?1" : "?0");
}

RangeRequest ParseRange(std::optional<std::string_view> header, std::uint64_t size) {
  RangeRequest whole;
  if (!header) {
    return whole;
  }
  std::string_view v = TrimSpaces(*header);
  constexpr std::string_view kUnit = "bytes=";
  if (!v.starts_with(kUnit) || v.find(',') != std::string_view::npos) {
    return whole;  // another unit, or several ranges: the whole representation
  }
  v.remove_prefix(kUnit.size());
  const auto dash = v.find('-');
  if (dash == std::string_view::npos) {
    return whole;
  }
  const std::string_view a = TrimSpaces(v.substr(0, dash));
  const std::string_view b = TrimSpaces(v.substr(dash + 1));
  RangeRequest out;
  out.kind = RangeRequest::Kind::kPartial;
  if (a.empty()) {  // a suffix: the last n bytes
    const auto n = Digits(b);
    if (!n) {
      return whole;
    }
    if (*n == 0 || size == 0) {
      out.kind = RangeRequest::Kind::kUnsatisfiable;
      return out;
    }
    out.range.first = size - std::min(*n, size);
    out.range.last = size - 1;
    return out;
  }
  const auto first = Digits(a);
  if (!first) {
    return whole;
  }
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    const auto l = Digits(b);
    if (!l || *l < *first) {
      return whole;  // invalid syntax is ignored (RFC 9110 §14.2)
    }
    last = std::min(*l, last);
  }
  if (*first >= size) {
    out.kind = RangeRequest::Kind::kUnsatisfiable;
    return out;
  }
  out.range = ByteRange{*first, last};
  return out;
}

Response RangedResponse(const Request& request, std::uint64_t size, std::string content_type,
                        ReadAtSource read_at) {
  const RangeRequest range = ParseRange(request.headers.Get("Range"), size);
  Response res;
  res.headers.Set("Accept-Ranges", "bytes");
  if (range.kind == RangeRequest::Kind::kUnsatisfiable) {
    res = ErrorResponse(request, nullptr, 416, "range_not_satisfiable",
                        "The requested range lies outside the recording.");
    res.headers.Set("Accept-Ranges", "bytes");
    res.headers.Set("Content-Range", fmt::format("bytes */{}", size));
    return res;
  }
  ByteRange r{0, size == 0 ? 0 : size - 1};
  std::uint64_t length = size;
  if (range.kind == RangeRequest::Kind::kPartial) {
    r = range.range;
    length = r.length();
    res.status = 206;
    res.headers.Set("Content-Range", fmt::format("bytes {}-{}/{}", r.first, r.last, size));
  }
  res.headers.Set("Content-Type", std::move(content_type));
  res.stream = std::make_shared<RangeSource>(std::move(read_at), r.first, length);
  return res;
}

}  // namespace alcove::web
