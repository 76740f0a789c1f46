// The `alcove` binary: parses the command line and calls into the library.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/audit.hpp"
#include "cli/backup.hpp"
#include "cli/commands.hpp"
#include "cli/doctor.hpp"
#include "cli/keys.hpp"
#include "core/config.hpp"
#include "core/time_text.hpp"

namespace {

std::string Versions(const std::vector<std::uint32_t>& v) {
  return v.empty() ? std::string("none") : fmt::format("{}", fmt::join(v, ", "));
}

// What `alcove keys retire` did or would do, in the operator's words.
void PrintRetirement(const alcove::crypto::RetirementPlan& plan, const std::string& before) {
  if (plan.retire.empty()) {
    fmt::print("Nothing to retire: no master-key version was replaced before {}.\n", before);
  } else {
    fmt::print(
        "{} version(s) {} of the key file. Database backups taken before {} can then "
        "no longer be restored with this key file, nor with any copy of it made from "
        "now on; destroy older copies of the key file with those backups "
        "(docs/backups.md).\n",
        plan.applied ? "Retired" : "Would retire", Versions(plan.retire),
        alcove::FormatRfc3339Micros(plan.unreadable_before));
  }
  fmt::print("Kept: version {} (current{}){}.\n", plan.current,
             plan.current_created
                 ? ", created " + alcove::FormatRfc3339Micros(*plan.current_created)
                 : std::string(),
             plan.kept.empty() ? std::string()
                               : fmt::format("; version(s) {}, which backups taken since {} "
                                             "still need",
                                             Versions(plan.kept), before));
  if (!plan.retire.empty() && !plan.applied) {
    fmt::print("Dry run: nothing changed. Run again with --yes to retire.\n");
  }
}

}  // namespace

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
  auto* rotate = keys->add_subcommand("rotate",
                                      "Add a master key version and re-wrap every data key (old "
                                      "versions stay until `keys retire`)");
  rotate->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")->required();
  std::string before;
  bool yes = false;
  auto* retire = keys->add_subcommand(
      "retire", "Remove master key versions that no kept database backup needs (C06)");
  retire->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")->required();
  retire
      ->add_option("--before", before,
                   "When the oldest database backup you keep was taken (UTC: 2026-11-01 or "
                   "2026-11-01T09:30:00Z); versions replaced before then are retired")
      ->required();
  retire->add_flag("--yes", yes, "Retire them (without it: only say what would happen)");

  std::string out_file;
  auto* backup = app.add_subcommand(
      "backup", "Write a consistent copy of the data directory, never a master key (C08)");
  backup->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")->required();
  backup->add_option("--out", out_file, "The backup file to create (outside the data directory)")
      ->required();
  std::string from_file;
  std::string master_key;
  auto* restore = app.add_subcommand(
      "restore", "Create a new data directory from a backup and the separately kept key file");
  restore->add_option("--from", from_file, "A file made by `alcove backup`")->required();
  restore->add_option("--data-dir", data_dir, "The new data directory (must not exist)")
      ->required();
  restore->add_option("--master-key", master_key, "The master key file kept apart from backups")
      ->required();

  auto* audit = app.add_subcommand("audit", "Check and prove the audit log");
  audit->require_subcommand(1);
  auto* verify =
      audit->add_subcommand("verify", "Recompute the whole log and check every signed checkpoint");
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

  auto* doctor =
      app.add_subcommand("doctor", "Check the deployment's security posture and say what to fix");
  doctor->add_option("--data-dir", data_dir, "Data directory made by `alcove init`")->required();
  bool web_link = false;
  doctor->add_flag("--web-link", web_link,
                   "Also print a link that shows the posture on the security page for an hour");

  CLI11_PARSE(app, argc, argv);

  if (doctor->parsed()) {
    auto config = alcove::LoadConfig(data_dir, alcove::ProcessEnvironment());
    if (!config) {
      fmt::print(stderr, "alcove doctor: {}\n", config.error().internal);
      return 2;
    }
    return alcove::cli::Doctor(*config, web_link);
  }

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
    fmt::print(
        "Created {}: alcove.toml, master.key (keep it secret and backed up),\n"
        "audit/signing.key (signs the audit log's checkpoints; keep it too), the\n"
        "database alcove.db, and a development TLS certificate for localhost in tls/.\n"
        "Start the server with: alcove serve --data-dir {}\n",
        data_dir, data_dir);
    return 0;
  }

  if (backup->parsed()) {
    auto config = alcove::LoadConfig(data_dir, alcove::ProcessEnvironment());
    if (!config) {
      fmt::print(stderr, "alcove backup: {}\n", config.error().internal);
      return 2;
    }
    auto report = alcove::cli::CreateBackup(*config, out_file);
    if (!report) {
      fmt::print(stderr, "alcove backup: {}\n", report.error().internal);
      return 1;
    }
    fmt::print(
        "Wrote {} ({} bytes): the database as of {}, alcove.toml, the audit signing "
        "key{}{}. It holds no master key: keep master.key apart from it, and both only as "
        "long as your backup-retention window (docs/backups.md).\n",
        out_file, report->bytes, alcove::FormatRfc3339Micros(report->taken_at),
        report->has_checkpoints ? ", checkpoints" : "",
        report->blobs == 0
            ? std::string()
            : fmt::format(" and {} recording(s)' audio (ciphertext)", report->blobs));
    return 0;
  }

  if (restore->parsed()) {
    auto report = alcove::cli::RestoreBackup(from_file, data_dir, master_key);
    if (!report) {
      fmt::print(stderr, "alcove restore: {}\n", report.error().internal);
      return 1;
    }
    fmt::print(
        "Restored the backup taken {} into {}; {}.\n",
        alcove::FormatRfc3339Micros(report->backup_taken_at), data_dir,
        report->data_keys_checked == 0
            ? std::string("the database holds no data key yet, so the key file could "
                          "not be checked against it")
            : fmt::format("the key file opened all {} data keys", report->data_keys_checked));
    if (report->made_development_certificate) {
      fmt::print(
          "TLS private keys never travel in a backup: made a self-signed development "
          "certificate for localhost at {}; install your real certificate and key "
          "there before serving the practice.\n",
          report->certificate.string());
    }
    fmt::print(
        "Check the audit log with: alcove audit verify --data-dir {}\n"
        "Start the server with: alcove serve --data-dir {}\n",
        data_dir, data_dir);
    return 0;
  }

  if (retire->parsed()) {
    const auto when = alcove::ParseUtcTime(before);
    if (!when) {
      fmt::print(stderr,
                 "alcove keys retire: --before must be a UTC date or time like 2026-11-01 or "
                 "2026-11-01T09:30:00Z, not {}\n",
                 before);
      return 2;
    }
    const auto env = alcove::ProcessEnvironment();
    auto config = alcove::LoadConfig(data_dir, env);
    if (!config) {
      fmt::print(stderr, "alcove keys retire: {}\n", config.error().internal);
      return 2;
    }
    auto plan = alcove::cli::RetireKeyVersions(*config, env, *when, yes);
    if (!plan) {
      fmt::print(stderr, "alcove keys retire: {}\n", plan.error().internal);
      return 1;
    }
    PrintRetirement(*plan, alcove::FormatRfc3339Micros(*when));
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
    fmt::print(
        "{} master key version {}; re-wrapped {} data keys; older versions kept in the "
        "key file for restoring older backups: {}.\n"
        "Once the database backups taken before now are gone, remove them with "
        "`alcove keys retire --before DATE` (docs/backups.md).\n",
        report->resumed ? "Finished the interrupted rotation to" : "Rotated to",
        report->new_version, report->rewrapped, Versions(report->replaced));
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
