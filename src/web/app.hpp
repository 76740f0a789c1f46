#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "security/claims.hpp"
#include "web/client_address.hpp"
#include "web/dispatcher.hpp"
#include "web/middleware.hpp"
#include "web/router.hpp"
#include "web/security_page.hpp"
#include "web/static_files.hpp"
#include "web/templates.hpp"

namespace alcove::web {

struct SiteSettings {
  std::string public_origin;     // "https://localhost:8443"
  std::string security_contact;  // security.txt Contact
  std::string policy_url;        // security.txt Policy; empty: <origin>/security
  std::uint32_t security_txt_days = 180;
};

struct IdentityServices;
struct AuditServices;
class RouteKit;

// Adds one domain module's routes through the facade (cli/modules.hpp makes these); what
// it returns keeps the handlers' state alive as long as the app.
using RouteAdder =
    std::function<std::unique_ptr<RouteSet>(RouteKit& kit, const Templates& templates)>;

struct AppOptions {
  std::filesystem::path web_dir;  // holds templates/ and static/
  std::size_t default_max_body_bytes = 1024 * 1024;
  SiteSettings site;
  TrustedProxies trusted_proxies;  // whose X-Forwarded-For names the client
  // Borrowed; when set, the sign-in, session and settings routes (and the signed-in home
  // page) are served, and with `audit` also the audit log's routes.
  IdentityServices* identity = nullptr;
  AuditServices* audit = nullptr;
  // With `identity`: every domain module's routes, in the order of the module list.
  std::vector<RouteAdder> modules;
  // What /security shows (web/security_page.hpp); null: no promises, not verified.
  std::shared_ptr<const security::SecurityReport> security_report;
  // The live posture for the operator's section of /security; empty: no such section.
  PostureSource posture;
};

// The HTTPS application: the router with every route, the templates, the static
// files, and the middleware chain in front of them. Domain modules add their routes
// through router() before serving starts.
class App final : public Dispatcher {
 public:
  static Result<std::unique_ptr<App>> Create(const AppOptions& options, const Clock& clock);

  Plan PlanFor(Request& request) const override;
  Response Handle(Request& request) const override;

  Router& router() { return router_; }
  const Templates& templates() const { return *templates_; }

 private:
  App(const AppOptions& options, const Clock& clock, std::unique_ptr<Templates> templates);
  void AddSiteRoutes();

  AppOptions options_;
  const Clock& clock_;
  std::unique_ptr<Templates> templates_;
  StaticFiles static_files_;
  Router router_;
  std::vector<std::unique_ptr<RouteSet>> route_sets_;
  Chain chain_;
};

// The plain-HTTP listener's application: every request, whatever its method, gets a
// 301 to the same path and query on the public HTTPS origin (never the Host header),
// without its body being read (C11).
class RedirectApp final : public Dispatcher {
 public:
  RedirectApp(std::string public_origin, const Clock& clock);
  Plan PlanFor(Request& request) const override;
  Response Handle(Request& request) const override;

 private:
  std::string origin_;
  Chain chain_;
};

// security.txt (RFC 9116) for `site`, expiring `days` after `now`.
std::string SecurityTxt(const SiteSettings& site, Micros now);

}  // namespace alcove::web
