// The one-time sign-in code and "Send a new link" (C26). The code is typed in the browser
// that asked for the email; "Send a new link" asks again for the address of an earlier
// link without the page ever knowing it.
#include "web/signin_code_routes.hpp"

#include <boost/json.hpp>

#include "web/body.hpp"
#include "web/errors.hpp"

namespace alcove::web {
namespace {

namespace json = boost::json;
using crypto::SecretString;

// The per-IP classes (docs/rate-limits.md): a code try is a token presented ("consume");
// a new link is a sign-in request ("sign_in"), and its mail spends the per-address
// "magic_link" budget once the background job knows the address.
const RouteOptions kCodeBody{.max_body_bytes = 4 * 1024, .rate_class = "consume"};
const RouteOptions kResendBody{.max_body_bytes = 4 * 1024, .rate_class = "sign_in"};

class SignInCodeRoutes final : public RouteSet {
 public:
  SignInCodeRoutes(IdentityServices& services, const Templates& templates)
      : s_(services), t_(templates) {}

  void Add(RouteKit& router);

 private:
  Response CheckEmailPage(const std::string& error, int status);
  Response UseCode(Request& req, const std::string& code, bool page);
  Response Resend(Request& req, const std::string& token, bool page);

  IdentityServices& s_;
  const Templates& t_;
};

Response SignInCodeRoutes::CheckEmailPage(const std::string& error, int status) {
  TemplateData data;
  if (!error.empty()) {
    data.set("error", error);
  }
  return Response::Html(status, t_.RenderPage("check_email", "Check your email · Alcove", data));
}

Response SignInCodeRoutes::UseCode(Request& req, const std::string& code, bool page) {
  auto session = s_.identity.ConsumeSignInCode(code, PresentedLoginCookie(req), CallerOf(req));
  if (!session) {
    return page ? CheckEmailPage(session.error().public_message,
                                 HttpStatusFor(session.error().code))
                : ErrorResponse(req, &t_, session.error());
  }
  Response res = page ? Response::SeeOther("/")
                      : JsonResponse(200, json::object{{"status", "signed_in"}});
  SetSessionCookies(res, *session, s_.clock.Now());
  ClearLoginCookie(res);
  return res;
}

Response SignInCodeRoutes::Resend(Request& req, const std::string& token, bool page) {
  std::optional<SecretString> held;
  if (!token.empty()) {
    held.emplace(token);
  }
  const SecretString login = LoginCookieFor(req);
  // Runs in the background job, once it knows the address: the per-address budget of
  // link mails (C30), the browser's own when it is a known browser of the account (C32).
  auto allow = [&limiter = s_.limiter, known = KnownBrowserOf(s_, req)](const std::string& key) {
    auto decision = limiter.Check("magic_link", AccountBudgetKey(known, key));
    return decision && decision->allowed;
  };
  if (auto st = s_.identity.ResendLink(held, login, std::move(allow), CallerOf(req)); !st) {
    return page ? CheckEmailPage(st.error().public_message, HttpStatusFor(st.error().code))
                : ErrorResponse(req, &t_, st.error());
  }
  Response res = page ? Response::SeeOther("/check-email")
                      : JsonResponse(202, json::object{{"status", "check_email"}});
  SetLoginCookie(res, login, s_.identity.options().magic_link_ttl);
  return res;
}

void SignInCodeRoutes::Add(RouteKit& router) {
  // ---- JSON API (docs/api.md § Authentication) ----
  router.Add(
      "POST", "/api/v1/auth/code",
      ForTokenHolders("signin", [this](Request& req) {
        auto body = JsonObjectBody(req);
        if (!body) {
          return ErrorResponse(req, &t_, body.error());
        }
        auto code = RequiredString(*body, "code");
        if (!code) {
          return ErrorResponse(req, &t_, code.error());
        }
        return UseCode(req, *code, false);
      }),
      kCodeBody);
  router.Add(
      "POST", "/api/v1/auth/resend",
      ForAnyone([this](Request& req) {
        auto body = JsonObjectBody(req);
        if (!body) {
          return ErrorResponse(req, &t_, body.error());
        }
        auto token = OptionalString(*body, "token");
        if (!token) {
          return ErrorResponse(req, &t_, token.error());
        }
        return Resend(req, token->value_or(""), false);
      }),
      kResendBody);

  // ---- Pages (no JavaScript needed) ----
  router.Add("GET", "/check-email",
             ForAnyone([this](Request&) { return CheckEmailPage("", 200); }));
  router.Add(
      "POST", "/auth/code",
      ForTokenHolders("signin", [this](Request& req) {
        auto form = FormBody(req);
        if (!form) {
          return CheckEmailPage(form.error().public_message, 400);
        }
        return UseCode(req, FormValue(*form, "code"), true);
      }),
      kCodeBody);
  router.Add(
      "POST", "/auth/resend",
      ForAnyone([this](Request& req) {
        auto form = FormBody(req);
        if (!form) {
          return CheckEmailPage(form.error().public_message, 400);
        }
        return Resend(req, FormValue(*form, "token"), true);
      }),
      kResendBody);
}

}  // namespace

std::unique_ptr<RouteSet> AddSignInCodeRoutes(RouteKit& router, IdentityServices& services,
                                              const Templates& templates) {
  auto routes = std::make_unique<SignInCodeRoutes>(services, templates);
  routes->Add(router);
  return routes;
}

}  // namespace alcove::web
