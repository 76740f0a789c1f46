// The `alcove` binary: parses the command line and calls into the library.
#include <cstdio>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/keys.hpp"
#include "core/config.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Alcove: a security-first practice platform for therapists"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "alcove 0.1.0");

  std::string data_dir;
  auto* init = app.add_subcommand("init", "Create a new data directory");
  init->add_option("--data-dir", data_dir, "Directory to create (mode 0700)")->required();

  std::map<std::string, std::string> flags;
  std::string https_port;
  std::string http_port;
  std::string bind;
  auto* serve = app.add_subcommand("serve", "Serve HTTPS (and redirect plain HTTP)");
  serve->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")->required();
  serve->add_option("--https-port", https_port, "HTTPS port (default 8443; 0: any free port)");
  serve->add_option("--http-port", http_port, "Redirect-only HTTP port (default 8080)");
  serve->add_option("--bind", bind, "Address to listen on (default 127.0.0.1)");

  auto* keys = app.add_subcommand("keys", "Manage the master keys");
  keys->require_subcommand(1);
  auto* rotate = keys->add_subcommand(
      "rotate", "Add a master key version, re-wrap every data key, retire the old versions");
  rotate->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")->required();

  CLI11_PARSE(app, argc, argv);

  if (init->parsed()) {
    if (auto st = alcove::cli::InitDataDir(data_dir); !st) {
      fmt::print(stderr, "alcove init: {}\n", st.error().internal);
      return 1;
    }
    fmt::print("Created {}: alcove.toml, master.key (keep it secret and backed up), and a\n"
               "development TLS certificate for localhost in tls/.\n"
               "Start the server with: alcove serve --data-dir {}\n",
               data_dir, data_dir);
    return 0;
  }

  if (rotate->parsed()) {
    const auto env = alcove::ProcessEnvironment();
    auto config = alcove::LoadConfig(data_dir, env);
    if (!config) {
      fmt::print(stderr, "alcove keys rotate: {}\n", config.error().internal);
      return 2;
    }
    auto report = alcove::cli::RotateMasterKeys(*config, env);
    if (!report) {
      fmt::print(stderr, "alcove keys rotate: {}\n", report.error().internal);
      return 1;
    }
    fmt::print("{} master key version {}; re-wrapped {} data keys; retired versions: {}.\n"
               "Keep backups of the old key file only as long as the database backups it "
               "opens (docs/crypto.md).\n",
               report->resumed ? "Finished the interrupted rotation to" : "Rotated to",
               report->new_version, report->rewrapped,
               report->retired.empty() ? std::string("none")
                                       : fmt::format("{}", fmt::join(report->retired, ", ")));
    return 0;
  }

  if (!https_port.empty()) {
    flags["server.https_port"] = https_port;
  }
  if (!http_port.empty()) {
    flags["server.http_port"] = http_port;
  }
  if (!bind.empty()) {
    flags["server.bind"] = bind;
  }
  auto config = alcove::LoadConfig(data_dir, alcove::ProcessEnvironment(), flags);
  if (!config) {
    fmt::print(stderr, "alcove serve: {}\n", config.error().internal);
    return 2;
  }
  alcove::cli::SetUpLogging(config->log.level);
  return alcove::cli::Serve(*config);
}
