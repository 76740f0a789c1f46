#include "web/route_kit.hpp"

#include <stdexcept>

#include "web/body.hpp"
#include "web/cookies.hpp"
#include "web/errors.hpp"
#include "web/page_nav.hpp"

namespace alcove::web {
namespace {

bool IsSafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

Surface SurfaceOf(std::string_view pattern) {
  return pattern.starts_with("/api/") ? Surface::kApi : Surface::kPage;
}

// The csrf_token field of a form body, if the body is a form.
std::optional<std::string> FormCsrf(const Request& request) {
  auto fields = FormBody(request);
  if (!fields || !fields->contains(kCsrfField)) {
    return std::nullopt;
  }
  return FormValue(*fields, kCsrfField);
}

Response Finish(Request& req, const Templates* templates, Result<Response> result) {
  if (!result) {
    return ErrorResponse(req, templates, result.error());
  }
  return std::move(*result);
}

void NoteSignedIn(Request& req, const IdentityServices* services, const SignedIn& who) {
  NoteSignedInViewer(req, services, who.principal, who.csrf_token);
}

// The viewer of a page of an open route, for its navigation (page_nav.hpp), unless the
// handler noted it: looked up only for an HTML answer to a browser with a session cookie
// (a visitor without one costs nothing); a session that does not hold is "signed out".
void NoteOpenViewer(IdentityServices* services, Request& req, const Response& res) {
  const auto type = res.headers.Get("Content-Type");
  if (req.viewer || services == nullptr || !type || !type->starts_with("text/html") ||
      !GetCookie(req, kSessionCookie)) {
    return;
  }
  auto session = SessionOf(*services, req);
  if (session && *session) {
    NoteSignedIn(req, services, **session);
  } else {
    NoteViewer(req, "", "");
  }
}

}  // namespace

OpenRoute ForAnyone(OpenHandler handler) {
  return OpenRoute{Audience::Public(), std::move(handler)};
}

OpenRoute ForTokenHolders(std::string purpose, OpenHandler handler) {
  return OpenRoute{Audience::Token(std::move(purpose)), std::move(handler)};
}

SessionRoute ForRoles(std::initializer_list<identity::Role> roles, SessionHandler handler) {
  return SessionRoute{Audience::Roles(roles), std::move(handler)};
}

SessionRoute ForAnyAccount(SessionHandler handler) {
  return SessionRoute{Audience::AnyAccount(), std::move(handler)};
}

SessionRoute ForTherapist(TherapistHandler handler) {
  return SessionRoute{
      Audience::Roles({identity::Role::kTherapist}),
      [handler = std::move(handler)](Request& req, const SignedIn& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto scope, identity::TherapistScope::From(who.principal));
        return handler(req,
                       TherapistSession{.scope = std::move(scope), .csrf_token = who.csrf_token});
      }};
}

void RouteKit::Add(std::string method, std::string pattern, SessionRoute route,
                   RouteOptions options) {
  if (route.audience.kind() != Audience::Kind::kRoles) {
    throw std::invalid_argument("a session route must name roles: " + method + " " + pattern);
  }
  if (identity_ == nullptr) {
    throw std::invalid_argument("a session route needs the identity service: " + pattern);
  }
  options.audience = route.audience;
  const Surface surface = SurfaceOf(pattern);
  Handler wrapped = [services = identity_, templates = templates_, surface,
                     audience = route.audience, rate_class = options.rate_class,
                     handler = std::move(route.handler)](Request& req) -> Response {
    // 1. Session.
    auto session = SessionOf(*services, req);
    if (!session) {
      return ErrorResponse(req, templates, session.error());
    }
    if (!*session) {
      // A session cookie that no longer opens a session: the session ended (idle or
      // absolute expiry, signed out elsewhere, revoked). The sign-in page says so.
      const bool ended = GetCookie(req, kSessionCookie).has_value();
      Response res;
      if (surface == Surface::kApi) {
        res = ErrorResponse(req, templates, 401, "unauthenticated", "Please sign in.");
      } else {
        res = Response::Text(303, "Please sign in.\n");
        res.headers.Set("Location", ended ? "/signin?ended=1" : "/signin");
      }
      if (ended) {
        ClearSessionCookies(res);
      }
      return res;
    }
    const SignedIn& who = **session;
    NoteSignedIn(req, services, who);
    // 2. Role.
    if (!audience.Allows(who.principal.role)) {
      return ErrorResponse(req, templates, 403, "forbidden",
                           surface == Surface::kApi
                               ? "This route is not available to your account."
                               : "This page is not available to your account.");
    }
    // 3. CSRF.
    if (!IsSafeMethod(req.method)) {
      const std::optional<std::string> presented =
          surface == Surface::kApi
              ? std::optional<std::string>(
                    req.headers.Get(kCsrfHeader).transform([](std::string_view v) {
                      return std::string(v);
                    }))
              : FormCsrf(req);
      if (!presented || !identity::CheckCsrfToken(who.session_token, *presented)) {
        return ErrorResponse(req, templates, 403, "csrf_token_invalid",
                             surface == Surface::kApi
                                 ? "The X-CSRF-Token header is missing or wrong; get the "
                                   "token from GET /api/v1/me."
                                 : "This form has expired. Go back, reload the page and try "
                                   "again.");
      }
    }
    // 4. Rate limit.
    if (!rate_class.empty()) {
      if (auto limited = Throttle(*services, templates, req, rate_class, IpKey(req))) {
        return std::move(*limited);
      }
    }
    // 5. The handler.
    return Finish(req, templates, handler(req, who));
  };
  router_.Add(std::move(method), std::move(pattern), std::move(wrapped), std::move(options));
}

void RouteKit::Add(std::string method, std::string pattern, OpenRoute route, RouteOptions options) {
  if (route.audience.kind() != Audience::Kind::kPublic &&
      route.audience.kind() != Audience::Kind::kToken) {
    throw std::invalid_argument("an open route must be public or for a token: " + pattern);
  }
  if (!options.rate_class.empty() && identity_ == nullptr) {
    throw std::invalid_argument("a rate-limited route needs the identity service: " + pattern);
  }
  options.audience = route.audience;
  Handler wrapped = WrapOpen(pattern, std::move(route), options);
  router_.Add(std::move(method), std::move(pattern), std::move(wrapped), std::move(options));
}

Handler RouteKit::WrapOpen(const std::string& pattern, OpenRoute route,
                           const RouteOptions& options) {
  const Surface surface = SurfaceOf(pattern);
  return [services = identity_, templates = templates_, rate_class = options.rate_class, surface,
          handler = std::move(route.handler)](Request& req) -> Response {
    if (!rate_class.empty()) {
      if (auto limited =
              Throttle(*services, templates, req, rate_class, ClientRateKey(*services, req))) {
        return std::move(*limited);
      }
    }
    Response res = Finish(req, templates, handler(req));
    if (surface == Surface::kPage) {
      NoteOpenViewer(services, req, res);
    }
    return res;
  };
}

void RouteKit::SetNotFoundPage() {
  router_.SetNotFound(WrapOpen("/", ForAnyone([templates = templates_](Request& req) {
                                 return ErrorResponse(req, templates, 404, "not_found",
                                                      "There is nothing at this address.");
                               }),
                               RouteOptions{}));
}

}  // namespace alcove::web
