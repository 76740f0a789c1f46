#include "core/config.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <variant>

#include "core/files.hpp"

extern char** environ;

namespace alcove {
namespace {

using Ref = std::variant<std::string*, std::uint16_t*, std::uint32_t*>;

struct Field {
  std::string_view section;
  std::string_view key;
  Ref (*ref)(Config&);
  std::uint64_t min = 0;
  std::uint64_t max = 0;
};

// The one list of settings. Integers carry their accepted range.
const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = {
      {"server", "bind", [](Config& c) -> Ref { return &c.server.bind; }},
      {"server", "https_port", [](Config& c) -> Ref { return &c.server.https_port; }, 0, 65535},
      {"server", "http_port", [](Config& c) -> Ref { return &c.server.http_port; }, 0, 65535},
      {"server", "public_origin", [](Config& c) -> Ref { return &c.server.public_origin; }},
      {"server", "trusted_proxies", [](Config& c) -> Ref { return &c.server.trusted_proxies; }},
      {"server", "max_connections", [](Config& c) -> Ref { return &c.server.max_connections; }, 1,
       1'000'000},
      {"server", "max_connections_per_address",
       [](Config& c) -> Ref { return &c.server.max_connections_per_address; }, 1, 1'000'000},
      {"server", "max_redirect_connections_per_address",
       [](Config& c) -> Ref { return &c.server.max_redirect_connections_per_address; }, 1,
       1'000'000},
      {"server", "max_header_bytes", [](Config& c) -> Ref { return &c.server.max_header_bytes; },
       1024, 1024 * 1024},
      {"server", "max_body_bytes", [](Config& c) -> Ref { return &c.server.max_body_bytes; }, 0,
       1024u * 1024 * 1024},
      {"server", "max_body_memory_bytes",
       [](Config& c) -> Ref { return &c.server.max_body_memory_bytes; }, 1024, 0xFFFF'FFFFu},
      {"server", "header_timeout_seconds",
       [](Config& c) -> Ref { return &c.server.header_timeout_seconds; }, 1, 3600},
      {"server", "body_timeout_seconds",
       [](Config& c) -> Ref { return &c.server.body_timeout_seconds; }, 1, 3600},
      {"server", "idle_timeout_seconds",
       [](Config& c) -> Ref { return &c.server.idle_timeout_seconds; }, 1, 3600},
      {"server", "shutdown_grace_seconds",
       [](Config& c) -> Ref { return &c.server.shutdown_grace_seconds; }, 0, 600},
      {"server", "io_threads", [](Config& c) -> Ref { return &c.server.io_threads; }, 0, 256},
      {"server", "worker_threads", [](Config& c) -> Ref { return &c.server.worker_threads; }, 0,
       1024},
      {"server", "web_dir", [](Config& c) -> Ref { return &c.server.web_dir; }},
      {"tls", "certificate", [](Config& c) -> Ref { return &c.tls.certificate; }},
      {"tls", "private_key", [](Config& c) -> Ref { return &c.tls.private_key; }},
      {"keys", "master_key_file", [](Config& c) -> Ref { return &c.keys.master_key_file; }},
      {"keys", "backup_retention_days",
       [](Config& c) -> Ref { return &c.keys.backup_retention_days; }, 1, 3650},
      {"security", "contact", [](Config& c) -> Ref { return &c.security.contact; }},
      {"security", "policy_url", [](Config& c) -> Ref { return &c.security.policy_url; }},
      {"security", "claims_manifest", [](Config& c) -> Ref { return &c.security.claims_manifest; }},
      {"security", "test_results", [](Config& c) -> Ref { return &c.security.test_results; }},
      {"security", "security_txt_days",
       [](Config& c) -> Ref { return &c.security.security_txt_days; }, 1, 365},
      {"mail", "mode", [](Config& c) -> Ref { return &c.mail.mode; }},
      {"mail", "from", [](Config& c) -> Ref { return &c.mail.from; }},
      {"mail", "smtp_url", [](Config& c) -> Ref { return &c.mail.smtp_url; }},
      {"mail", "smtp_username", [](Config& c) -> Ref { return &c.mail.smtp_username; }},
      {"mail", "smtp_password_env", [](Config& c) -> Ref { return &c.mail.smtp_password_env; }},
      {"database", "url", [](Config& c) -> Ref { return &c.database.url; }},
      {"database", "password_env", [](Config& c) -> Ref { return &c.database.password_env; }},
      {"database", "migration_url", [](Config& c) -> Ref { return &c.database.migration_url; }},
      {"database", "migration_password_env",
       [](Config& c) -> Ref { return &c.database.migration_password_env; }},
      {"sessions", "idle_minutes", [](Config& c) -> Ref { return &c.sessions.idle_minutes; }, 1,
       1440},
      {"sessions", "absolute_hours", [](Config& c) -> Ref { return &c.sessions.absolute_hours; }, 1,
       168},
      {"rate_limits", "store", [](Config& c) -> Ref { return &c.rate_limits.store; }},
      {"rate_limits", "sign_in", [](Config& c) -> Ref { return &c.rate_limits.sign_in; }},
      {"rate_limits", "magic_link", [](Config& c) -> Ref { return &c.rate_limits.magic_link; }},
      {"rate_limits", "consume", [](Config& c) -> Ref { return &c.rate_limits.consume; }},
      {"rate_limits", "password", [](Config& c) -> Ref { return &c.rate_limits.password; }},
      {"rate_limits", "portal_invite",
       [](Config& c) -> Ref { return &c.rate_limits.portal_invite; }},
      {"rate_limits", "public_link", [](Config& c) -> Ref { return &c.rate_limits.public_link; }},
      {"rate_limits", "ai", [](Config& c) -> Ref { return &c.rate_limits.ai; }},
      {"audit", "witness", [](Config& c) -> Ref { return &c.audit.witness; }},
      {"audit", "witness_ca_file", [](Config& c) -> Ref { return &c.audit.witness_ca_file; }},
      {"ai", "transcribe", [](Config& c) -> Ref { return &c.ai.transcribe; }},
      {"ai", "draft", [](Config& c) -> Ref { return &c.ai.draft; }},
      {"ai", "workers", [](Config& c) -> Ref { return &c.ai.workers; }, 1, 16},
      {"ai", "local_model_dir", [](Config& c) -> Ref { return &c.ai.local_model_dir; }},
      {"ai", "openai_url", [](Config& c) -> Ref { return &c.ai.openai_url; }},
      {"ai", "openai_api_key_env", [](Config& c) -> Ref { return &c.ai.openai_api_key_env; }},
      {"ai", "openai_ca_file", [](Config& c) -> Ref { return &c.ai.openai_ca_file; }},
      {"ai", "openai_transcribe_model",
       [](Config& c) -> Ref { return &c.ai.openai_transcribe_model; }},
      {"ai", "openai_draft_model", [](Config& c) -> Ref { return &c.ai.openai_draft_model; }},
      {"ai", "openai_timeout_seconds",
       [](Config& c) -> Ref { return &c.ai.openai_timeout_seconds; }, 1, 3600},
      {"ai", "openai_max_retries", [](Config& c) -> Ref { return &c.ai.openai_max_retries; }, 0,
       10},
      {"ai", "prompts_dir", [](Config& c) -> Ref { return &c.ai.prompts_dir; }},
      {"ai", "vendor_name", [](Config& c) -> Ref { return &c.ai.vendor_name; }},
      {"ai", "vendor_retention", [](Config& c) -> Ref { return &c.ai.vendor_retention; }},
      {"ai", "vendor_training", [](Config& c) -> Ref { return &c.ai.vendor_training; }},
      {"log", "level", [](Config& c) -> Ref { return &c.log.level; }},
  };
  return fields;
}

std::string Dotted(const Field& f) { return fmt::format("{}.{}", f.section, f.key); }

std::string EnvName(const Field& f) {
  std::string name = fmt::format("ALCOVE_{}_{}", f.section, f.key);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

const Field* FindDotted(std::string_view dotted) {
  for (const auto& f : Fields()) {
    if (Dotted(f) == dotted) {
      return &f;
    }
  }
  return nullptr;
}

const Field* FindEnv(std::string_view name) {
  for (const auto& f : Fields()) {
    if (EnvName(f) == name) {
      return &f;
    }
  }
  return nullptr;
}

// Sets a field from text (environment and flags). `where` names the source for errors.
Status SetFromText(Config& config, const Field& f, const std::string& text,
                   const std::string& where) {
  return std::visit(
      [&](auto* target) -> Status {
        using T = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string>) {
          *target = text;
          return {};
        } else {
          std::uint64_t v = 0;
          const auto* end = text.data() + text.size();
          const auto [p, ec] = std::from_chars(text.data(), end, v);
          if (text.empty() || ec != std::errc{} || p != end || v < f.min || v > f.max) {
            return Fail(ErrorCode::kInvalidArgument,
                        fmt::format("{}: {} must be a whole number from {} to {}", where, Dotted(f),
                                    f.min, f.max));
          }
          *target = static_cast<T>(v);
          return {};
        }
      },
      f.ref(config));
}

Status SetFromToml(Config& config, const Field& f, const toml::node& node,
                   const std::string& where) {
  return std::visit(
      [&](auto* target) -> Status {
        using T = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string>) {
          const auto* s = node.as_string();
          if (s == nullptr) {
            return Fail(ErrorCode::kInvalidArgument,
                        fmt::format("{}: {} must be a string", where, Dotted(f)));
          }
          *target = s->get();
          return {};
        } else {
          const auto* i = node.as_integer();
          if (i == nullptr || i->get() < 0 || static_cast<std::uint64_t>(i->get()) < f.min ||
              static_cast<std::uint64_t>(i->get()) > f.max) {
            return Fail(ErrorCode::kInvalidArgument,
                        fmt::format("{}: {} must be a whole number from {} to {}", where, Dotted(f),
                                    f.min, f.max));
          }
          *target = static_cast<T>(i->get());
          return {};
        }
      },
      f.ref(config));
}

Status ApplyToml(Config& config, const std::filesystem::path& file) {
  auto text = ReadSmallFile(file, 1024 * 1024);
  if (!text) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot read the configuration file {}: {}; run `alcove init "
                            "--data-dir {}` to create a data directory",
                            file.string(), text.error().internal, file.parent_path().string()));
  }
  toml::table root;
  try {
    root = toml::parse(*text, file.string());
  } catch (const toml::parse_error& e) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{}:{}:{}: {}", file.string(), e.source().begin.line,
                            e.source().begin.column, e.description()));
  }
  const std::string where = file.string();
  for (const auto& [section_key, section_node] : root) {
    const auto* section = section_node.as_table();
    if (section == nullptr) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("{}: unknown setting `{}` (settings live in sections such as "
                              "[server]; see docs/configuration.md)",
                              where, section_key.str()));
    }
    for (const auto& [key, node] : *section) {
      const std::string dotted = fmt::format("{}.{}", section_key.str(), key.str());
      const Field* f = FindDotted(dotted);
      if (f == nullptr) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("{}: unknown setting `{}`; remove it or fix its spelling (known "
                                "settings are listed in docs/configuration.md)",
                                where, dotted));
      }
      if (auto st = SetFromToml(config, *f, node, where); !st) {
        return st;
      }
    }
  }
  return {};
}

