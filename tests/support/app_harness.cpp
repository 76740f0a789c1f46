#include "support/app_harness.hpp"

#include "ai/provider.hpp"

#include <algorithm>
#include <cstring>

#include <gtest/gtest.h>

#include "cli/database.hpp"
#include "audit/checkpoint_signer.hpp"
#include "crypto/master_key_file.hpp"
#include "web/cookies.hpp"

namespace alcove::testing {

namespace {

// The body of an in-process request as a streaming route reads it (web/http.hpp).
class StringBodyStream final : public web::BodyStream {
 public:
  explicit StringBodyStream(std::string body) : body_(std::move(body)) {}
  Result<std::size_t> Read(std::span<std::uint8_t> out) override {
    const std::size_t n = std::min(out.size(), body_.size() - at_);
    std::memcpy(out.data(), body_.data() + at_, n);
    at_ += n;
    return n;
  }
  std::optional<std::uint64_t> declared_length() const override { return body_.size(); }
  std::uint64_t bytes_read() const override { return at_; }

 private:
  std::string body_;
  std::size_t at_ = 0;
};

}  // namespace
namespace {

std::string TokenOf(const mail::Message& m) {
  const auto pos = m.link().find("#token=");
  return pos == std::string::npos ? std::string() : m.link().substr(pos + 7);
}

}  // namespace

std::string JsonMember(const std::string& body, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  const auto at = body.find(needle);
  if (at == std::string::npos) {
    return {};
  }
  const auto start = at + needle.size();
  return body.substr(start, body.find('"', start) - start);
}

boost::json::value ParseJson(const web::Response& response) {
  boost::system::error_code ec;
  auto v = boost::json::parse(response.body, ec);
  EXPECT_FALSE(ec) << response.body;
  return ec ? boost::json::value() : v;
}

std::string ErrorCodeOf(const web::Response& response) {
  const auto v = ParseJson(response);
  if (!v.is_object() || !v.as_object().contains("error")) {
    return "";
  }
  return std::string(v.at("error").at("code").as_string());
}

Status RecordingMailer::Send(const mail::Message& message) {
  std::lock_guard lock(mu_);
  sent_.push_back(message);
  return {};
}

std::vector<mail::Message> RecordingMailer::sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

Result<std::unique_ptr<AppHarness>> AppHarness::Create(TestEngine engine, const PgUrls* urls,
                                                       const hours::SupervisorDirectory* supervisors,
                                                       bool sign_checkpoints,
                                                       const ai::Providers* ai_providers) {
  auto h = std::unique_ptr<AppHarness>(new AppHarness());
  const auto migrations = cli::AllMigrations();
  ALCOVE_TRY_ASSIGN(h->db_, OpenTestDb(engine, migrations, urls));
  h->faults_ = std::make_unique<store::FaultInjectingDb>(*h->db_.db);
  ALCOVE_TRY(crypto::CreateMasterKeyFile(h->keys_dir_ / "master.key"));
  ALCOVE_TRY_ASSIGN(h->ring_,
                    crypto::KeyRing::OpenWithKeyFile(*h->faults_, h->keys_dir_ / "master.key",
                                                     SystemClock::Instance()));
  ALCOVE_TRY_ASSIGN(h->hasher_, crypto::PasswordHasher::Create());
  h->log_ = std::make_unique<audit::Log>(h->db_.db->engine());
  h->queue_ = std::make_unique<mail::Queue>(h->mailer_);
  h->limit_store_ = std::make_unique<identity::InMemoryRateLimitStore>();
  ALCOVE_TRY_ASSIGN(auto limits, identity::RateLimitsFromConfig(RateLimitsConfig{}));
  h->limiter_ = std::make_unique<identity::RateLimiter>(*h->limit_store_, SystemClock::Instance(),
                                                        std::move(limits));
  const std::string origin = "https://alcove.test";
  h->identity_ = std::make_unique<identity::Identity>(
      *h->db_.db, *h->ring_, *h->hasher_, *h->log_, *h->queue_, SystemClock::Instance(),
      identity::IdentityOptions{.public_origin = origin});
  h->practice_ = std::make_unique<practice::Practice>(*h->faults_, *h->ring_, *h->log_,
                                                      SystemClock::Instance());
  h->identity_services_ = std::make_unique<web::IdentityServices>(web::IdentityServices{
      .identity = *h->identity_, .limiter = *h->limiter_, .clock = SystemClock::Instance()});
  h->audit_services_ = std::make_unique<web::AuditServices>(web::AuditServices{
      .db = *h->db_.db,
      .checkpoint = [](std::uint64_t) { return std::optional<audit::SignedCheckpoint>(); },
      .verifier_key = "",
      .client_aliases = {},
  });
  if (sign_checkpoints) {
    ALCOVE_TRY(crypto::CreateSigningKeyFile(h->keys_dir_ / "checkpoint.key"));
    ALCOVE_TRY_ASSIGN(h->checkpoint_key_, crypto::SigningKey::Load(h->keys_dir_ / "checkpoint.key"));
    h->audit_services_->verifier_key =
        audit::VerifierKey(audit::kCheckpointKeyName, h->checkpoint_key_->public_key());
    h->audit_services_->checkpoint =
        [db = h->db_.db.get(),
         key = h->checkpoint_key_.get()](std::uint64_t) -> std::optional<audit::SignedCheckpoint> {
      auto tx = db->Begin();
      if (!tx) {
        return std::nullopt;
      }
      auto head = audit::ReadHead(**tx);
      if (!head) {
        return std::nullopt;
      }
      const audit::Checkpoint cp{audit::LogOrigin(key->public_key()), head->size(), head->root()};
      auto note = audit::ParseSignedCheckpoint(audit::SignCheckpoint(*key, cp));
      if (!note) {
        return std::nullopt;
      }
      return std::move(*note);
    };
  }
  web::AppOptions ao;
  ao.web_dir = std::filesystem::path(ALCOVE_SOURCE_DIR) / "web";
  ao.site = web::SiteSettings{.public_origin = origin,
                              .security_contact = "mailto:security@alcove.test",
                              .policy_url = "",
                              .security_txt_days = 180};
  ao.identity = h->identity_services_.get();
  ao.audit = h->audit_services_.get();
  ALCOVE_TRY_ASSIGN(h->blobs_, store::OpenFileBlobStore(h->blobs_dir_.path()));
  h->modules_ = std::make_unique<cli::ModuleSet>(
      cli::ModuleDeps{.db = *h->faults_,
                      .keys = *h->ring_,
                      .log = *h->log_,
                      .clock = SystemClock::Instance(),
                      .identity = *h->identity_,
                      .hasher = *h->hasher_,
                      .mail = *h->queue_,
                      .public_origin = origin,
                      .checkpoint = h->audit_services_->checkpoint,
                      .verifier_key = h->audit_services_->verifier_key,
                      .earlier = {},
                      .supervisor_directory = supervisors,
                      .blobs = h->blobs_.get(),
                      .ai_providers = ai_providers,
                      .ai_workers = 0});
  ao.modules = h->modules_->RouteAdders(*h->identity_services_);
  ALCOVE_TRY_ASSIGN(h->app_, web::App::Create(ao, SystemClock::Instance()));
  return h;
}

AppHarness::~AppHarness() {
  app_.reset();
  if (identity_) {
    identity_->WaitIdle();
  }
  if (queue_) {
    queue_->WaitIdle();
  }
}

web::Response AppHarness::Call(AppBrowser& browser, std::string method, std::string target,
                               std::string body, std::string content_type, bool csrf) {
  return Send(browser, std::move(method), std::move(target), std::move(body),
              std::move(content_type), csrf, {});
}

web::Response AppHarness::CallWith(
    AppBrowser& browser, std::string method, std::string target, std::string body,
    std::string content_type, const std::vector<std::pair<std::string, std::string>>& headers) {
  return Send(browser, std::move(method), std::move(target), std::move(body),
              std::move(content_type), true, headers);
}

std::string AppHarness::BodyOf(const web::Response& response) {
  if (!response.stream) {
    return response.body;
  }
  std::string out;
  std::vector<std::uint8_t> piece(web::kStreamPieceBytes);
  for (;;) {
    auto n = response.stream->Next(piece);
    if (!n || *n == 0) {
      EXPECT_TRUE(n) << "the streamed body failed";
      return out;
    }
    out.append(reinterpret_cast<const char*>(piece.data()), *n);
  }
}

web::Response AppHarness::Send(AppBrowser& browser, std::string method, std::string target,
                               std::string body, std::string content_type, bool csrf,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
  web::Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.remote_address = browser.ip;
  req.headers.Set("Host", "alcove.test");
  req.headers.Set("User-Agent", "AppHarness/1.0");
  std::string cookie;
  for (const auto& [name, value] : browser.cookies) {
    cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
  }
  if (!cookie.empty()) {
    req.headers.Set("Cookie", cookie);
  }
  if (!body.empty()) {
    req.headers.Set("Content-Type", content_type);
  }
  if (csrf && !browser.csrf.empty()) {
    req.headers.Set(std::string(web::kCsrfHeader), browser.csrf);
  }
  // A streaming route reads the same bytes from body_stream, as from a socket.
  for (const auto& [name, value] : headers) {
    req.headers.Set(name, value);
  }
  req.body_stream = std::make_shared<StringBodyStream>(body);
  req.body = std::move(body);
  web::Response res = app_->Handle(req);
  for (const auto& [name, value] : res.headers.all()) {
    if (!web::EqualsIgnoreCase(name, "Set-Cookie")) {
      continue;
    }
    const auto eq = value.find('=');
    const auto semi = value.find(';');
    const std::string cname = value.substr(0, eq);
    const std::string cvalue =
        value.substr(eq + 1, semi == std::string::npos ? semi : semi - eq - 1);
    if (cvalue.empty() || value.find("Max-Age=0") != std::string::npos) {
      browser.cookies.erase(cname);
    } else {
      browser.cookies[cname] = cvalue;
    }
  }
  return res;
}

std::string AppHarness::LinkTokenFor(const std::string& email, std::size_t sent_before) {
  identity_->WaitIdle();
  queue_->WaitIdle();
  const auto sent = mailer_.sent();
  for (std::size_t i = sent.size(); i > sent_before; --i) {
    if (sent[i - 1].to() == email) {
      return TokenOf(sent[i - 1]);
    }
  }
  return {};
}

void AppHarness::UseLink(AppBrowser& b, const std::string& email, std::size_t sent_before) {
  const std::string token = LinkTokenFor(email, sent_before);
  EXPECT_FALSE(token.empty()) << "no link mailed to " << email;
  auto res = Call(b, "POST", "/api/v1/auth/magic-link/consume", R"({"token":")" + token + R"("})");
  EXPECT_EQ(res.status, 200) << res.body;
  res = Call(b, "GET", "/api/v1/me");
  EXPECT_EQ(res.status, 200) << res.body;
  b.csrf = JsonMember(res.body, "csrf_token");
}

AppBrowser AppHarness::SignUpTherapist(const std::string& email, const std::string& ip) {
  AppBrowser b{.ip = ip, .cookies = {}, .csrf = {}};
  const std::size_t before = mailer_.sent().size();
  auto res = Call(b, "POST", "/api/v1/auth/signup",
                  R"({"email":")" + email + R"(","name":"Dr Test Person"})");
  EXPECT_EQ(res.status, 202) << res.body;
  UseLink(b, email, before);
  return b;
}

AppBrowser AppHarness::AddMember(const AppBrowser& owner, identity::Role role,
                                 const std::string& email, const std::string& ip) {
  if (role == identity::Role::kSupervisor) {
    // A real supervisor (docs/supervisors.md): invited by the owner, in a tenant of its
    // own, signed in by accepting the invitation.
    AppBrowser inviter = owner;
    const std::size_t before = mailer_.sent().size();
    auto res = Call(inviter, "POST", "/api/v1/hours/supervisors",
                    R"({"email":")" + email + R"(","name":"Member Person"})");
    EXPECT_EQ(res.status, 201) << res.body;
    AppBrowser b{.ip = ip, .cookies = {}, .csrf = {}};
    const std::string token = LinkTokenFor(email, before);
    EXPECT_FALSE(token.empty()) << "no invitation mailed to " << email;
    res = Call(b, "POST", "/api/v1/supervisor/accept", R"({"token":")" + token + R"("})");
    EXPECT_EQ(res.status, 200) << res.body;
    res = Call(b, "GET", "/api/v1/me");
    EXPECT_EQ(res.status, 200) << res.body;
    b.csrf = JsonMember(res.body, "csrf_token");
    return b;
  }
  auto scope = identity::TherapistScope::From(PrincipalOf(owner));
  EXPECT_TRUE(scope);
  auto id = identity_->AddMember(*scope, role, email, "Member Person",
                                 identity::Caller{.ip = owner.ip, .user_agent = "test"});
  EXPECT_TRUE(id) << (id ? "" : id.error().internal);
  AppBrowser b{.ip = ip, .cookies = {}, .csrf = {}};
  const std::size_t before = mailer_.sent().size();
  auto res = Call(b, "POST", "/api/v1/auth/magic-link", R"({"email":")" + email + R"("})");
  EXPECT_EQ(res.status, 202) << res.body;
  UseLink(b, email, before);
  return b;
}

std::vector<mail::Message> AppHarness::Sent() {
  identity_->WaitIdle();
  queue_->WaitIdle();
  return mailer_.sent();
}

identity::Principal AppHarness::PrincipalOf(const AppBrowser& browser) {
  const auto session = browser.cookies.find(std::string(web::kSessionCookie));
  const auto device = browser.cookies.find(std::string(web::kDeviceCookie));
  if (session == browser.cookies.end() || device == browser.cookies.end()) {
    ADD_FAILURE() << "the browser has no session";
    return {};
  }
  auto p = identity_->Authenticate(crypto::SecretString(std::string(session->second)),
                                   crypto::SecretString(std::string(device->second)),
                                   identity::Caller{.ip = browser.ip, .user_agent = "test"});
  EXPECT_TRUE(p) << (p ? "" : p.error().internal);
  return p ? *p : identity::Principal{};
}

}  // namespace alcove::testing
