#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/log.hpp"
#include "cli/modules.hpp"
#include "core/clock.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/signing_key.hpp"
#include "identity/identity.hpp"
#include "identity/rate_limit.hpp"
#include "mail/mailer.hpp"
#include "mail/queue.hpp"
#include "practice/practice.hpp"
#include "store/blob_store.hpp"
#include "store/fault_injecting_db.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"
#include "web/app.hpp"
#include "web/audit_routes.hpp"
#include "web/session_auth.hpp"

namespace alcove::testing {

// Keeps every message it is asked to send.
class RecordingMailer final : public mail::Mailer {
 public:
  Status Send(const mail::Message& message) override;
  std::vector<mail::Message> sent() const;

 private:
  mutable std::mutex mu_;
  std::vector<mail::Message> sent_;
};

// The JSON string member `key` of a flat object body ("" when absent): enough to pick
// ids and the CSRF token out of answers.
std::string JsonMember(const std::string& body, const std::string& key);
// The answer's body as JSON (a failed expectation and null when it is not JSON), and the
// code of its {"error":{"code"}} ("" without one).
boost::json::value ParseJson(const web::Response& response);
std::string ErrorCodeOf(const web::Response& response);

// A browser for the in-process app: its address, its cookies, and the CSRF token of its
// session once signed in.
struct AppBrowser {
  std::string ip;
  std::map<std::string, std::string> cookies;
  std::string csrf;
};

// The whole HTTPS application (App: router, middleware, identity and audit routes, and
// every domain module of cli::Modules()) on a real database of either engine, called in process without sockets: fast
// route tests (issue #11). The practice service and the key ring sit on a
// FaultInjectingDb, so tests can make their statements fail; identity and audit use the
// database directly.
class AppHarness {
 public:
  // For PostgreSQL, `urls` must be set.
  // `supervisors`, when given, is the hours module's directory of supervisors (a fake of
  // the supervision side); it must outlive the harness. With `sign_checkpoints`, the audit
  // log's checkpoints are signed on demand by a key of the harness (receipts, C42), as the
  // server's Checkpointer signs them; without, none can be had. `ai_providers` (which must
  // outlive the harness) are the AI jobs' providers; null: AI is off. No AI worker runs:
  // a test runs the jobs with cli::AiJobsOf(modules())->RunNext().
  static Result<std::unique_ptr<AppHarness>> Create(
      TestEngine engine, const PgUrls* urls,
      const hours::SupervisorDirectory* supervisors = nullptr, bool sign_checkpoints = false,
      const ai::Providers* ai_providers = nullptr);
  ~AppHarness();

  // One request as `browser`: its cookies go along, the answer's Set-Cookie lines update
  // them. `content_type` is sent with a non-empty body; the CSRF header is sent when the
  // browser has a token and `csrf` is true.
  web::Response Call(AppBrowser& browser, std::string method, std::string target,
                     std::string body = "", std::string content_type = "application/json",
                     bool csrf = true);
  // The same with extra request headers (Range, Upload-Offset, ...).
  web::Response CallWith(AppBrowser& browser, std::string method, std::string target,
                         std::string body, std::string content_type,
                         const std::vector<std::pair<std::string, std::string>>& headers);
  // A response's whole body: `body`, or what its stream makes (a range read).
  static std::string BodyOf(const web::Response& response);

  // Signs up a therapist through the API and its confirmation link: a signed-in browser.
  AppBrowser SignUpTherapist(const std::string& email, const std::string& ip);
  // Adds an account of `role` to `owner`'s tenant and signs it in by magic link; a
  // supervisor is invited by `owner` instead (POST /api/v1/hours/supervisors), gets an
  // account in a tenant of its own and signs in by accepting the invitation.
  AppBrowser AddMember(const AppBrowser& owner, identity::Role role, const std::string& email,
                       const std::string& ip);
  // The principal of a signed-in browser.
  identity::Principal PrincipalOf(const AppBrowser& browser);

  web::App& app() { return *app_; }
  store::Db& db() { return *db_.db; }
  store::FaultInjectingDb& faults() { return *faults_; }
  // A practice service on the same parts as the app's (the service holds no state of
  // its own), for tests that call it directly.
  practice::Practice& practice() { return *practice_; }
  identity::Identity& identity() { return *identity_; }
  // Every message mailed so far (after the background work and the queue are idle).
  std::vector<mail::Message> Sent();
  // The key ring and audit log the app's modules use (for tests that make a service of
  // their own on the same parts, e.g. a supervisor's side that is not built yet).
  crypto::KeyRing& keys() { return *ring_; }
  const audit::Log& log() { return *log_; }
  const std::filesystem::path& sqlite_path() const { return db_.sqlite_path; }
  // The master-key file of the key ring (rotation and retirement tests).
  std::filesystem::path key_file() const { return keys_dir_.path() / "master.key"; }
  // The blob store of the recordings, and its directory.
  store::BlobStore& blobs() { return *blobs_; }
  const std::filesystem::path& blobs_dir() const { return blobs_dir_.path(); }
  // The app's module instances (their housekeeping, cli::MeasuresOf).
  cli::ModuleSet& modules() { return *modules_; }
  // The checkpoints' verifier key ("" without sign_checkpoints).
  const std::string& verifier_key() const { return audit_services_->verifier_key; }

 private:
  AppHarness() = default;
  web::Response Send(AppBrowser& browser, std::string method, std::string target,
                     std::string body, std::string content_type, bool csrf,
                     const std::vector<std::pair<std::string, std::string>>& headers);
  std::string LinkTokenFor(const std::string& email, std::size_t sent_before);
  // Uses the newest link mailed to `email` since `sent_before` in `b`, then reads its
  // CSRF token.
  void UseLink(AppBrowser& b, const std::string& email, std::size_t sent_before);

  TestDb db_;
  TempDir keys_dir_;
  TempDir blobs_dir_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<store::FaultInjectingDb> faults_;
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<crypto::PasswordHasher> hasher_;
  std::unique_ptr<crypto::SigningKey> checkpoint_key_;
  std::unique_ptr<audit::Log> log_;
  RecordingMailer mailer_;
  std::unique_ptr<mail::Queue> queue_;
  std::unique_ptr<identity::InMemoryRateLimitStore> limit_store_;
  std::unique_ptr<identity::RateLimiter> limiter_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<practice::Practice> practice_;
  std::unique_ptr<cli::ModuleSet> modules_;  // the app's modules, from cli::Modules()
  std::unique_ptr<web::IdentityServices> identity_services_;
  std::unique_ptr<web::AuditServices> audit_services_;
  std::unique_ptr<web::App> app_;
};

}  // namespace alcove::testing