bool IsEnvVarName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A PostgreSQL URL setting: empty, or postgresql:// without a password in it.
Status ValidateDatabaseUrl(std::string_view name, const std::string& u) {
  if (u.empty()) {
    return {};
  }
  if (!u.starts_with("postgresql://") && !u.starts_with("postgres://")) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} must be empty (SQLite) or a postgresql:// URL", name));
  }
  const auto authority_start = u.find("//") + 2;
  const auto authority = u.substr(0, u.find_first_of("/?", authority_start));
  const auto at = authority.rfind('@');
  const bool user_password = at != std::string::npos && authority.find(':', authority_start) < at;
  if (user_password || u.find("password=") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} must not contain a password; name the variable that holds it "
                            "in {}password_env",
                            name, name == "database.url" ? "database." : "database.migration_"));
  }
  return {};
}

// Checks values that have a shape, after all layers are applied.
Status Validate(const Config& c) {
  auto bad = [](std::string msg) { return Fail(ErrorCode::kInvalidArgument, std::move(msg)); };
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, c.server.bind.c_str(), buf) != 1 &&
      inet_pton(AF_INET6, c.server.bind.c_str(), buf) != 1) {
    return bad(fmt::format("server.bind must be an IP address such as 127.0.0.1 or ::1, not `{}`",
                           c.server.bind));
  }
  if (c.server.https_port != 0 && c.server.https_port == c.server.http_port) {
    return bad("server.https_port and server.http_port must differ");
  }
  if (!c.server.public_origin.empty()) {
    const auto& o = c.server.public_origin;
    const bool ok = o.starts_with("https://") && o.size() > 8 &&
                    o.find_first_of("/?#@ \\", 8) == std::string::npos;
    if (!ok) {
      return bad(fmt::format(
          "server.public_origin must look like https://host or https://host:port (no path), not "
          "`{}`",
          o));
    }
  }
  if (!c.security.contact.starts_with("mailto:") && !c.security.contact.starts_with("https://")) {
    return bad("security.contact must be a mailto: or https:// URI (RFC 9116 Contact)");
  }
  if (!c.security.policy_url.empty() && !c.security.policy_url.starts_with("https://")) {
    return bad("security.policy_url must be an https:// URL");
  }
  if (c.mail.mode != "outbox" && c.mail.mode != "smtp") {
    return bad(fmt::format("mail.mode must be \"outbox\" or \"smtp\", not `{}`", c.mail.mode));
  }
  if (c.mail.mode == "smtp" && !c.mail.smtp_url.starts_with("smtps://") &&
      !c.mail.smtp_url.starts_with("smtp://")) {
    return bad("mail.mode = \"smtp\" needs mail.smtp_url (smtps://host:465 or smtp://host:587)");
  }
  for (const auto& [name, value] :
       {std::pair{"mail.smtp_password_env", &c.mail.smtp_password_env},
        std::pair{"database.password_env", &c.database.password_env},
        std::pair{"database.migration_password_env", &c.database.migration_password_env},
        std::pair{"ai.openai_api_key_env", &c.ai.openai_api_key_env}}) {
    if (!value->empty() && !IsEnvVarName(*value)) {
      return bad(fmt::format(
          "{} names an environment variable (e.g. ALCOVE_DB_PASSWORD); put the secret in that "
          "variable, never in the file",
          name));
    }
  }
  for (const auto& [name, url] : {std::pair{"database.url", &c.database.url},
                                  std::pair{"database.migration_url", &c.database.migration_url}}) {
    if (auto st = ValidateDatabaseUrl(name, *url); !st) {
      return st;
    }
  }
  if (!c.database.migration_url.empty() && c.database.url.empty()) {
    return bad("database.migration_url needs database.url (the app role's URL) as well");
  }
  if (c.rate_limits.store != "memory" && c.rate_limits.store != "database") {
    return bad(fmt::format("rate_limits.store must be \"memory\" or \"database\", not `{}`",
                           c.rate_limits.store));
  }
  for (const auto& [name, value] :
       {std::pair{"ai.transcribe", &c.ai.transcribe}, std::pair{"ai.draft", &c.ai.draft}}) {
    if (*value != "local" && *value != "openai" && *value != "off") {
      return bad(
          fmt::format("{} must be \"local\", \"openai\" or \"off\", not `{}`", name, *value));
    }
  }
  const bool uses_openai = c.ai.transcribe == "openai" || c.ai.draft == "openai";
  if (uses_openai && !c.ai.openai_url.starts_with("https://")) {
    return bad(
        "ai.transcribe or ai.draft = \"openai\" needs ai.openai_url, an https:// URL "
        "(e.g. https://api.example.com); data is never sent without TLS");
  }
  if (!c.ai.openai_url.empty() && !c.ai.openai_url.starts_with("https://")) {
    return bad("ai.openai_url must be an https:// URL");
  }
  if (c.ai.draft == "openai" && c.ai.openai_draft_model.empty()) {
    return bad("ai.draft = \"openai\" needs ai.openai_draft_model (the model to draft with)");
  }
  static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (std::find(std::begin(kLevels), std::end(kLevels), c.log.level) == std::end(kLevels)) {
    return bad("log.level must be one of trace, debug, info, warn, error");
  }
  return {};
}

}  // namespace

