#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace alcove {

// Settings, in three layers: the data directory's alcove.toml, then `ALCOVE_*`
// environment variables, then command-line flags; a later layer wins. Every key has
// one spelling in each layer: `server.https_port` in the file is
// `ALCOVE_SERVER_HTTPS_PORT` in the environment. Unknown keys are errors in every
// layer. Secrets never live here: a setting ending in `_env` names the environment
// variable that holds the secret. docs/configuration.md lists every key.

struct ServerConfig {
  std::string bind = "127.0.0.1";
  std::uint16_t https_port = 8443;
  std::uint16_t http_port = 8080;
  // The origin users reach (e.g. "https://alcove.example.org"); redirects and links
  // use it, never a request's Host header. Empty: https://localhost:<https_port>.
  std::string public_origin;
  std::uint32_t max_connections = 1024;
  // Per client address (IPv6 grouped by /64), on the HTTPS and on the redirect listener.
  std::uint32_t max_connections_per_address = 64;
  std::uint32_t max_redirect_connections_per_address = 8;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint32_t max_body_bytes = 1024 * 1024;              // routes may set their own
  std::uint32_t max_body_memory_bytes = 64 * 1024 * 1024;  // all bodies in flight together
  std::uint32_t header_timeout_seconds = 10;  // whole request head, and the TLS handshake
  std::uint32_t body_timeout_seconds = 30;
  std::uint32_t idle_timeout_seconds = 60;  // between requests on a kept-alive connection
  std::uint32_t shutdown_grace_seconds = 10;
  std::uint32_t io_threads = 0;      // 0: one per core
  std::uint32_t worker_threads = 0;  // 0: one per core, at least 2
  std::string web_dir;               // templates/ and static/; empty: built-in
  // Reverse proxies whose X-Forwarded-For is believed: comma-separated IP addresses.
  // Empty: none, the TCP peer is the client.
  std::string trusted_proxies;
};

struct TlsConfig {
  std::string certificate = "tls/cert.pem";  // relative paths are inside the data dir
  std::string private_key = "tls/key.pem";
};

struct KeysConfig {
  std::string master_key_file = "master.key";
  // How long backups are kept (docs/backups.md § Retention and the retire schedule): a
  // master-key version replaced longer ago than this should be retired, so that no copy
  // outlives a deletion by more than the window (C06). `alcove doctor` checks it.
  std::uint32_t backup_retention_days = 35;
};

struct SecurityConfig {
  std::string contact = "mailto:security@localhost";  // security.txt Contact (a URI)
  std::string policy_url;                             // empty: <origin>/security
  std::uint32_t security_txt_days = 180;              // security.txt Expires, from now
  // The security page's sources (docs/security.md § The security page): the promises with
  // the tests that prove them (made by the build from CLAIMS.md and the tests), and this
  // build's test results (CTest's JUnit file, written by `make test`). Empty: the build's.
  std::string claims_manifest;
  std::string test_results;
};

struct MailConfig {
  std::string mode = "outbox";  // "outbox" (development) or "smtp"
  std::string from = "Alcove <no-reply@localhost>";
  std::string smtp_url;  // smtps://host:465 or smtp://host:587 (STARTTLS required)
  std::string smtp_username;
  std::string smtp_password_env;  // the NAME of the variable holding the password
};

struct DatabaseConfig {
  std::string url;           // empty: SQLite in the data dir; postgresql://... otherwise
  std::string password_env;  // the NAME of the variable holding the password
  // PostgreSQL only: the owner role's URL. When set, start-up applies migrations
  // through it and then serves through `url` (the app role, which may not change the
  // schema). Empty: migrations run through `url`.
  std::string migration_url;
  std::string migration_password_env;
};

struct SessionsConfig {
  std::uint32_t idle_minutes = 30;    // a session unused this long ends
  std::uint32_t absolute_hours = 12;  // a session ends this long after sign-in, used or not
};

// Rate limits per route class (docs/rate-limits.md). Each limit is written
// "<events> per <n>s|m|h burst <burst>", e.g. "10 per 15m burst 5"; empty: the default.
struct RateLimitsConfig {
  std::string store = "memory";  // "memory" (one server) or "database" (shared by servers)
  std::string sign_in;
  std::string magic_link;
  std::string consume;
  std::string password;
  std::string portal_invite;
  std::string public_link;
  std::string ai;
};

struct AuditConfig {
  // A directory outside the data directory, or an https:// URL, that receives every signed
  // checkpoint (claim C44; docs/audit.md § Witness). Empty: none.
  std::string witness;
  // For an https:// witness: a PEM file of CA certificates to trust instead of the system's.
  std::string witness_ca_file;
};

// AI transcription and drafting (issue #19; docs/ai.md). Each job names its provider:
// "local" (on this server, nothing leaves it), "openai" (an OpenAI-compatible server over
// HTTPS) or "off".
struct AiConfig {
  std::string transcribe = "local";
  std::string draft = "local";
  std::uint32_t workers = 1;  // job worker threads
  // PocketSphinx's acoustic model, dictionary and language model (Debian's
  // pocketsphinx-en-us); empty: /usr/share/pocketsphinx/model/en-us.
  std::string local_model_dir;
  // The OpenAI-compatible server: its base URL (https://host[:port][/prefix]; the
  // provider appends /v1/audio/transcriptions and /v1/chat/completions).
  std::string openai_url;
  std::string openai_api_key_env;  // the environment variable holding the API key; empty: none
  std::string openai_ca_file;      // PEM CA certificates to trust instead of the system's
  std::string openai_transcribe_model = "whisper-1";
  std::string openai_draft_model;
  std::uint32_t openai_timeout_seconds = 120;
  std::uint32_t openai_max_retries = 3;
  // The drafting prompts, files the practice can read (relative to the data directory).
  std::string prompts_dir = "prompts";
  // What the vendor behind openai_url states (shown on the transparency page; empty is
  // shown as "not stated").
  std::string vendor_name;
  std::string vendor_retention;
  std::string vendor_training;
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error
};

struct Config {
  std::filesystem::path data_dir;
  ServerConfig server;
  TlsConfig tls;
  KeysConfig keys;
  SecurityConfig security;
  MailConfig mail;
  DatabaseConfig database;
  SessionsConfig sessions;
  RateLimitsConfig rate_limits;
  AuditConfig audit;
  AiConfig ai;
  LogConfig log;

  // `p` if absolute, else data_dir / p.
  std::filesystem::path InDataDir(const std::filesystem::path& p) const;
  // public_origin, or https://localhost:<port> when unset.
  std::string PublicOrigin(std::uint16_t actual_https_port) const;
};

using Environment = std::map<std::string, std::string>;

// The process environment (for LoadConfig).
Environment ProcessEnvironment();

// Loads DIR/alcove.toml, applies `env` (only ALCOVE_* names are looked at) and then
// `flags` (dotted keys: {"server.https_port", "0"}), and validates the result.
// Errors name the file/variable/flag and the key, and say what is accepted.
Result<Config> LoadConfig(const std::filesystem::path& data_dir, const Environment& env,
                          const std::map<std::string, std::string>& flags = {});

// The alcove.toml that `alcove init` writes: every key with its default, commented.
std::string DefaultConfigToml();

// Environment variable names that are not settings but are read by name elsewhere.
inline constexpr std::string_view kMasterKeyEnv = "ALCOVE_MASTER_KEY";

// Every setting's dotted name, for messages and docs.
std::vector<std::string> KnownConfigKeys();

}  // namespace alcove
