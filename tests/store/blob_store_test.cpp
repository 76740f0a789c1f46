#include "store/blob_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/ids.hpp"
#include "support/temp_dir.hpp"

namespace alcove::store {
namespace {

using testing::TempDir;

Bytes Pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::uint8_t>((i * 7 + i / 251) & 0xff);
  }
  return b;
}

std::size_t EntriesIn(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

TEST(FileBlobStore, RoundTripsLargeBlobsWrittenInPieces) {
  TempDir dir;
  auto store = OpenFileBlobStore(dir / "blobs");
  ASSERT_TRUE(store) << store.error().internal;
  const Bytes data = Pattern(3 * 1024 * 1024 + 17);
  auto w = (*store)->Create();
  ASSERT_TRUE(w);
  const std::string id = (*w)->id();
  EXPECT_TRUE(IsValidId(id));
  for (std::size_t off = 0; off < data.size(); off += 65536) {
    const std::size_t n = std::min<std::size_t>(65536, data.size() - off);
    ASSERT_TRUE((*w)->Append(std::span(data).subspan(off, n)));
  }
  ASSERT_TRUE((*w)->Commit());
  EXPECT_FALSE((*w)->Commit());
  w->reset();  // destroying a committed writer keeps the blob

  auto r = (*store)->Open(id);
  ASSERT_TRUE(r) << r.error().internal;
  EXPECT_EQ((*r)->size(), data.size());
  auto all = (*r)->Read(0, data.size() + 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, data);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "blobs" / id).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir / "blobs").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(FileBlobStore, ReadsRanges) {
  TempDir dir;
  auto store = OpenFileBlobStore(dir.path());
  ASSERT_TRUE(store);
  const Bytes data = Pattern(10000);
  auto w = (*store)->Create();
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->Append(data));
  ASSERT_TRUE((*w)->Commit());
  auto r = (*store)->Open((*w)->id());
  ASSERT_TRUE(r);
  auto mid = (*r)->Read(1234, 100);
  ASSERT_TRUE(mid);
  EXPECT_EQ(*mid, Bytes(data.begin() + 1234, data.begin() + 1334));
  auto tail = (*r)->Read(9990, 100);
  ASSERT_TRUE(tail);
  EXPECT_EQ(*tail, Bytes(data.end() - 10, data.end()));
  auto end = (*r)->Read(10000, 5);
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->empty());
  auto past = (*r)->Read(10001, 1);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::kInvalidArgument);
}

TEST(FileBlobStore, EmptyBlobsAreBlobsToo) {
  TempDir dir;
  auto store = OpenFileBlobStore(dir.path());
  ASSERT_TRUE(store);
  auto w = (*store)->Create();
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->Commit());
  auto r = (*store)->Open((*w)->id());
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->size(), 0u);
}

