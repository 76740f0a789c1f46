#include "web/app.hpp"

#include <fmt/format.h>

#include "web/audit_routes.hpp"
#include "web/cookies.hpp"
#include "web/identity_routes.hpp"
#include "web/page_nav.hpp"
#include "web/route_kit.hpp"
#include "web/security_page.hpp"
#include "web/session_auth.hpp"
#include "web/target.hpp"

namespace alcove::web {
namespace {

// The order of the chain, outermost first, and why each layer sits where it does.
std::vector<Middleware> StandardLayers(std::string listener, const Clock& clock,
                                       const Templates* templates) {
  return {
      // 1. Request id and access log: outermost, so every later log line can carry the
      //    id and the access line sees the final status, whatever produced it.
      RequestIdAndAccessLog(std::move(listener), clock),
      // 2. Security headers: outside error mapping, so that a 500 made from an
      //    exception gets the full header set like every other answer (C60).
      SecurityHeaders(),
      // 2b. The navigation of every page (page_nav.hpp): outside error mapping, so that
      //     the pages it and the limits make get it too.
      PageNavigation(templates),
      // 3. Error mapping: turns anything thrown below into a generic 500.
      ErrorMapping(templates),
      // 4. Limits: answers requests the connection could not read whole (413, 431,
      //    408, 400) before any routing or handler code sees them. Rate limits will
      //    join here, before sessions are looked up.
      Limits(templates),
  };
}

}  // namespace

std::string SecurityTxt(const SiteSettings& site, Micros now) {
  const Micros expires =
      now + static_cast<Micros>(site.security_txt_days) * 86'400 * kMicrosPerSecond;
  const std::string policy =
      site.policy_url.empty() ? site.public_origin + "/security" : site.policy_url;
  return fmt::format(
      "Contact: {}\n"
      "Expires: {}\n"
      "Canonical: {}/.well-known/security.txt\n"
      "Policy: {}\n"
      "Preferred-Languages: en\n",
      site.security_contact, FormatRfc3339(expires), site.public_origin, policy);
}

Result<std::unique_ptr<App>> App::Create(const AppOptions& options, const Clock& clock) {
  auto templates = Templates::Load(options.web_dir / "templates");
  if (!templates) {
    return std::unexpected(templates.error());
  }
  auto app = std::unique_ptr<App>(new App(options, clock, std::move(*templates)));
  app->AddSiteRoutes();
  return app;
}

App::App(const AppOptions& options, const Clock& clock, std::unique_ptr<Templates> templates)
    : options_(options),
      clock_(clock),
      templates_(std::move(templates)),
      static_files_(options.web_dir / "static"),
      chain_(
          [&] {
            auto layers = StandardLayers("https", clock, templates_.get());
            // 0. The client's address, behind a trusted reverse proxy (server.trusted_proxies):
            //    first, so that everything after it (rate limits, sessions, audit events)
            //    sees the client, not the proxy.
            layers.insert(layers.begin(), ClientAddresses(options.trusted_proxies));
            // 5. Writes from other origins are refused before any handler runs (CSRF).
            layers.push_back(SameOriginWrites(options.site.public_origin, templates_.get()));
            return layers;
          }(),
          RouteTo(router_, templates_.get())) {}

void App::AddSiteRoutes() {
  const RouteOptions inline_get{
      .max_body_bytes = 0, .runs_inline = true, .audience = Audience::Public()};
  const RouteOptions public_page{.audience = Audience::Public()};
  RouteKit kit(router_, options_.identity, templates_.get());
  router_.Add(
      "GET", "/healthz", [](Request&) { return Response::Json(200, R"({"status":"ok"})"); },
      inline_get);
  router_.Add(
      "GET", "/.well-known/security.txt",
      [this](Request&) { return Response::Text(200, SecurityTxt(options_.site, clock_.Now())); },
      inline_get);
  if (options_.identity != nullptr) {
    route_sets_.push_back(AddIdentityRoutes(kit, *options_.identity, *templates_, options_.site));
    if (options_.audit != nullptr) {
      route_sets_.push_back(AddAuditRoutes(kit, *options_.identity, *options_.audit, *templates_));
    }
    for (const RouteAdder& add : options_.modules) {
      route_sets_.push_back(add(kit, *templates_));
    }
    kit.SetNotFoundPage();
  } else {
    kit.Add("GET", "/", ForAnyone([this](Request&) -> Result<Response> {
              TemplateData data;
              data.set("origin", options_.site.public_origin);
              return Response::Html(200, templates_->RenderPage("index", "Alcove", data));
            }));
  }
  AddSecurityRoutes(kit, *templates_, options_.site,
                    options_.security_report != nullptr
                        ? options_.security_report
                        : std::make_shared<const security::SecurityReport>(),
                    options_.posture);
  router_.Add(
      "GET", "/static/{*path}",
      [this](Request& req) { return static_files_.Serve(req, req.Param("path").value_or("")); },
      public_page);
}

namespace {

// Whether the head announces a body (a Content-Length above 0, or chunked).
bool DeclaresBody(const Request& request) {
  if (request.headers.Has("Transfer-Encoding")) {
    return true;
  }
  const auto length = request.headers.Get("Content-Length");
  return length && *length != "0";
}

// The methods whose routes take a body; every other route answers without reading one.
bool TakesBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

Dispatcher::Plan App::PlanFor(Request& request) const {
  Plan plan{
      .read_body = true, .max_body_bytes = options_.default_max_body_bytes, .runs_inline = false};
  request.routing = router_.RouteTarget(request.method, request.target);
  // A body is read only for a route that takes one (C14): a 400, 404 or 405, or a route
  // of a method without a body, is answered from the head alone — and, when a body was
  // announced, the connection closes after the answer instead of reading it.
  const bool declared = DeclaresBody(request);
  if (!request.routing->target) {
    plan.runs_inline = true;  // answered with 400 by the chain, cheaply
    plan.read_body = !declared;
    return plan;
  }
  const RouteMatch& m = request.routing->match;
  if (m.outcome != RouteMatch::Outcome::kFound) {
    // 404 or 405, cheaply — except a page's 404 for a browser with a session cookie,
    // whose navigation needs the session looked up (the database: the worker pool).
    plan.runs_inline = m.outcome != RouteMatch::Outcome::kNotFound || !router_.not_found() ||
                       request.routing->target->path.starts_with("/api/") ||
                       !GetCookie(request, kSessionCookie);
    plan.read_body = !declared;
    return plan;
  }
  if (!TakesBody(m.route->method)) {
    plan.read_body = !declared;
  }
  if (m.route->options.max_body_bytes != 0) {
    plan.max_body_bytes = m.route->options.max_body_bytes;
  } else if (m.route->options.streaming_body) {
    plan.max_body_bytes = kMaxStreamedBodyBytes;
  }
  plan.runs_inline = m.route->options.runs_inline;
  plan.streaming_body = m.route->options.streaming_body && TakesBody(m.route->method);
  return plan;
}

Response App::Handle(Request& request) const { return chain_(request); }

RedirectApp::RedirectApp(std::string public_origin, const Clock& clock)
    : origin_(std::move(public_origin)),
      chain_(StandardLayers("http", clock, nullptr), [this](Request& req) {
        // Keep the path and query exactly as sent, but only in origin-form: anything
        // else (absolute-form, "*") goes to the front page. The origin is ours.
        const bool origin_form = req.target.starts_with('/') && !req.target.starts_with("//");
        Response res = Response::Text(301, "Use HTTPS.\n");
        res.headers.Set("Location", origin_ + (origin_form ? req.target : "/"));
        res.close = true;
        req.route = "(redirect)";
        return res;
      }) {}

Dispatcher::Plan RedirectApp::PlanFor(Request&) const {
  return Plan{.read_body = false, .max_body_bytes = 0, .runs_inline = true};
}

Response RedirectApp::Handle(Request& request) const { return chain_(request); }

}  // namespace alcove::web
