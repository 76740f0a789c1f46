#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "ai/provider.hpp"
#include "cli/audit.hpp"
#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "cli/doctor.hpp"
#include "cli/modules.hpp"
#include "core/clock.hpp"
#include "core/files.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "crypto/password_hasher.hpp"
#include "identity/identity.hpp"
#include "identity/rate_limit.hpp"
#include "mail/mailer.hpp"
#include "mail/queue.hpp"
#include "measures/instruments.hpp"
#include "store/blob_store.hpp"
#include "web/app.hpp"
#include "web/audit_routes.hpp"
#include "web/security_page.hpp"
#include "web/server.hpp"
#include "web/session_auth.hpp"

#if !defined(ALCOVE_DEFAULT_CLAIMS_MANIFEST) || !defined(ALCOVE_DEFAULT_TEST_RESULTS)
#error "ALCOVE_DEFAULT_CLAIMS_MANIFEST and ALCOVE_DEFAULT_TEST_RESULTS must be defined by the build"
#endif
#ifndef ALCOVE_DEFAULT_WEB_DIR
#error "ALCOVE_DEFAULT_WEB_DIR must be defined by the build"
#endif

namespace alcove::cli {
namespace {

unsigned Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

// Once a minute: expired sessions and tokens go, idle cached data keys are wiped, idle
// rate-limit buckets are forgotten, and every module does its own (practice: client data
// keys whose destruction failed are destroyed, C06). Stops (and joins) on destruction.
class Housekeeping {
 public:
  Housekeeping(store::Db& db, identity::Identity& identity, crypto::KeyRing& keys,
               identity::RateLimitStore& limits, ModuleSet& modules, const Clock& clock)
      : thread_([&, this] {
          std::unique_lock lock(mu_);
          while (!cv_.wait_for(lock, std::chrono::seconds(60), [this] { return stop_; })) {
            lock.unlock();
            if (auto n = identity.SweepExpired(); !n) {
              spdlog::warn("sweeping expired sessions failed: {}", n.error().internal);
            }
            keys.PurgeExpired();
            if (auto n = limits.Sweep(clock.Now()); !n) {
              spdlog::warn("sweeping rate-limit buckets failed: {}", n.error().internal);
            }
            modules.Housekeeping(clock.Now());
            // A key destruction whose WAL truncation was kept from completing (a reader
            // in another process) is finished here (C06).
            if (auto st = db.ForgetDeleted(); !st) {
              spdlog::warn("truncating the write-ahead log failed: {}", st.error().internal);
            }
            lock.lock();
          }
        }) {}
  ~Housekeeping() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last
};

}  // namespace

Status CheckDataDir(const Config& config) {
  if (auto st = CheckPrivateDirectory(config.data_dir, "data directory"); !st) {
    return st;
  }
  if (auto versions = crypto::CheckMasterKeyFile(config.InDataDir(config.keys.master_key_file));
      !versions) {
    return std::unexpected(versions.error());
  }
  return {};
}

void SetUpLogging(const std::string& level) {
  // stderr is unbuffered by default: one write(2) per access line halved the
  // server's throughput under load (docs/performance.md). Buffer it, flush at least
  // once a second, and at once for warnings and errors.
  static char buffer[64 * 1024];
  std::setvbuf(stderr, buffer, _IOFBF, sizeof buffer);
  auto logger = spdlog::stderr_logger_mt("alcove");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
}

int Serve(const Config& config) {
  if (auto st = CheckDataDir(config); !st) {
    fmt::print(stderr, "alcove serve: {}\n", st.error().internal);
    return 2;
  }
  // The built-in questionnaires (src/measures/instruments/*.toml) load, or nothing starts:
  // a defective instrument file must not score a client's answers.
  if (auto st = measures::CheckBuiltInInstruments(); !st) {
    fmt::print(stderr, "alcove serve: {}\n", st.error().internal);
    return 2;
  }
  // Opened and migrated before anything listens: an unusable database stops start-up.
  auto db = OpenDatabase(config);
  if (!db) {
    fmt::print(stderr, "alcove serve: {}\n", db.error().internal);
    return 2;
  }
  // The audit log: signed checkpoints every 100 events, every 60 s, and at shutdown.
  auto audit = AuditRuntime::Start(config, **db, SystemClock::Instance());
  if (!audit) {
    fmt::print(stderr, "alcove serve: {}\n", audit.error().internal);
    return 2;
  }
  web::ServerOptions so;
  so.bind_address = config.server.bind;
  so.https_port = config.server.https_port;
  so.http_port = config.server.http_port;
  so.max_connections = config.server.max_connections;
  so.max_connections_per_address = config.server.max_connections_per_address;
  so.max_redirect_connections_per_address = config.server.max_redirect_connections_per_address;
  auto trusted = web::TrustedProxies::Parse(config.server.trusted_proxies);
  if (!trusted) {
    fmt::print(stderr, "alcove serve: {}\n", trusted.error().internal);
    return 2;
  }
  so.budget_exempt = trusted->addresses();
  so.max_header_bytes = config.server.max_header_bytes;
  so.max_body_memory_bytes = config.server.max_body_memory_bytes;
  so.header_timeout = std::chrono::seconds(config.server.header_timeout_seconds);
  so.body_timeout = std::chrono::seconds(config.server.body_timeout_seconds);
  so.idle_timeout = std::chrono::seconds(config.server.idle_timeout_seconds);
  so.shutdown_grace = std::chrono::seconds(config.server.shutdown_grace_seconds);
  so.io_threads = config.server.io_threads != 0 ? config.server.io_threads : Cores();
  so.worker_threads =
      config.server.worker_threads != 0 ? config.server.worker_threads : std::max(2u, Cores());
  so.certificate = config.InDataDir(config.tls.certificate);
  so.private_key = config.InDataDir(config.tls.private_key);

  auto server = web::Server::Create(so);
  if (!server) {
    fmt::print(stderr, "alcove serve: {}\n", server.error().internal);
    return 2;
  }
  const std::string origin = config.PublicOrigin((*server)->https_port());

  web::AppOptions ao;
  ao.web_dir = config.server.web_dir.empty() ? std::filesystem::path(ALCOVE_DEFAULT_WEB_DIR)
                                             : std::filesystem::path(config.server.web_dir);
  ao.default_max_body_bytes = config.server.max_body_bytes;
  ao.trusted_proxies = *trusted;
  ao.site = web::SiteSettings{.public_origin = origin,
                              .security_contact = config.security.contact,
                              .policy_url = config.security.policy_url,
                              .security_txt_days = config.security.security_txt_days};
  // The security page's promises and this build's test results (docs/security.md § The
  // security page): read once, here; a manifest that cannot be read stops the server.
  {
    auto report = web::LoadSecurityReport(
        config.security.claims_manifest.empty()
            ? std::filesystem::path(ALCOVE_DEFAULT_CLAIMS_MANIFEST)
            : config.InDataDir(config.security.claims_manifest),
        config.security.test_results.empty() ? std::filesystem::path(ALCOVE_DEFAULT_TEST_RESULTS)
                                             : config.InDataDir(config.security.test_results));
    if (!report) {
      fmt::print(stderr, "alcove serve: {}\n", report.error().internal);
      return 2;
    }
    ao.security_report = std::make_shared<const security::SecurityReport>(std::move(*report));
  }
  const Clock& clock = SystemClock::Instance();
  // Identity: keys, password hashing, mail, rate limits, sessions.
  auto keys = crypto::KeyRing::OpenFromConfig(**db, config, ProcessEnvironment(), clock);
  if (!keys) {
    fmt::print(stderr, "alcove serve: {}\n", keys.error().internal);
    return 2;
  }
  auto hasher = crypto::PasswordHasher::Create();
  auto mailer = mail::MakeMailer(config, ProcessEnvironment(), clock);
  auto limits = identity::RateLimitsFromConfig(config.rate_limits);
  if (!hasher || !mailer || !limits) {
    fmt::print(stderr, "alcove serve: {}\n",
               !hasher ? hasher.error().internal
                       : (!mailer ? mailer.error().internal : limits.error().internal));
    return 2;
  }
  mail::Queue mail_queue(**mailer);
  std::unique_ptr<identity::RateLimitStore> limit_store;
  if (config.rate_limits.store == "database") {
    limit_store = std::make_unique<identity::DbRateLimitStore>(**db);
  } else {
    limit_store = std::make_unique<identity::InMemoryRateLimitStore>();
  }
  identity::RateLimiter limiter(*limit_store, clock, std::move(*limits));
  identity::IdentityOptions io{
      .public_origin = origin,
      .session_idle = static_cast<Micros>(config.sessions.idle_minutes) * 60 * kMicrosPerSecond,
      .session_absolute =
          static_cast<Micros>(config.sessions.absolute_hours) * 3600 * kMicrosPerSecond,
  };
  identity::Identity identity(**db, **keys, **hasher, (*audit)->log(), mail_queue, clock, io);
  web::IdentityServices identity_services{.identity = identity, .limiter = limiter, .clock = clock};
  web::AuditServices audit_services{
      .db = **db,
      .checkpoint = [rt =
                         audit->get()](std::uint64_t size) { return rt->CheckpointCovering(size); },
      .verifier_key = (*audit)->VerifierKey(),
  };
  // Recordings' ciphertext (docs/recordings.md): DATA_DIR/blobs, 0700.
  auto blobs = store::OpenFileBlobStore(config.data_dir / "blobs");
  if (!blobs) {
    fmt::print(stderr, "alcove serve: {}\n", blobs.error().internal);
    return 2;
  }
  // The AI providers of the configuration (docs/ai.md): one that cannot start (a missing
  // model, an API key variable that is not set) stops the server with what to change.
  auto ai_providers = ai::MakeProviders(config, ProcessEnvironment());
  if (!ai_providers) {
    fmt::print(stderr, "alcove serve: {}\n", ai_providers.error().internal);
    return 2;
  }
  // The domain modules (cli/modules.hpp): services, routes, housekeeping.
  ModuleSet modules(ModuleDeps{.db = **db,
                               .keys = **keys,
                               .log = (*audit)->log(),
                               .clock = clock,
                               .identity = identity,
                               .hasher = **hasher,
                               .mail = mail_queue,
                               .public_origin = origin,
                               .checkpoint = audit_services.checkpoint,
                               .verifier_key = audit_services.verifier_key,
                               .earlier = {},
                               .supervisor_directory = nullptr,
                               .blobs = blobs->get(),
                               .ai_providers = &*ai_providers,
                               .ai_workers = config.ai.workers});
  audit_services.client_aliases = [&modules](const identity::Principal& who) {
    return modules.Aliases(who);
  };
  ao.identity = &identity_services;
  ao.audit = &audit_services;
  ao.modules = modules.RouteAdders(identity_services);
  // The operator's section of the security page: `alcove doctor`'s checks, for the holder
  // of a token `alcove doctor --web-link` issued (docs/security.md § Live posture).
  crypto::TokenIssuer operator_tokens(**db, clock);
  const ai::Providers* running_ai = &*ai_providers;
  ao.posture = web::PostureSource{.check =
                                      [&config, &clock, running_ai] {
                                        return CheckPosture(config, ProcessEnvironment(),
                                                            clock.Now(), running_ai);
                                      },
                                  .tokens = &operator_tokens};
  Housekeeping housekeeping(**db, identity, **keys, *limit_store, modules, clock);

  auto app = web::App::Create(ao, clock);
  if (!app) {
    fmt::print(stderr, "alcove serve: {}\n", app.error().internal);
    return 2;
  }
  web::RedirectApp redirect(origin, clock);

  fmt::print("Alcove is serving {}\n", origin);
  fmt::print("  http://{}:{} only redirects there.\n",
             config.server.bind.find(':') != std::string::npos ? "[" + config.server.bind + "]"
                                                               : config.server.bind,
             (*server)->http_port());
  if (config.tls.certificate == TlsConfig{}.certificate) {
    fmt::print(
        "  The certificate is the development certificate made by `alcove init`: your browser "
        "will warn about it.\n  For production, set tls.certificate and tls.private_key to a "
        "real certificate.\n");
  }
  fmt::print("  Data directory: {}. Stop with Ctrl-C.\n", config.data_dir.string());
  fmt::print("listening https={} http={}\n", (*server)->https_port(), (*server)->http_port());
  std::fflush(stdout);

  (*server)->Run(**app, redirect);
  identity.WaitIdle();  // queued sign-in links are issued and audited before the last checkpoint
  mail_queue.WaitIdle();
  (*audit)->Stop();
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace alcove::cli
