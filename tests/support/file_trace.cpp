#include "support/file_trace.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace alcove::testing {

namespace {

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

bool FileWriteTrace::Start(const std::filesystem::path& dir) {
  // Under Yama's ptrace_scope 1 a tracer must be allowed; without Yama this fails, harmlessly.
  (void)::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  out_ = dir / "trace.txt";
  const std::string pid = std::to_string(::getpid());
  const std::string out = out_.string();
  std::vector<const char*> argv{"strace", "-f", "-qq", "-e",
                                "trace=open,openat,openat2,creat,rename,renameat,renameat2,"
                                "link,linkat,symlink,symlinkat,mknod,mknodat",
                                "-o", out.c_str(), "-p", pid.c_str(), nullptr};
  if (::posix_spawnp(&pid_, "strace", nullptr, nullptr, const_cast<char* const*>(argv.data()),
                     environ) != 0) {
    pid_ = 0;
    return false;
  }
  // Wait until strace sees us: a marker path shows up in its output.
  const std::string marker = (dir / "strace-ready").string();
  for (int i = 0; i < 200; ++i) {
    const int fd = ::open(marker.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::close(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (ReadAll(out_).find("strace-ready") != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> FileWriteTrace::Stop() {
  std::vector<std::string> written;
  if (pid_ == 0) {
    return written;
  }
  ::kill(pid_, SIGINT);
  int wstatus = 0;
  ::waitpid(pid_, &wstatus, 0);
  pid_ = 0;
  log_ = ReadAll(out_);
  std::istringstream lines(log_);
  std::string line;
  const std::regex path_re("\"([^\"]*)\"");
  while (std::getline(lines, line)) {
    const bool writes = line.find("O_WRONLY") != std::string::npos ||
                        line.find("O_RDWR") != std::string::npos ||
                        line.find("O_CREAT") != std::string::npos ||
                        line.find("creat(") != std::string::npos ||
                        line.find("rename") != std::string::npos ||
                        line.find("link") != std::string::npos ||
                        line.find("mknod") != std::string::npos;
    if (!writes || line.find("= -1") != std::string::npos) {
      continue;
    }
    for (auto it = std::sregex_iterator(line.begin(), line.end(), path_re);
         it != std::sregex_iterator(); ++it) {
      written.push_back((*it)[1].str());
    }
  }
  return written;
}

FileWriteTrace::~FileWriteTrace() {
  if (pid_ != 0) {
    (void)Stop();
  }
}

}  // namespace alcove::testing
