// `alcove doctor` (doctor.hpp; docs/operations.md § Posture).
#include "cli/doctor.hpp"

#include <fmt/format.h>

#include <boost/url/parse.hpp>
#include <filesystem>
#include <string>

#include "ai/provider.hpp"
#include "audit/checkpoint_signer.hpp"
#include "cli/backup.hpp"
#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "core/files.hpp"
#include "core/time_text.hpp"
#include "crypto/certificate_info.hpp"
#include "crypto/master_key_file.hpp"
#include "crypto/tokens.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "web/security_page.hpp"

namespace alcove::cli {

namespace fs = std::filesystem;
using security::Level;
using security::PostureItem;

namespace {

constexpr Micros kDay = 86'400'000'000;

std::string Day(Micros t) { return FormatRfc3339Micros(t).substr(0, 10); }

std::string Age(Micros then, Micros now) {
  const Micros d = now - then;
  if (d < 0) {
    return "in the future";
  }
  if (d < 3'600'000'000) {
    return fmt::format("{} minutes ago", d / 60'000'000);
  }
  if (d < 2 * kDay) {
    return fmt::format("{} hours ago", d / 3'600'000'000);
  }
  return fmt::format("{} days ago", d / kDay);
}

std::optional<Micros> ModifiedAt(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  if (ec) {
    return std::nullopt;
  }
  const auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::microseconds>(sys.time_since_epoch()).count();
}

std::string HostOf(const std::string& origin) {
  auto u = boost::urls::parse_uri(origin);
  return u ? std::string(u->host()) : std::string();
}

PostureItem Certificate(const Config& config, Micros now) {
  PostureItem i{.id = "tls.certificate", .title = "TLS certificate"};
  const fs::path file = config.InDataDir(config.tls.certificate);
  auto info = crypto::ReadCertificateInfo(file);
  if (!info) {
    i.level = Level::kFail;
    i.detail = info.error().internal;
    i.fix = "Put the certificate chain (PEM) at tls.certificate and its key at tls.private_key.";
    return i;
  }
  const std::string validity = fmt::format("valid until {}", Day(info->not_after));
  if (info->not_after <= now) {
    i.level = Level::kFail;
    i.detail = fmt::format("{} expired on {}.", file.string(), Day(info->not_after));
    i.fix = "Renew the certificate (e.g. with your ACME client) and restart the server.";
    return i;
  }
  if (info->development) {
    i.level = Level::kWarn;
    i.detail = fmt::format(
        "The self-signed development certificate for localhost ({}): "
        "browsers warn about it and nobody can check it is this server.",
        validity);
    i.fix = "Install a certificate from a public CA for the host of server.public_origin at " +
            file.string() + " (and its key at tls.private_key), then restart.";
    return i;
  }
  if (info->self_signed) {
    i.level = Level::kWarn;
    i.detail = fmt::format("A self-signed certificate ({}), {}.", info->subject, validity);
    i.fix = "Use a certificate from a CA that your users' browsers trust.";
    return i;
  }
  if (info->not_after - now < 30 * kDay) {
    i.level = Level::kWarn;
    i.detail = fmt::format("Issued to {} by {}; it expires on {}, in less than 30 days.",
                           info->subject, info->issuer, Day(info->not_after));
    i.fix = "Renew it now; check that renewal runs on its own.";
    return i;
  }
  const std::string host = HostOf(config.PublicOrigin(config.server.https_port));
  bool names_host = false;
  for (const auto& n : info->names) {
    // A wildcard stands for exactly one label: *.example.org names a.example.org.
    const bool wildcard =
        n.starts_with("*.") && host.size() > n.size() - 1 && host.ends_with(n.substr(1)) &&
        host.substr(0, host.size() - (n.size() - 1)).find('.') == std::string::npos;
    names_host |= n == host || wildcard;
  }
  if (!names_host) {
    i.level = Level::kWarn;
    i.detail = fmt::format("Issued to {} by {}, {}, but not for {}.", info->subject, info->issuer,
                           validity, host);
    i.fix = "Use a certificate whose names include the host of server.public_origin.";
    return i;
  }
  i.detail = fmt::format("Issued to {} by {}, {}.", info->subject, info->issuer, validity);
  return i;
}

PostureItem Origin(const Config& config) {
  PostureItem i{.id = "server.public_origin", .title = "Public address and HSTS"};
  const std::string origin = config.PublicOrigin(config.server.https_port);
  const std::string host = HostOf(origin);
  if (config.server.public_origin.empty() || host == "localhost" || host == "127.0.0.1") {
    i.level = Level::kWarn;
    i.detail = "Links in mail and redirects go to " + origin +
               ", which only this machine reaches. Every response carries HSTS for two years "
               "with includeSubDomains and preload (C12).";
    i.fix = "Set server.public_origin to the practice's address (https://alcove.example.org).";
    return i;
  }
  i.detail = "Links and redirects go to " + origin +
             "; every response carries HSTS (max-age two years, includeSubDomains, preload; "
             "C12) and plain HTTP only redirects there (C11).";
  return i;
}

PostureItem Database(const Config& config) {
  PostureItem i{.id = "database", .title = "Database"};
  if (config.database.url.empty()) {
    i.detail =
        "SQLite in the data directory (alcove.db); content is encrypted in the "
        "application before it is stored (C01).";
    return i;
  }
  auto mode = store::PostgresSslMode(config.database.url);
  if (!mode) {
    i.level = Level::kFail;
    i.detail = mode.error().internal;
    i.fix = "Correct database.url.";
    return i;
  }
  if (*mode == "verify-full") {
    i.detail =
        "PostgreSQL over TLS with the server's certificate and host name verified "
        "(sslmode=verify-full).";
    return i;
  }
  if (*mode == "verify-ca") {
    i.level = Level::kWarn;
    i.detail =
        "PostgreSQL over TLS with sslmode=verify-ca: the certificate is checked, the "
        "host name is not.";
    i.fix = "Use sslmode=verify-full in database.url.";
    return i;
  }
  i.level = *mode == "require" ? Level::kWarn : Level::kFail;
  i.detail = *mode == "require"
                 ? "PostgreSQL over TLS with sslmode=require: encrypted, but the server's "
                   "identity is not verified, so a machine in the middle could pose as the "
                   "database."
                 : "database.url does not require TLS (sslmode=" +
                       (mode->empty() ? std::string("none") : *mode) +
                       "); the server refuses to start with it (C13).";
  i.fix = "Use sslmode=verify-full with sslrootcert=<the CA file> in database.url.";
  return i;
}

PostureItem Witness(const Config& config, Micros now) {
  PostureItem i{.id = "audit.witness", .title = "Audit log witness"};
  const fs::path latest = audit::LatestCheckpointPath(audit::CheckpointFilePath(config.data_dir));
  const auto at = ModifiedAt(latest);
  const std::string last =
      at ? "The last signed checkpoint was written " + Age(*at, now) + "."
         : "No checkpoint has been signed yet (the first comes with the first event).";
  if (config.audit.witness.empty()) {
    i.level = Level::kWarn;
    i.detail =
        "No witness: someone who controls this machine could rewrite the whole log "
        "unseen. " +
        last;
    i.fix =
        "Set audit.witness to a directory on another machine or an https:// URL that "
        "keeps every checkpoint (docs/audit.md § Witness).";
    return i;
  }
  i.detail = "Every signed checkpoint also goes to the witness " +
             (config.audit.witness.starts_with("https://") ? HostOf(config.audit.witness)
                                                           : config.audit.witness) +
             " (C44). " + last;
  return i;
}

PostureItem Backups(const Config& config, Micros now) {
  PostureItem i{.id = "backups", .title = "Backups"};
  if (!config.database.url.empty()) {
    i.level = Level::kNote;
    i.detail = "PostgreSQL: backups are pg_dump's, which this server cannot see.";
    i.fix =
        "Check that pg_dump runs every day and that a restore drill passes "
        "(docs/compliance/hipaa/contingency-plan.md).";
    return i;
  }
  auto text = ReadSmallFile(config.data_dir / kLastBackupFileName, 256);
  std::optional<Micros> at;
  if (text) {
    std::string t = *text;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) {
      t.pop_back();
    }
    at = ParseUtcTime(t);
  }
  const std::string command =
      "alcove backup --data-dir " + config.data_dir.string() + " --out <file elsewhere>";
  if (!at) {
    i.level = Level::kWarn;
    i.detail = "No backup of this data directory is recorded.";
    i.fix = "Take one now and every day: " + command + " (docs/backups.md).";
    return i;
  }
  if (now - *at > kDay + 3'600'000'000) {
    i.level = Level::kWarn;
    i.detail = "The last backup was taken " + Age(*at, now) + " (" + Day(*at) + ").";
    i.fix = "Back up at least daily: " + command + ".";
    return i;
  }
  i.detail = "The last backup was taken " + Age(*at, now) + ".";
  return i;
}

PostureItem Retirement(const Config& config, Micros now) {
  PostureItem i{.id = "keys.retirement", .title = "Master-key retirement and the backup window"};
  auto versions = crypto::DescribeMasterKeyFile(config.InDataDir(config.keys.master_key_file));
  if (!versions) {
    i.level = Level::kFail;
    i.detail = versions.error().internal;
    i.fix = "Fix the key file as the message says; without it nothing can be decrypted.";
    return i;
  }
  const Micros window = static_cast<Micros>(config.keys.backup_retention_days) * kDay;
  std::vector<std::string> overdue;
  for (const auto& v : *versions) {
    if (v.replaced && now - *v.replaced > window) {
      overdue.push_back(fmt::format("version {} (replaced {})", v.version, Day(*v.replaced)));
    }
  }
  const std::string current = fmt::format("version {}", versions->back().version);
  if (!overdue.empty()) {
    std::string list;
    for (const auto& o : overdue) {
      list += (list.empty() ? "" : ", ") + o;
    }
    i.level = Level::kWarn;
    i.detail = "The key file still holds " + list +
               ", replaced longer ago than the backup "
               "window of " +
               std::to_string(config.keys.backup_retention_days) +
               " days: backups that old can still be read, deleted clients' included (C06).";
    i.fix = "Retire them: alcove keys retire --data-dir " + config.data_dir.string() +
            " --before " + Day(now - window) + " (a dry run first; then --yes).";
    return i;
  }
  i.detail =
      "The key file holds " + std::to_string(versions->size()) + " version(s), the current one " +
      current + "; none was replaced longer ago than the backup window of " +
      std::to_string(config.keys.backup_retention_days) + " days (keys.backup_retention_days).";
  return i;
}

PostureItem Mail(const Config& config, const Environment& env) {
  PostureItem i{.id = "mail", .title = "Mail"};
  if (config.mail.mode == "outbox") {
    i.level = Level::kWarn;
    i.detail =
        "Development mode: mail is written to the outbox/ folder of the data directory "
        "and nobody receives it.";
    i.fix =
        "Set mail.mode = \"smtp\" with mail.smtp_url (smtps:// or smtp:// with STARTTLS) "
        "and a provider under a BAA if it relays mail (docs/compliance/hipaa/"
        "business-associates.md).";
    return i;
  }
  if (!config.mail.smtp_password_env.empty() && !env.contains(config.mail.smtp_password_env)) {
    i.level = Level::kFail;
    i.detail = "mail.smtp_password_env names " + config.mail.smtp_password_env +
               ", which is not set in this environment.";
    i.fix = "Set " + config.mail.smtp_password_env + " for the server's process.";
    return i;
  }
  i.detail = "Mail goes by SMTP over TLS to " + HostOf(config.mail.smtp_url) +
             "; it carries links only, never client content (C53).";
  return i;
}

PostureItem Ai(const Config& config, const Environment& env, const ai::Providers* running) {
  PostureItem i{.id = "ai", .title = "AI providers"};
  // The server's own providers when it asks; `alcove doctor` makes them from the
  // configuration as `serve` would.
  Result<ai::Providers> made;
  if (running == nullptr) {
    made = ai::MakeProviders(config, env);
    if (!made) {
      i.level = Level::kFail;
      i.detail = made.error().internal;
      i.fix =
          "Correct the [ai] settings (docs/configuration.md § [ai]); the server does not "
          "start with them.";
      return i;
    }
    running = &*made;
  }
  std::string detail;
  bool leaves = false;
  bool terms_missing = false;
  for (const ai::ProviderDescription* d : {&running->transcribe, &running->draft}) {
    const std::string job = d->job == "transcribe" ? "Transcription" : "Drafting";
    if (d->provider == "off") {
      detail += job + ": off. ";
    } else if (!d->leaves_server) {
      detail += job + ": on this server (" + d->engine + "); nothing leaves it. ";
    } else {
      leaves = true;
      terms_missing |=
          d->vendor.empty() || d->vendor_retention.empty() || d->vendor_training.empty();
      detail += job + ": " + d->sends + " leaves the server for " + d->host + " (" +
                (d->vendor.empty() ? std::string("vendor not named") : d->vendor) + "). ";
    }
  }
  detail.pop_back();
  i.detail = detail;
  if (leaves && terms_missing) {
    i.level = Level::kWarn;
    i.fix =
        "Name the vendor and what it states about retention and training "
        "(ai.vendor_name, ai.vendor_retention, ai.vendor_training): the /ai page shows "
        "\"Not stated\" to clients until then. Have a BAA with it.";
  } else if (leaves) {
    i.level = Level::kNote;
    i.fix =
        "Keep the BAA with the vendor current; the /ai page tells clients where their "
        "data goes.";
  }
  return i;
}

PostureItem Permissions(const Config& config) {
  PostureItem i{.id = "files", .title = "Permissions of the data directory and key files"};
  std::vector<std::string> problems;
  if (auto st = CheckPrivateDirectory(config.data_dir, "data directory"); !st) {
    problems.push_back(st.error().internal);
  }
  const std::pair<fs::path, const char*> files[] = {
      {config.InDataDir(config.keys.master_key_file), "master key file"},
      {config.InDataDir(config.tls.private_key), "TLS private key"},
      {audit::SigningKeyPath(config.data_dir), "audit signing key"},
  };
  for (const auto& [path, what] : files) {
    if (auto st = CheckPrivateFile(path, what); !st) {
      problems.push_back(st.error().internal);
    }
  }
  if (config.database.url.empty()) {
    for (const char* suffix : {"", "-wal"}) {
      const fs::path db = config.data_dir / (std::string(store::kSqliteFileName) + suffix);
      std::error_code ec;
      if (fs::exists(db, ec)) {
        if (auto st = CheckPrivateFile(db, "database file"); !st) {
          problems.push_back(st.error().internal);
        }
      }
    }
  }
  if (problems.empty()) {
    i.detail = "The data directory, the key files and the database are private to this user.";
    return i;
  }
  i.level = Level::kFail;
  for (const auto& p : problems) {
    i.detail += (i.detail.empty() ? "" : " ") + p + (p.ends_with('.') ? "" : ".");
  }
  i.fix =
      "Make each private to the user the server runs as, as said above; the server "
      "refuses a key file others can read.";
  return i;
}

PostureItem Contact(const Config& config) {
  PostureItem i{.id = "security.contact", .title = "Security contact"};
  const std::string& c = config.security.contact;
  if (c.empty() || c.ends_with("@localhost") || c.find("example.") != std::string::npos) {
    i.level = Level::kWarn;
    i.detail = "/.well-known/security.txt names " + (c.empty() ? std::string("nobody") : c) +
               " as where to report a vulnerability (C61).";
    i.fix =
        "Set security.contact to an address someone reads (mailto:security@your-practice "
        "or an https:// form).";
    return i;
  }
  i.detail = "/.well-known/security.txt names " + c + " (C61).";
  return i;
}

PostureItem Proxies(const Config& config) {
  PostureItem i{.id = "server.trusted_proxies", .title = "Trusted proxies"};
  if (config.server.trusted_proxies.empty()) {
    i.detail =
        "None: the address of each connection is the client's; X-Forwarded-For is "
        "ignored.";
    return i;
  }
  i.level = Level::kNote;
  i.detail = "X-Forwarded-For is believed from " + config.server.trusted_proxies +
             " only; rate limits, sessions and the audit log use the address it names.";
  i.fix = "Make sure only these proxies can reach port " +
          std::to_string(config.server.https_port) + ".";
  return i;
}

}  // namespace

std::vector<PostureItem> CheckPosture(const Config& config, const Environment& env, Micros now,
                                      const ai::Providers* running) {
  return {Certificate(config, now), Origin(config),           Database(config),
          Witness(config, now),     Backups(config, now),     Retirement(config, now),
          Mail(config, env),        Ai(config, env, running), Permissions(config),
          Proxies(config),          Contact(config)};
}

int Doctor(const Config& config, bool web_link) {
  const auto items = CheckPosture(config, ProcessEnvironment(), SystemClock::Instance().Now());
  fmt::print("alcove doctor: {}\n\n", config.data_dir.string());
  int warnings = 0;
  int problems = 0;
  for (const auto& i : items) {
    fmt::print("{:<8} {}: {}\n", security::LevelName(i.level), i.title, i.detail);
    if (!i.fix.empty() && i.level != Level::kOk) {
      fmt::print("{:<8} {} {}\n", "", i.level == Level::kNote ? "Keep in mind:" : "Fix:", i.fix);
    }
    warnings += i.level == Level::kWarn ? 1 : 0;
    problems += i.level == Level::kFail ? 1 : 0;
  }
  fmt::print("\n{} warning(s), {} problem(s).{}\n", warnings, problems,
             warnings + problems == 0 ? " Nothing to fix." : "");
  if (web_link) {
    auto db = OpenDatabase(config);
    if (!db) {
      fmt::print(stderr, "alcove doctor: no link: {}\n", db.error().internal);
      return 2;
    }
    crypto::TokenIssuer tokens(**db, SystemClock::Instance());
    constexpr Micros kHour = 3'600'000'000;
    auto token = tokens.Issue(web::kOperatorPostureTokenPurpose, kHour, crypto::TokenUse::kReusable,
                              "operator");
    if (!token) {
      fmt::print(stderr, "alcove doctor: no link: {}\n", token.error().internal);
      return 2;
    }
    fmt::print(
        "\nThe same checks on the security page, for the next hour (keep the link to "
        "yourself):\n{}/security#token={}\n",
        config.PublicOrigin(config.server.https_port), token->reveal());
  }
  return security::NeedsAttention(items) ? 1 : 0;
}

}  // namespace alcove::cli
