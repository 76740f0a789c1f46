#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "web/http.hpp"

namespace alcove::web {

// Helpers for handlers of large bodies (recordings, docs/recordings.md § Storage and
// streaming): reading a streamed request body into a sink, the headers of a resumable
// upload, and answering GET with a Range from a random-access source, streamed.

// Where the pieces of a streamed body go (e.g. crypto::EncryptedUpload::Write). An error
// stops the reading and is returned unchanged.
using PieceSink = std::function<Status(std::span<const std::uint8_t>)>;

// Reads the whole streamed body of `request` (a streaming route: body_stream set) into
// `sink`, piece by piece; returns the number of bytes read. Errors: the body stream's
// (BodyStream::Read) or the sink's; kInternal if the route does not stream.
Result<std::uint64_t> PipeBody(Request& request, const PieceSink& sink);

// --- Resumable uploads (in the manner of tus.io / the IETF resumable-upload draft) ---
//
// An upload is one blob written over one or more requests. Each PUT/PATCH names the
// plaintext offset it continues at (`Upload-Offset: <n>`, or `Content-Range: bytes
// <n>-<m>/<total or *>`); the server keeps only whole 16 KiB chunks of ciphertext, so the
// offset it answers (`Upload-Offset` on the response, and on HEAD/GET of the upload) is
// always a multiple of 16384 until the upload completes, and the client resends from
// there. `Upload-Complete: ?1` (or a Content-Range with a total that the request reaches)
// marks the request that ends the upload.

inline constexpr std::string_view kUploadOffsetHeader = "Upload-Offset";
inline constexpr std::string_view kUploadCompleteHeader = "Upload-Complete";

// What a resumable upload request says about where its bytes go.
struct UploadPosition {
  std::uint64_t offset = 0;  // plaintext offset of the body's first byte
  bool complete = false;     // the body ends the upload
  // From Content-Range "bytes a-b/total": the total, when given. A request whose body
  // does not end at b + 1 is refused by the caller's sink check (UploadRequestEnd).
  std::optional<std::uint64_t> total;
  std::optional<std::uint64_t> last;  // b, inclusive, when Content-Range was sent
};

// Reads Upload-Offset / Upload-Complete / Content-Range of `request`. Neither offset
// header: offset 0 (a plain PUT of the whole body) and complete unless Upload-Complete
// says ?0. Errors: kInvalidArgument (public message names the header) for a malformed
// value, both offset headers disagreeing, or a Content-Range that is not "bytes a-b/n",
// "bytes a-b/*" with a <= b < n.
Result<UploadPosition> ParseUploadPosition(const Request& request);

// The 409 for a request whose offset is not where the upload stands: JSON error
// `upload_offset_mismatch` with `Upload-Offset: <stored>` so the client can resume.
Response UploadOffsetMismatch(const Request& request, std::uint64_t stored_offset);

// Sets `Upload-Offset: <offset>` (and `Upload-Complete: ?1|?0`) on `response`.
void SetUploadState(Response& response, std::uint64_t offset, bool complete);

// --- Range reads ---

// One byte range, both ends inclusive (RFC 9110 §14.1.2).
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t length() const { return last - first + 1; }
};

// The outcome of a Range header against a representation of `size` bytes.
struct RangeRequest {
  enum class Kind {
    kWhole,          // no Range header, or one we ignore (another unit, several ranges)
    kPartial,        // one satisfiable range: 206
    kUnsatisfiable,  // 416 with Content-Range: bytes */size
  };
  Kind kind = Kind::kWhole;
  ByteRange range;  // kPartial
};

// Parses "bytes=a-b", "bytes=a-", "bytes=-n" (a suffix). Syntax errors and multiple
// ranges are answered with the whole representation (RFC 9110 allows ignoring Range);
// a range starting at or past `size` (or a zero suffix) is unsatisfiable.
RangeRequest ParseRange(std::optional<std::string_view> header, std::uint64_t size);

// Reads `out.size()` bytes at `offset` of a plaintext representation, or fewer at its end
// (e.g. crypto::EncryptedBlob::ReadAt).
using ReadAtSource = std::function<Result<std::size_t>(std::uint64_t offset,
                                                       std::span<std::uint8_t> out)>;

// The answer to GET or HEAD of a `size`-byte representation read through `read_at`:
// 200 (whole), 206 with Content-Range, or 416 with Content-Range "bytes */size"; always
// Accept-Ranges: bytes and `content_type`. The body is a BodySource that reads
// kStreamPieceBytes at a time, so nothing is held whole. `read_at` must stay usable for
// as long as the response is being sent (capture what it needs by shared_ptr).
Response RangedResponse(const Request& request, std::uint64_t size, std::string content_type,
                        ReadAtSource read_at);

}  // namespace alcove::web
