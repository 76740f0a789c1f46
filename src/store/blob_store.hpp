#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "store/db.hpp"

namespace alcove::store {

// Large objects (recordings), always ciphertext: the caller encrypts before Append.
// Blob ids are random ids (ids.hpp); anything else is refused with kInvalidArgument
// before it reaches the file system, so no id can name a path outside the store.

// Writes one new blob. Nothing is visible under the id until Commit() returns: a
// writer destroyed without Commit (or a crash before it) leaves no blob behind.
// Thread-safety: one thread at a time.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // The id the blob will have.
  virtual const std::string& id() const = 0;
  // Appends bytes. kResourceExhausted when the disk is full, kInternal otherwise; after
  // an error the writer is spoilt (Commit fails).
  virtual Status Append(std::span<const std::uint8_t> bytes) = 0;
  // Makes the blob durable and visible. At most once.
  virtual Status Commit() = 0;
};

// Reads one committed blob; it stays readable while the reader lives, even if deleted.
// Thread-safety: Read may be called from several threads.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual std::uint64_t size() const = 0;
  // Up to `length` bytes from `offset` (fewer at the end; none at offset == size()).
  // kInvalidArgument when offset > size().
  virtual Result<Bytes> Read(std::uint64_t offset, std::size_t length) const = 0;
};

// Thread-safety: every method may be called from any thread.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // A writer for a new blob with a fresh random id.
  virtual Result<std::unique_ptr<BlobWriter>> Create() = 0;
  // kNotFound if there is no committed blob `id`; kInvalidArgument if `id` is not an id.
  virtual Result<std::unique_ptr<BlobReader>> Open(std::string_view id) = 0;
  // Unlinks the blob (and makes that durable). kNotFound if missing.
  virtual Status Delete(std::string_view id) = 0;
};

// The file-system BlobStore: one file per blob in `dir` (created 0700 if missing;
// files 0600). A write goes to a temporary file (`.tmp-<random>`), is fsynced, renamed
// to its id (never replacing an existing file) and the directory is fsynced, so after a
// crash a blob is either complete or absent. Opening the store removes temporary files
// left by a crash, so only one process (the server) opens a given directory at a time.
// Delete unlinks the file: no copy remains in the store.
Result<std::unique_ptr<BlobStore>> OpenFileBlobStore(const std::filesystem::path& dir);

}  // namespace alcove::store
