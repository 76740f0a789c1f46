#pragma once

// strace of this very process, for the claims that nothing is written in clear (C03, C54):
// every file opened for writing, created, renamed or linked while the trace runs.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace alcove::testing {

class FileWriteTrace {
 public:
  // Attaches strace to this process (writing its log into `dir`) and waits until it sees
  // us. Returns false when it cannot attach (ptrace not permitted).
  bool Start(const std::filesystem::path& dir);
  // Stops the trace and returns every path opened for writing, created, renamed or linked
  // (successful calls only).
  std::vector<std::string> Stop();
  // The whole strace log (for failure messages).
  const std::string& log() const { return log_; }
  ~FileWriteTrace();

 private:
  pid_t pid_ = 0;
  std::filesystem::path out_;
  std::string log_;
};

}  // namespace alcove::testing
