// The `alcove` binary: parses the command line and calls into the library.
#include <cstdio>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/audit.hpp"
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

  auto* audit = app.add_subcommand("audit", "Check and prove the audit log");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand(
      "verify", "Recompute the whole log and check every signed checkpoint");
  verify->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")->required();
  std::string witness;
  verify->add_option("--witness", witness,
                     "Check against this witness (directory or https:// URL) instead of "
                     "audit.witness");
  std::uint64_t event_seq = 0;
  auto* prove = audit->add_subcommand("prove", "Print a receipt proving one event is in the log");
  prove->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")->required();
  prove->add_option("--event", event_seq, "The event's sequence number")->required();
  std::string receipt_file;
  std::string verifier_key;
  auto* check = audit->add_subcommand("check", "Check a receipt offline (no database needed)");
  check->add_option("RECEIPT_FILE", receipt_file, "A receipt made by `alcove audit prove`")
      ->required();
  check->add_option("--key", verifier_key, "The verifier key the practice gave you");
  auto* export_cmd = audit->add_subcommand("export", "Write every event as JSON Lines (ids only)");
  export_cmd->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")
      ->required();

  CLI11_PARSE(app, argc, argv);

  if (check->parsed()) {
    return alcove::cli::AuditCheck(receipt_file, verifier_key);
  }
  if (audit->parsed()) {
    auto config = alcove::LoadConfig(data_dir, alcove::ProcessEnvironment());
    if (!config) {
      fmt::print(stderr, "alcove audit: {}\n", config.error().internal);
      return 2;
    }
    if (verify->parsed()) {
      return alcove::cli::AuditVerify(*config, witness);
    }
    if (prove->parsed()) {
      return alcove::cli::AuditProve(*config, event_seq);
    }
    return alcove::cli::AuditExport(*config);
  }

  if (init->parsed()) {
    if (auto st = alcove::cli::InitDataDir(data_dir); !st) {
      fmt::print(stderr, "alcove init: {}\n", st.error().internal);
      return 1;
    }
    fmt::print("Created {}: alcove.toml, master.key (keep it secret and backed up),\n"
               "audit/signing.key (signs the audit log's checkpoints; keep it too), the\n"
               "database alcove.db, and a development TLS certificate for localhost in tls/.\n"
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