std::filesystem::path Config::InDataDir(const std::filesystem::path& p) const {
  return p.is_absolute() ? p : data_dir / p;
}

std::string Config::PublicOrigin(std::uint16_t actual_https_port) const {
  if (!server.public_origin.empty()) {
    return server.public_origin;
  }
  if (actual_https_port == 443) {
    return "https://localhost";
  }
  return fmt::format("https://localhost:{}", actual_https_port);
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  return env;
}

Result<Config> LoadConfig(const std::filesystem::path& data_dir, const Environment& env,
                          const std::map<std::string, std::string>& flags) {
  Config config;
  config.data_dir = data_dir;
  if (auto st = ApplyToml(config, data_dir / "alcove.toml"); !st) {
    return std::unexpected(st.error());
  }
  for (const auto& [name, value] : env) {
    if (!name.starts_with("ALCOVE_")) {
      continue;
    }
    if (const Field* f = FindEnv(name)) {
      if (auto st = SetFromText(config, *f, value, "environment variable " + name); !st) {
        return std::unexpected(st.error());
      }
    }
  }
  for (const auto& [dotted, value] : flags) {
    const Field* f = FindDotted(dotted);
    if (f == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("unknown setting `{}`", dotted));
    }
    if (auto st = SetFromText(config, *f, value, "command line"); !st) {
      return std::unexpected(st.error());
    }
  }
  // Unknown ALCOVE_* variables are errors too (a typo must not silently do nothing),
  // except the ones that settings name as holders of secrets, and the master key.
  for (const auto& [name, value] : env) {
    if (!name.starts_with("ALCOVE_") || FindEnv(name) != nullptr || name == kMasterKeyEnv ||
        name == config.mail.smtp_password_env || name == config.database.password_env ||
        name == config.database.migration_password_env || name == config.ai.openai_api_key_env) {
      continue;
    }
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("unknown environment variable {}; remove it or fix its spelling "
                            "(known variables are listed in docs/configuration.md)",
                            name));
  }
  if (auto st = Validate(config); !st) {
    return std::unexpected(st.error());
  }
  return config;
}

