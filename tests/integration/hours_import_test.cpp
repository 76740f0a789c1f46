// The hours CSV import through the real binary over HTTPS (issue #14, C52): while the
// server imports a file — upload, preview, confirmation — it opens no file but the
// database's own and the audit checkpoint files, as strace sees every thread of it; the
// checkpoint files hold nothing of the file. docs/hours-import.md § Evidence for C52
// explains the window and the allowed paths.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/browser.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace alcove::testing {
namespace {

namespace json = boost::json;

constexpr char kUserAgent[] = "HoursImportTest/1.0";

// One open/openat/openat2/creat call of an strace -f line, or nullopt for other lines
// (a "<... resumed>" tail carries no path: its "<unfinished ...>" head has it).
struct OpenCall {
  std::string path;
  std::string flags;  // "O_RDONLY|O_CLOEXEC"; creat: "O_CREAT|O_WRONLY|O_TRUNC"
  bool Writes() const {
    for (const char* f : {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_TMPFILE", "O_APPEND"}) {
      if (flags.find(f) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  std::string Name() const { return path.substr(path.rfind('/') + 1); }
};

std::optional<OpenCall> ParseOpenLine(const std::string& line) {
  static constexpr std::string_view kCalls[] = {"openat2(", "openat(", "open(", "creat("};
  for (const std::string_view call : kCalls) {
    const auto at = line.find(call);
    if (at == std::string::npos || line.find("resumed>") != std::string::npos) {
      continue;
    }
    const auto q1 = line.find('"', at);
    const auto q2 = q1 == std::string::npos ? q1 : line.find('"', q1 + 1);
    if (q2 == std::string::npos) {
      return std::nullopt;
    }
    OpenCall c;
    c.path = line.substr(q1 + 1, q2 - q1 - 1);
    if (call == "creat(") {
      c.flags = "O_CREAT|O_WRONLY|O_TRUNC";
    } else {
      const auto comma = line.find(", ", q2);
      const auto end = line.find_first_of(",)", comma == std::string::npos ? q2 : comma + 2);
      c.flags = comma == std::string::npos ? "" : line.substr(comma + 2, end - comma - 2);
      if (call == "openat2(") {
        c.flags = line.substr(q2);  // {flags=O_...}
      }
    }
    return c;
  }
  return std::nullopt;
}

TEST(HoursImportTrace, OpenLinesAreReadWithTheirFlags) {
  auto c = ParseOpenLine(R"(123  openat(AT_FDCWD, "/tmp/x/audit/checkpoints.latest.tmp.9.1", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600) = 31)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->Name(), "checkpoints.latest.tmp.9.1");
  EXPECT_TRUE(c->Writes());
  c = ParseOpenLine(R"(124  openat(17, "favicon.svg", O_RDONLY|O_NOFOLLOW|O_CLOEXEC) = 18)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path, "favicon.svg");
  EXPECT_FALSE(c->Writes());
  c = ParseOpenLine(R"(125  openat(AT_FDCWD, "/tmp", O_RDWR|O_EXCL|O_TMPFILE, 0600 <unfinished ...>)");
  ASSERT_TRUE(c);  // an anonymous temporary file is a write
  EXPECT_TRUE(c->Writes());
  c = ParseOpenLine(R"(126  creat("/tmp/upload.csv", 0644) = 5)");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->Writes());
  c = ParseOpenLine(R"(127  open("/etc/passwd", O_RDONLY) = 5)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path, "/etc/passwd");
  EXPECT_FALSE(ParseOpenLine(R"(125  <... openat resumed>) = 9)"));
}

// strace attached to every thread of `pid`, writing to `out`, until Stop().
class Tracer {
 public:
  Tracer(pid_t pid, const std::filesystem::path& out) : pid_(pid) {
    const std::string p = std::to_string(pid);
    std::vector<std::string> args = {"strace", "-f", "-qq", "-e",
                                     "trace=open,openat,openat2,creat", "-o", out.string(),
                                     "-p", p};
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&tracer_, "strace", &fa, nullptr, argv.data(), environ) != 0) {
      tracer_ = -1;
    }
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Tracer() { Stop(); }

  // True once every thread of the traced process has a tracer (bounded wait).
  bool WaitAttached() const {
    for (int i = 0; i < 200 && tracer_ > 0; ++i) {
      bool all = true;
      int threads = 0;
      for (const auto& t : std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) +
                                                              "/task")) {
        std::ifstream status(t.path() / "status");
        std::string line;
        while (std::getline(status, line)) {
          if (line.starts_with("TracerPid:")) {
            ++threads;
            all = all && std::stol(line.substr(10)) != 0;
          }
        }
      }
      if (all && threads > 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Detaches (SIGINT) and waits; the trace file is complete afterwards.
  void Stop() {
    if (tracer_ > 0) {
      ::kill(tracer_, SIGINT);
      int status = 0;
      ::waitpid(tracer_, &status, 0);
      tracer_ = -1;
    }
  }
  bool started() const { return tracer_ > 0; }

 private:
  pid_t pid_;
  pid_t tracer_ = -1;
};

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kFile =
    "Session Date,Duration (min),Type,Client,Site\r\n"
    "2026-03-02,50,Individual,Xylophon Wurzelbaum,Quarzwerk Clinic\r\n"
    "2026-03-03,90,Group Supervision,,Quarzwerk Clinic\r\n"
    "2026-03-04,45,Couples/Family,\"Wurzelbaum, Yolanda\",Quarzwerk Clinic\r\n";

TEST(HoursImportHttps, C52TheServerOpensNoFileWhileImporting) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  Browser b(server.origin(), server.certificate(), kUserAgent);
  ASSERT_TRUE(SignUp(b, outbox, NewTestAddress("hours.import"), "Import Therapist"));
  const std::string csrf = CsrfToken(b);
  ASSERT_FALSE(csrf.empty());
  const std::vector<std::string> with_csrf = {"X-CSRF-Token: " + csrf};
  auto r = b.SendJson("PUT", "/api/v1/hours/profile",
                      json::object{{"track", "amft"}, {"degree_date", "2025-06-01"}}, with_csrf);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::vector<std::string> csv_headers = {"X-CSRF-Token: " + csrf,
                                                "Content-Type: text/csv"};
  // A first import, cancelled, so that what the server loads once on first use is loaded
  // before the trace: the traced import is what every later import does.
  r = b.Request("POST", "/api/v1/hours/imports", kFile, csv_headers);
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(b.Request("DELETE", "/api/v1/hours/imports/" + StringAt(JsonOf(r), "id"),
                      std::nullopt, with_csrf)
                .status,
            204);
  ASSERT_EQ(b.Get("/static/favicon.svg").status, 200);
  ASSERT_EQ(b.Get("/static/hours-template.csv").status, 200);

  TempDir trace_dir;
  const auto trace = trace_dir / "open.trace";
  Tracer tracer(server.pid(), trace);
  ASSERT_TRUE(tracer.started()) << "strace is missing (scripts/setup installs it)";
  ASSERT_TRUE(tracer.WaitAttached()) << "strace did not attach to every thread";

  ASSERT_EQ(b.Get("/static/favicon.svg").status, 200);  // start marker
  r = b.Request("POST", "/api/v1/hours/imports", kFile, csv_headers);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = StringAt(JsonOf(r), "id");
  EXPECT_NE(r.body.find(R"("alias":"X.W.")"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("Xylophon"), std::string::npos);
  r = b.Get("/api/v1/hours/imports/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  r = b.Request("POST", "/api/v1/hours/imports/" + id + "/confirm", std::nullopt, with_csrf);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"created":3})");
  ASSERT_EQ(b.Get("/static/hours-template.csv").status, 200);  // end marker
  tracer.Stop();

  std::ifstream in(trace);
  std::string line;
  std::vector<OpenCall> window;
  int markers = 0;  // 0: before the start, 1: inside, 2: after the end
  while (std::getline(in, line)) {
    const auto call = ParseOpenLine(line);
    if (!call) {
      continue;
    }
    if (markers == 0 && call->Name() == "favicon.svg") {
      markers = 1;
      continue;
    }
    if (markers == 1 && call->Name() == "hours-template.csv") {
      markers = 2;
      continue;
    }
    if (markers == 1) {
      window.push_back(*call);
    }
  }
  ASSERT_EQ(markers, 2) << "the trace does not show both static files the server opened:\n"
                        << Slurp(trace);
  const std::filesystem::path data = server.data_dir();
  const std::string audit_dir = (data / "audit").string();
  std::string offending;
  for (const OpenCall& c : window) {
    const std::string name = c.Name();
    const bool database = name == "alcove.db" || name == "alcove.db-wal" ||
                          name == "alcove.db-shm" || name == "alcove.db-journal";
    const bool checkpoint = c.path.starts_with(audit_dir + "/checkpoints");
    const bool audit_dir_fsync = c.path == audit_dir && !c.Writes();
    const bool static_dir = c.path.ends_with("/web/static") && !c.Writes();  // the end marker's
    if (!database && !checkpoint && !audit_dir_fsync && !static_dir) {
      offending += c.path + " " + c.flags + "\n";
    }
  }
  EXPECT_TRUE(offending.empty()) << "opened while importing:\n" << offending;

  // What the server did write: the database (scanned by the C50/C52 tests) and the
  // checkpoints, which hold tree heads and signatures only.
  for (const auto& f : std::filesystem::directory_iterator(data / "audit")) {
    const std::string text = Slurp(f.path());
    for (const char* clear : {"Xylophon", "Wurzelbaum", "Yolanda", "X.W.", "W.Y.", "Quarzwerk",
                              "2026-03-02"}) {
      EXPECT_EQ(text.find(clear), std::string::npos) << clear << " in " << f.path();
    }
  }
  ASSERT_EQ(server.Stop(), 0) << server.Stderr();
  EXPECT_EQ(server.Stderr().find("Xylophon"), std::string::npos);
  EXPECT_EQ(server.Stderr().find("Quarzwerk"), std::string::npos);
}

}  // namespace
}  // namespace alcove::testing
