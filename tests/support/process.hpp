#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "support/temp_dir.hpp"

namespace alcove::testing {

struct CommandResult {
  int exit_code = -1;  // -1 if killed by a signal
  std::string out;
  std::string err;
};

// Runs the alcove binary with `args` and waits for it. The child's environment is
// this process's without ALCOVE_* variables, plus `env`.
CommandResult RunAlcove(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env = {});

// A real `alcove serve` on free loopback ports, on a data directory made by
// `alcove init` (or one given). Stops it (SIGTERM, then SIGKILL after a bound) when
// destroyed.
class ServerProcess {
 public:
  struct Options {
    std::map<std::string, std::string> env;
    std::vector<std::string> extra_args;
    // Called after `alcove init`, before `serve` (to edit files in the data dir).
    std::function<void(const std::filesystem::path&)> prepare;
    // Serve this existing data directory (e.g. one made by `alcove restore`) instead of
    // a new one made by `alcove init`.
    std::filesystem::path existing_data_dir;
  };

  explicit ServerProcess(Options options);
  ServerProcess() : ServerProcess(Options{}) {}
  ~ServerProcess();

  // True once the server printed its "listening" line; false if it exited first.
  bool started() const { return started_; }
  std::uint16_t https_port() const { return https_port_; }
  std::uint16_t http_port() const { return http_port_; }
  std::string origin() const { return "https://localhost:" + std::to_string(https_port_); }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path certificate() const { return data_dir_ / "tls/cert.pem"; }

  // Sends SIGTERM and waits (bounded); returns the exit code, -1 if it had to be killed.
  int Stop();
  // Sends `signal` without waiting.
  void Signal(int signal);
  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;
  // The server's log once it contains `needle`, waiting (bounded) for the buffered log
  // to be flushed (at least once a second); whatever it holds after the bound otherwise.
  std::string StderrOnceItHas(std::string_view needle) const;

 private:
  TempDir temp_;
  std::filesystem::path data_dir_;
  pid_t pid_ = -1;
  bool started_ = false;
  std::uint16_t https_port_ = 0;
  std::uint16_t http_port_ = 0;
  int exit_code_ = -1;
};

}  // namespace alcove::testing