TEST(FileBlobStore, DeleteUnlinksTheFile) {
  TempDir dir;
  auto store = OpenFileBlobStore(dir.path());
  ASSERT_TRUE(store);
  auto w = (*store)->Create();
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->Append(Pattern(100)));
  ASSERT_TRUE((*w)->Commit());
  const std::string id = (*w)->id();
  ASSERT_TRUE((*store)->Delete(id));
  EXPECT_FALSE(std::filesystem::exists(dir / id));
  EXPECT_EQ(EntriesIn(dir.path()), 0u);
  auto r = (*store)->Open(id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  auto again = (*store)->Delete(id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST(FileBlobStore, AWriterDestroyedBeforeCommitLeavesNothing) {
  TempDir dir;
  auto store = OpenFileBlobStore(dir.path());
  ASSERT_TRUE(store);
  std::string id;
  {
    auto w = (*store)->Create();
    ASSERT_TRUE(w);
    id = (*w)->id();
    ASSERT_TRUE((*w)->Append(Pattern(5000)));
  }
  EXPECT_EQ(EntriesIn(dir.path()), 0u);
  auto r = (*store)->Open(id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST(FileBlobStore, AProcessKilledBeforeCommitLeavesNoBlob) {
  TempDir dir;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto store = OpenFileBlobStore(dir.path());
    if (!store) {
      ::_exit(3);
    }
    auto w = (*store)->Create();
    if (!w || !(*w)->Append(Pattern(1 << 20))) {
      ::_exit(4);
    }
    const std::string id = (*w)->id();
    if (::write(fds[1], id.data(), id.size()) != static_cast<ssize_t>(id.size())) {
      ::_exit(5);
    }
    ::pause();  // killed here, mid-write
    ::_exit(6);
  }
  ::close(fds[1]);
  std::string id(kIdLength, '\0');
  ASSERT_EQ(::read(fds[0], id.data(), id.size()), static_cast<ssize_t>(id.size()));
  ::close(fds[0]);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(EntriesIn(dir.path()), 1u);  // the temporary file, under another name

  auto store = OpenFileBlobStore(dir.path());  // a restart cleans up
  ASSERT_TRUE(store);
  EXPECT_EQ(EntriesIn(dir.path()), 0u);
  auto r = (*store)->Open(id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST(FileBlobStore, RefusesIdsThatCouldNameOtherPaths) {
  TempDir dir;
  std::filesystem::create_directory(dir / "blobs");
  { std::ofstream(dir / "outside") << "secret"; }
  auto store = OpenFileBlobStore(dir / "blobs");
  ASSERT_TRUE(store);
  for (const std::string& bad :
       {std::string("../outside"), std::string(".."), std::string("/etc/passwd"),
        std::string("0123456789abcdef0123456789abcde/"), std::string("../") + NewId(),
        NewId() + "/..", std::string(""), std::string(32, '.')}) {
    auto r = (*store)->Open(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    auto d = (*store)->Delete(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "outside"));
}


TEST(FileBlobStore, PartialBlobsOutliveTheirWriterUntilCommitted) {
  TempDir dir;
  auto store = OpenFileBlobStore(dir / "blobs");
  ASSERT_TRUE(store);
  const Bytes data = Pattern(100'000);
  std::string id;
  {
    auto p = (*store)->CreatePartial();
    ASSERT_TRUE(p) << p.error().internal;
    id = (*p)->id();
    ASSERT_TRUE((*p)->Append(std::span(data).first(60'000)));
    ASSERT_TRUE((*p)->Sync());
    // While it is held, no second writer; readers may look.
    auto second = (*store)->OpenPartial(id);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::kConflict);
    auto peek = (*store)->ReadPartial(id);
    ASSERT_TRUE(peek);
    EXPECT_EQ((*peek)->size(), 60'000u);
  }
  // Not a committed blob; reopening the store keeps it (unlike a temporary file).
  EXPECT_EQ((*store)->Open(id).error().code, ErrorCode::kNotFound);
  store = OpenFileBlobStore(dir / "blobs");
  ASSERT_TRUE(store);
  auto p = (*store)->OpenPartial(id);
  ASSERT_TRUE(p) << p.error().internal;
  EXPECT_EQ((*p)->size(), 60'000u);
  ASSERT_TRUE((*p)->Truncate(50'000));
  EXPECT_FALSE((*p)->Truncate(50'001));
  ASSERT_TRUE((*p)->Append(std::span(data).subspan(50'000)));
  ASSERT_TRUE((*p)->Commit());
  EXPECT_EQ((*store)->OpenPartial(id).error().code, ErrorCode::kNotFound);
  auto r = (*store)->Open(id);
  ASSERT_TRUE(r);
  EXPECT_EQ(*(*r)->Read(0, data.size()), data);
  EXPECT_EQ(EntriesIn(dir / "blobs"), 1u);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "blobs" / id).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FileBlobStore, DeletePartialRemovesAnUploadAndSpoilsItsWriter) {
  TempDir dir;
  auto store = OpenFileBlobStore(dir / "blobs");
  ASSERT_TRUE(store);
  auto p = (*store)->CreatePartial();
  ASSERT_TRUE(p);
  const std::string id = (*p)->id();
  ASSERT_TRUE((*p)->Append(Pattern(10)));
  ASSERT_TRUE((*store)->DeletePartial(id));
  EXPECT_FALSE((*p)->Commit());
  EXPECT_EQ((*store)->DeletePartial(id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(EntriesIn(dir / "blobs"), 0u);
  EXPECT_EQ((*store)->OpenPartial("../x").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace alcove::store
