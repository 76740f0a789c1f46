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

// An in-progress blob of a resumable upload: its bytes outlive the object (and, up to
// the last Sync, a crash), kept apart from committed blobs under the same id, until
// Commit makes it the committed blob `id` or BlobStore::DeletePartial removes it. While
// one PartialBlob of an id is open for writing, opening another for writing fails
// (kConflict): two connections never append to one upload.
// Thread-safety: one thread at a time.
class PartialBlob : public BlobWriter {
 public:
  // Bytes held.
  virtual std::uint64_t size() const = 0;
  // Up to `length` bytes from `offset` (to check what a crash may have torn).
  virtual Result<Bytes> Read(std::uint64_t offset, std::size_t length) const = 0;
  // Drops every byte past `size` (<= size()): a resumed upload continues at its last
  // whole piece. kInvalidArgument past size().
  virtual Status Truncate(std::uint64_t size) = 0;
  // Makes the bytes held so far durable (fsync), without committing.
  virtual Status Sync() = 0;
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

  // Resumable uploads. A new in-progress blob with a fresh random id (writable).
  virtual Result<std::unique_ptr<PartialBlob>> CreatePartial() = 0;
  // Reopens the in-progress blob `id` for writing (appends go at its end). kNotFound if
  // there is none (also once committed); kConflict while another writer holds it.
  virtual Result<std::unique_ptr<PartialBlob>> OpenPartial(std::string_view id) = 0;
  // Size of the in-progress blob `id` and a read of it, without taking it over (HEAD of
  // an upload while it is being written). kNotFound if there is none.
  virtual Result<std::unique_ptr<BlobReader>> ReadPartial(std::string_view id) = 0;
  // Removes the in-progress blob `id` (an abandoned or withdrawn upload). kNotFound if
  // missing. An open writer of it fails its Commit.
  virtual Status DeletePartial(std::string_view id) = 0;
};

// The file-system BlobStore: one file per blob in `dir` (created 0700 if missing;
// files 0600). A write goes to a temporary file (`.tmp-<random>`), is fsynced, renamed
// to its id (never replacing an existing file) and the directory is fsynced, so after a
// crash a blob is either complete or absent. Opening the store removes temporary files
// left by a crash, so only one process (the server) opens a given directory at a time.
// Delete unlinks the file: no copy remains in the store. An in-progress blob is the file
// `partial-<id>` (0600, never removed by opening the store), locked (flock) by its
// writer; Commit fsyncs it and renames it to `<id>`.
Result<std::unique_ptr<BlobStore>> OpenFileBlobStore(const std::filesystem::path& dir);

}  // namespace alcove::store
