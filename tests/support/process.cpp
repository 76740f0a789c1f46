#include "support/process.hpp"

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <regex>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace alcove::testing {
namespace {

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ChildEnv(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("ALCOVE_")) {
      continue;
    }
    env.emplace_back(*e);
  }
  for (const auto& [k, v] : extra) {
    env.push_back(k + "=" + v);
  }
  return env;
}

pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::filesystem::path& out, const std::filesystem::path& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> argv_s = {ALCOVE_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  auto env_s = ChildEnv(env);
  std::vector<char*> envp;
  for (auto& e : env_s) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, ALCOVE_BINARY, &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    throw std::runtime_error("posix_spawn failed");
  }
  return pid;
}

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

CommandResult RunAlcove(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env) {
  TempDir tmp;
  const pid_t pid = Spawn(args, env, tmp / "out", tmp / "err");
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {ExitCode(status), Slurp(tmp / "out"), Slurp(tmp / "err")};
}

ServerProcess::ServerProcess(Options options)
    : data_dir_(options.existing_data_dir.empty() ? temp_ / "data" : options.existing_data_dir) {
  if (options.existing_data_dir.empty()) {
    const auto init = RunAlcove({"init", "--data-dir", data_dir_.string()});
    if (init.exit_code != 0) {
      throw std::runtime_error("alcove init failed: " + init.err);
    }
  }
  if (options.prepare) {
    options.prepare(data_dir_);
  }
  std::vector<std::string> args = {"serve", "--data-dir", data_dir_.string(), "--https-port",
                                   "0",     "--http-port", "0"};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  pid_ = Spawn(args, options.env, temp_ / "serve.out", temp_ / "serve.err");

  // Wait for the "listening" line (bounded: a broken server must not hang the suite).
  const std::regex listening(R"(listening https=(\d+) http=(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string out = Stdout();
    if (std::regex_search(out, m, listening)) {
      https_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      http_port_ = static_cast<std::uint16_t>(std::stoi(m[2]));
      started_ = true;
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = ExitCode(status);
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int ServerProcess::Stop() {
  if (pid_ < 0) {
    return exit_code_;
  }
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = ExitCode(status);
      pid_ = -1;
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_code_ = -1;
  return exit_code_;
}

void ServerProcess::Signal(int signal) {
  if (pid_ > 0) {
    ::kill(pid_, signal);
  }
}

ServerProcess::~ServerProcess() { Stop(); }

std::string ServerProcess::Stdout() const { return Slurp(temp_ / "serve.out"); }
std::string ServerProcess::Stderr() const { return Slurp(temp_ / "serve.err"); }

std::string ServerProcess::StderrOnceItHas(std::string_view needle) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  std::string text = Stderr();
  while (text.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    text = Stderr();
  }
  return text;
}

}  // namespace alcove::testing
