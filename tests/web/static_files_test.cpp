#include "web/static_files.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace alcove::web {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "static/css");
    std::ofstream(dir_ / "static/css/app.css") << "body{}";
    std::ofstream(dir_ / "static/app.js") << "1";
    std::ofstream(dir_ / "static/notes.exe") << "x";
    std::ofstream(dir_ / "secret.txt") << "outside";
    std::filesystem::create_symlink(dir_ / "secret.txt", dir_ / "static/link.txt");
    std::filesystem::create_directory_symlink(dir_.path(), dir_ / "static/up");
  }
  Response Get(std::string_view rel) {
    Request req;
    return files_.Serve(req, rel);
  }
  testing::TempDir dir_;
  StaticFiles files_{dir_ / "static"};
};

TEST_F(StaticFilesTest, ServesKnownTypesWithContentType) {
  auto r = Get("css/app.css");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "body{}");
  EXPECT_EQ(r.headers.Get("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(Get("app.js").headers.Get("Content-Type"), "text/javascript; charset=utf-8");
}

TEST_F(StaticFilesTest, NeverLeavesTheFolder) {
  for (const char* rel : {"../secret.txt", "css/../../secret.txt", "/etc/passwd", "link.txt",
                          "up/secret.txt", ".hidden.css", "css//app.css", "", "css/",
                          "a\\..\\secret.txt"}) {
    EXPECT_EQ(Get(rel).status, 404) << rel;
  }
  EXPECT_EQ(Get(std::string_view("app.js\0.css", 11)).status, 404);
}

TEST_F(StaticFilesTest, UnknownTypesAndDirectoriesAreNotServed) {
  EXPECT_EQ(Get("notes.exe").status, 404);
  EXPECT_EQ(Get("css").status, 404);
  EXPECT_EQ(Get("missing.css").status, 404);
}

TEST_F(StaticFilesTest, AnswersIfNoneMatchWith304) {
  auto first = Get("app.js");
  const auto etag = first.headers.Get("ETag");
  ASSERT_TRUE(etag);
  Request req;
  req.headers.Add("If-None-Match", std::string(*etag));
  auto again = files_.Serve(req, "app.js");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
}

}  // namespace
}  // namespace alcove::web