std::vector<std::string> KnownConfigKeys() {
  std::vector<std::string> keys;
  for (const auto& f : Fields()) {
    keys.push_back(Dotted(f));
  }
  return keys;
}

std::string DefaultConfigToml() {
  return R"(# Alcove settings. Environment variables override this file
# (server.https_port -> ALCOVE_SERVER_HTTPS_PORT), and command-line flags override both.
# Unknown keys are errors. Never put a secret here: settings ending in _env name the
# environment variable that holds it. All keys: docs/configuration.md.

[server]
bind = "127.0.0.1"
https_port = 8443
http_port = 8080
# The address people use to reach this server; links and redirects use it.
# Empty means https://localhost:<https_port>.
public_origin = ""
# Reverse proxies whose X-Forwarded-For is believed (comma-separated IP addresses).
trusted_proxies = ""
max_connections = 1024
# Per client address (IPv6 by /64), HTTPS and the redirect-only listener.
max_connections_per_address = 64
max_redirect_connections_per_address = 8
max_header_bytes = 16384
max_body_bytes = 1048576
# All request bodies being read at once, together; past it: 503 and Retry-After.
max_body_memory_bytes = 67108864
header_timeout_seconds = 10
body_timeout_seconds = 30
idle_timeout_seconds = 60
shutdown_grace_seconds = 10

[tls]
# Paths are relative to this directory. `alcove init` made a development
# certificate for localhost; replace both files with a real certificate in production.
certificate = "tls/cert.pem"
private_key = "tls/key.pem"

[keys]
master_key_file = "master.key"

[security]
# Where people report vulnerabilities (published in /.well-known/security.txt).
contact = "mailto:security@localhost"

[mail]
# "outbox" writes each mail to outbox/ and prints its link; "smtp" sends it.
mode = "outbox"
from = "Alcove <no-reply@localhost>"

[database]
# Empty: the embedded SQLite database in this directory.
url = ""

[sessions]
# A session ends after this long unused, and this long after sign-in in any case.
idle_minutes = 30
absolute_hours = 12

[rate_limits]
# "memory" for one server; "database" when several servers share one database.
store = "memory"
# Per route class, "<events> per <n>s|m|h burst <burst>"; empty means the default
# (docs/rate-limits.md), e.g. sign_in = "10 per 15m burst 5".

[audit]
# A directory outside this one, or an https:// URL, that receives every signed checkpoint
# of the audit log (docs/audit.md); `alcove audit verify` checks the log against it.
witness = ""

[ai]
# Who transcribes recordings and drafts summaries: "local" (on this server; nothing
# leaves it), "openai" (an OpenAI-compatible server over HTTPS: your own whisper.cpp,
# llama.cpp, Ollama or vLLM, or a vendor under a business associate agreement) or "off".
# The page /ai shows what this means for your clients (docs/ai.md).
transcribe = "local"
draft = "local"
# For "openai": openai_url = "https://...", openai_api_key_env = "ALCOVE_AI_KEY" (the
# variable holding the key), openai_draft_model = "...", and what the vendor states:
# vendor_name, vendor_retention, vendor_training.

[log]
level = "info"
)";
}

}  // namespace alcove
