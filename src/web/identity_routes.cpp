#include "web/identity_routes.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/clock.hpp"
#include "web/body.hpp"
#include "web/cookies.hpp"
#include "web/errors.hpp"
#include "web/route_kit.hpp"
#include "web/templates.hpp"

namespace alcove::web {
namespace {

namespace json = boost::json;
using crypto::SecretString;

const RouteOptions kSmallBody{.max_body_bytes = 16 * 1024, .runs_inline = false};
// Sign-in routes declare their per-IP rate-limit class; the facade checks it before the
// handler runs (docs/rate-limits.md). Per-address classes stay in the handlers, which
// know the address.
const RouteOptions kSignInBody{.max_body_bytes = 16 * 1024, .rate_class = "sign_in"};
const RouteOptions kConsumeBody{.max_body_bytes = 16 * 1024, .rate_class = "consume"};

Response Page(const Templates& templates, std::string_view name, std::string_view title,
              const TemplateData& data, int status = 200) {
  return Response::Html(status, templates.RenderPage(name, title, data));
}

Response SeeOther(std::string location) {
  Response res = Response::Text(303, "See " + location + "\n");
  res.headers.Set("Location", std::move(location));
  return res;
}

std::string FormatTime(Micros t) {
  // "2026-11-23 14:05 UTC": minutes are enough for a sessions list.
  const std::string s = FormatRfc3339(t);
  return s.substr(0, 10) + " " + s.substr(11, 5) + " UTC";
}

// The login cookie of this browser: reused while well-formed (several links asked for in
// one browser all stay usable), else a new one.
SecretString LoginCookieFor(const Request& req) {
  if (auto v = GetCookie(req, kLoginCookie); v && identity::IsWellFormedCookieToken(*v)) {
    return SecretString(std::move(*v));
  }
  return identity::NewLoginCookie();
}

void SetLoginCookie(Response& res, const SecretString& value, Micros ttl) {
  SetCookie(res, kLoginCookie, value.reveal(), std::chrono::seconds(ttl / kMicrosPerSecond));
}

class IdentityRoutes final : public RouteSet {
 public:
  IdentityRoutes(IdentityServices& services, const Templates& templates,
                 const SiteSettings& site)
      : s_(services), t_(templates), site_(site) {}

  void Add(RouteKit& router);

 private:
  identity::Identity& id() { return s_.identity; }

  // The shared steps of "mail me a link" (sign-up and sign-in by link): rate limits
  // per IP and per address, then the service call, then 202 with the login cookie.
  // `form_page` is empty for the API.
  Response RequestLink(Request& req, const std::string& email, const std::string* name,
                       const std::optional<SecretString>& password, std::string_view form_page);
  Response Consume(Request& req, const std::string& token, bool page);
  Response PasswordSignIn(Request& req, const std::string& email, const SecretString& password,
                          bool page);

  Response SignupPage(const std::string& error, int status);
  Response SigninPage(const std::string& error, int status);
  Response SettingsPage(const Request& req, const SignedIn& who, const std::string& notice,
                        const std::string& error, int status);
  Response Home(Request& req);
  Response PageError(Request& req, const Error& e, std::string_view page);

  IdentityServices& s_;
  const Templates& t_;
  const SiteSettings& site_;
};

Response IdentityRoutes::Home(Request& req) {
  auto session = SessionOf(s_, req);
  if (!session) {
    return ErrorResponse(req, &t_, session.error());
  }
  if (!*session) {
    TemplateData data;
    data.set("origin", site_.public_origin);
    return Page(t_, "index", "Alcove", data);
  }
  if (s_.therapist_home) {
    if (auto scope = identity::TherapistScope::From((*session)->principal)) {
      auto home = s_.therapist_home(req, TherapistSession{*scope, (*session)->csrf_token});
      return home ? std::move(*home) : ErrorResponse(req, &t_, home.error());
    }
  }
  auto profile = id().GetProfile((*session)->principal);
  if (!profile) {
    return ErrorResponse(req, &t_, profile.error());
  }
  TemplateData data;
  data.set("name", profile->name);
  data.set("csrf_token", (*session)->csrf_token);
  // Each role sees only the links its routes allow (C31).
  if (profile->role == identity::Role::kTherapist) {
    data.set("therapist", true);
  }
  data.set("role", std::string(identity::RoleName(profile->role)));
  return Page(t_, "home", "Alcove", data);
}

Response IdentityRoutes::PageError(Request& req, const Error& e, std::string_view page) {
  const int status = HttpStatusFor(e.code);
  if (page == "signup") {
    return SignupPage(e.public_message, status);
  }
  if (page == "signin") {
    return SigninPage(e.public_message, status);
  }
  return ErrorResponse(req, &t_, e);
}

Response IdentityRoutes::RequestLink(Request& req, const std::string& email,
                                     const std::string* name,
                                     const std::optional<SecretString>& password,
                                     std::string_view form_page) {
  const bool page = !form_page.empty();
  auto normalized = identity::NormalizeEmail(email);
  if (!normalized) {
    return page ? PageError(req, normalized.error(), form_page)
                : ErrorResponse(req, &t_, normalized.error());
  }
  auto account_key = id().AccountRateKey(*normalized);
  if (!account_key) {
    return ErrorResponse(req, &t_, account_key.error());
  }
  if (auto limited =
          Throttle(s_, &t_, req, "magic_link", AccountBudgetKey(s_, req, *account_key))) {
    return *limited;
  }
  const SecretString login = LoginCookieFor(req);
  const identity::Caller caller = CallerOf(req);
  const Status st = name != nullptr ? id().SignUp(*normalized, *name, password, login, caller)
                                    : id().RequestMagicLink(*normalized, login, caller);
  if (!st) {
    return page ? PageError(req, st.error(), form_page) : ErrorResponse(req, &t_, st.error());
  }
  Response res = page ? SeeOther("/check-email")
                      : JsonResponse(202, json::object{{"status", "check_email"}});
  SetLoginCookie(res, login, id().options().magic_link_ttl);
  return res;
}

Response IdentityRoutes::Consume(Request& req, const std::string& token, bool page) {
  std::optional<SecretString> login;
  if (auto v = GetCookie(req, kLoginCookie)) {
    login.emplace(std::move(*v));
  }
  auto session = id().ConsumeMagicLink(SecretString(token), login, CallerOf(req));
  if (!session) {
    if (page) {
      TemplateData data;
      data.set("error", session.error().public_message);
      return Page(t_, "magic", "Sign in", data, HttpStatusFor(session.error().code));
    }
    return ErrorResponse(req, &t_, session.error());
  }
  Response res = page ? SeeOther("/") : JsonResponse(200, json::object{{"status", "signed_in"}});
  SetSessionCookies(res, *session, s_.clock.Now());
  SetCookie(res, kLoginCookie, "", std::chrono::seconds(0));
  return res;
}

Response IdentityRoutes::PasswordSignIn(Request& req, const std::string& email,
                                        const SecretString& password, bool page) {
  // Only failed attempts count against the budget (C32): a success gives its event back.
  std::string budget;
  if (auto normalized = identity::NormalizeEmail(email)) {
    auto account_key = id().AccountRateKey(*normalized);
    if (!account_key) {
      return ErrorResponse(req, &t_, account_key.error());
    }
    budget = AccountBudgetKey(s_, req, *account_key);
    if (auto limited = Throttle(s_, &t_, req, "password", budget)) {
      return *limited;
    }
  }
  auto session = id().SignInWithPassword(email, password, CallerOf(req));
  // A wrong address or password keeps its charge; a success, or an attempt the server
  // could not judge (busy hashing pool, database), gives it back.
  if ((session || session.error().code != ErrorCode::kUnauthenticated) && !budget.empty()) {
    if (auto st = s_.limiter.Refund("password", budget); !st) {
      spdlog::warn("password budget not refunded: {}", st.error().internal);
    }
  }
  if (!session) {
    return page ? PageError(req, session.error(), "signin")
                : ErrorResponse(req, &t_, session.error());
  }
  Response res = page ? SeeOther("/") : JsonResponse(200, json::object{{"status", "signed_in"}});
  SetSessionCookies(res, *session, s_.clock.Now());
  return res;
}

Response IdentityRoutes::SignupPage(const std::string& error, int status) {
  TemplateData data;
  if (!error.empty()) {
    data.set("error", error);
  }
  return Page(t_, "signup", "Create your account · Alcove", data, status);
}

Response IdentityRoutes::SigninPage(const std::string& error, int status) {
  TemplateData data;
  if (!error.empty()) {
    data.set("error", error);
  }
  return Page(t_, "signin", "Sign in · Alcove", data, status);
}

Response IdentityRoutes::SettingsPage(const Request& req, const SignedIn& who,
                                      const std::string& notice, const std::string& error,
                                      int status) {
  auto profile = id().GetProfile(who.principal);
  auto sessions = id().ListSessions(who.principal);
  if (!profile || !sessions) {
    return ErrorResponse(req, &t_, !profile ? profile.error() : sessions.error());
  }
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("email", profile->email);
  data.set("name", profile->name);
  if (profile->has_password) {
    data.set("has_password", true);
  }
  if (!notice.empty()) {
    data.set("notice", notice);
  }
  if (!error.empty()) {
    data.set("error", error);
  }
  TemplateData list{TemplateData::type::list};
  for (const auto& s : *sessions) {
    TemplateData item;
    item.set("id", s.id);
    item.set("device", s.user_agent.empty() ? std::string("Unknown browser") : s.user_agent);
    item.set("created", FormatTime(s.created_at));
    item.set("last_seen", FormatTime(s.last_seen_at));
    if (s.current) {
      item.set("current", true);
    }
    list.push_back(item);
  }
  data.set("sessions", list);
  if (sessions->size() > 1) {
    data.set("has_others", true);
  }
  return Page(t_, "settings", "Settings · Alcove", data, status);
}

void IdentityRoutes::Add(RouteKit& router) {
  // ---- JSON API (docs/api.md § Authentication) ----
  router.Add(
      "POST", "/api/v1/auth/signup",
      ForAnyone([this](Request& req) {
        auto body = JsonObjectBody(req);
        if (!body) {
          return ErrorResponse(req, &t_, body.error());
        }
        auto email = RequiredString(*body, "email");
        auto name = RequiredString(*body, "name");
        auto password = OptionalString(*body, "password");
        if (!email || !name || !password) {
          return ErrorResponse(
              req, &t_, !email ? email.error() : (!name ? name.error() : password.error()));
        }
        std::optional<SecretString> pw;
        if (*password) {
          pw.emplace(std::move(**password));
        }
        return RequestLink(req, *email, &*name, pw, "");
      }),
      kSignInBody);
  router.Add(
      "POST", "/api/v1/auth/magic-link",
      ForAnyone([this](Request& req) {
        auto body = JsonObjectBody(req);
        if (!body) {
          return ErrorResponse(req, &t_, body.error());
        }
        auto email = RequiredString(*body, "email");
        if (!email) {
          return ErrorResponse(req, &t_, email.error());
        }
        return RequestLink(req, *email, nullptr, std::nullopt, "");
      }),
      kSignInBody);
  router.Add(
      "POST", "/api/v1/auth/magic-link/consume",
      ForTokenHolders("signin", [this](Request& req) {
        auto body = JsonObjectBody(req);
        if (!body) {
          return ErrorResponse(req, &t_, body.error());
        }
        auto token = RequiredString(*body, "token");
        if (!token) {
          return ErrorResponse(req, &t_, token.error());
        }
        return Consume(req, *token, false);
      }),
      kConsumeBody);
  router.Add(
      "POST", "/api/v1/auth/password",
      ForAnyone([this](Request& req) {
        auto body = JsonObjectBody(req);
        if (!body) {
          return ErrorResponse(req, &t_, body.error());
        }
        auto email = RequiredString(*body, "email");
        auto password = RequiredString(*body, "password");
        if (!email || !password) {
          return ErrorResponse(req, &t_, !email ? email.error() : password.error());
        }
        return PasswordSignIn(req, *email, SecretString(std::move(*password)), false);
      }),
      kSignInBody);
  router.Add("POST", "/api/v1/auth/logout",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               if (auto st = id().Logout(who.principal, CallerOf(req)); !st) {
                 return ErrorResponse(req, &t_, st.error());
               }
               Response res = Response::Text(204, "");
               ClearSessionCookies(res);
               return res;
             }));
  router.Add("GET", "/api/v1/me",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               auto profile = id().GetProfile(who.principal);
               if (!profile) {
                 return ErrorResponse(req, &t_, profile.error());
               }
               return JsonResponse(200, json::object{
                                            {"id", profile->id},
                                            {"email", profile->email},
                                            {"name", profile->name},
                                            {"role", identity::RoleName(profile->role)},
                                            {"has_password", profile->has_password},
                                            {"csrf_token", who.csrf_token},
                                        });
             }));
  router.Add(
      "PUT", "/api/v1/me/password",
      ForAnyAccount([this](Request& req, const SignedIn& who) {
                      auto body = JsonObjectBody(req);
                      if (!body) {
                        return ErrorResponse(req, &t_, body.error());
                      }
                      auto current = OptionalString(*body, "current_password");
                      auto next = RequiredString(*body, "new_password");
                      if (!current || !next) {
                        return ErrorResponse(req, &t_, !current ? current.error() : next.error());
                      }
                      if (auto limited = Throttle(s_, &t_, req, "password",
                                                  "account:" + who.principal.account_id)) {
                        return *limited;
                      }
                      std::optional<SecretString> cur;
                      if (*current) {
                        cur.emplace(std::move(**current));
                      }
                      if (auto st = id().ChangePassword(who.principal, cur,
                                                        SecretString(std::move(*next)),
                                                        CallerOf(req));
                          !st) {
                        return ErrorResponse(req, &t_, st.error());
                      }
                      return Response::Text(204, "");
                    }),
      kSmallBody);
  router.Add("GET", "/api/v1/sessions",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               auto sessions = id().ListSessions(who.principal);
               if (!sessions) {
                 return ErrorResponse(req, &t_, sessions.error());
               }
               json::array out;
               for (const auto& s : *sessions) {
                 out.push_back(json::object{
                     {"id", s.id},
                     {"created_at", FormatRfc3339(s.created_at)},
                     {"last_seen_at", FormatRfc3339(s.last_seen_at)},
                     {"user_agent", s.user_agent},
                     {"current", s.current},
                 });
               }
               return JsonResponse(200, out);
             }));
  router.Add("DELETE", "/api/v1/sessions/{id}",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               if (auto st = id().RevokeSession(who.principal, req.Param("id").value_or(""),
                                                CallerOf(req));
                   !st) {
                 return ErrorResponse(req, &t_, st.error());
               }
               Response res = Response::Text(204, "");
               if (req.Param("id") == who.principal.session_id) {
                 ClearSessionCookies(res);
               }
               return res;
             }));
  router.Add("POST", "/api/v1/sessions/revoke-others",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               auto n = id().RevokeOtherSessions(who.principal, CallerOf(req));
               if (!n) {
                 return ErrorResponse(req, &t_, n.error());
               }
               return JsonResponse(200, json::object{{"revoked", *n}});
             }));

  // ---- Pages (no JavaScript needed) ----
  router.Add("GET", "/", ForAnyone([this](Request& req) { return Home(req); }));
  router.Add("GET", "/signup", ForAnyone([this](Request&) { return SignupPage("", 200); }));
  router.Add(
      "POST", "/signup",
      ForAnyone([this](Request& req) {
        auto form = FormBody(req);
        if (!form) {
          return SignupPage(form.error().public_message, 400);
        }
        const std::string name = FormValue(*form, "name");
        std::optional<SecretString> pw;
        if (const std::string p = FormValue(*form, "password"); !p.empty()) {
          pw.emplace(p);
        }
        return RequestLink(req, FormValue(*form, "email"), &name, pw, "signup");
      }),
      kSignInBody);
  router.Add("GET", "/signin", ForAnyone([this](Request&) { return SigninPage("", 200); }));
  router.Add(
      "POST", "/signin/link",
      ForAnyone([this](Request& req) {
        auto form = FormBody(req);
        if (!form) {
          return SigninPage(form.error().public_message, 400);
        }
        return RequestLink(req, FormValue(*form, "email"), nullptr, std::nullopt, "signin");
      }),
      kSignInBody);
  router.Add(
      "POST", "/signin/password",
      ForAnyone([this](Request& req) {
        auto form = FormBody(req);
        if (!form) {
          return SigninPage(form.error().public_message, 400);
        }
        return PasswordSignIn(req, FormValue(*form, "email"),
                              SecretString(FormValue(*form, "password")), true);
      }),
      kSignInBody);
  router.Add("GET", "/check-email", ForAnyone([this](Request&) {
    return Page(t_, "check_email", "Check your email · Alcove", TemplateData{});
  }));
  router.Add("GET", "/auth/magic", ForTokenHolders("signin", [this](Request&) {
    return Page(t_, "magic", "Sign in · Alcove", TemplateData{});
  }));
  router.Add(
      "POST", "/auth/magic",
      ForTokenHolders("signin", [this](Request& req) {
        auto form = FormBody(req);
        if (!form) {
          TemplateData data;
          data.set("error", form.error().public_message);
          return Page(t_, "magic", "Sign in · Alcove", data, 400);
        }
        return Consume(req, FormValue(*form, "token"), true);
      }),
      kConsumeBody);
  router.Add("GET", "/settings",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               return SettingsPage(req, who, "", "", 200);
             }));
  router.Add(
      "POST", "/settings/sessions/{id}/revoke",
      ForAnyAccount([this](Request& req, const SignedIn& who) {
        const std::string target(req.Param("id").value_or(""));
        if (auto st = id().RevokeSession(who.principal, target, CallerOf(req)); !st) {
          return SettingsPage(req, who, "", st.error().public_message, HttpStatusFor(st.error().code));
        }
        if (target == who.principal.session_id) {
          Response res = SeeOther("/signin");
          ClearSessionCookies(res);
          return res;
        }
        return SeeOther("/settings");
      }),
      kSmallBody);
  router.Add("POST", "/settings/sessions/revoke-others",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               if (auto n = id().RevokeOtherSessions(who.principal, CallerOf(req)); !n) {
                 return SettingsPage(req, who, "", n.error().public_message,
                                     HttpStatusFor(n.error().code));
               }
               return SeeOther("/settings");
             }),
             kSmallBody);
  router.Add(
      "POST", "/settings/password",
      ForAnyAccount([this](Request& req, const SignedIn& who) {
                      auto form = FormBody(req);
                      if (!form) {
                        return SettingsPage(req, who, "", form.error().public_message, 400);
                      }
                      if (auto limited = Throttle(s_, &t_, req, "password",
                                                  "account:" + who.principal.account_id)) {
                        return *limited;
                      }
                      std::optional<SecretString> cur;
                      if (form->contains("current_password")) {
                        cur.emplace(FormValue(*form, "current_password"));
                      }
                      if (auto st = id().ChangePassword(
                              who.principal, cur, SecretString(FormValue(*form, "new_password")),
                              CallerOf(req));
                          !st) {
                        return SettingsPage(req, who, "", st.error().public_message,
                                            HttpStatusFor(st.error().code));
                      }
                      return SettingsPage(
                          req, who, "Your password is changed. Every other session has ended.", "",
                          200);
                    }),
      kSmallBody);
  router.Add("POST", "/signout",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               if (auto st = id().Logout(who.principal, CallerOf(req)); !st) {
                 return ErrorResponse(req, &t_, st.error());
               }
               Response res = SeeOther("/signin");
               ClearSessionCookies(res);
               return res;
             }),
             kSmallBody);
}

}  // namespace

std::unique_ptr<RouteSet> AddIdentityRoutes(RouteKit& router, IdentityServices& services,
                                            const Templates& templates,
                                            const SiteSettings& site) {
  auto routes = std::make_unique<IdentityRoutes>(services, templates, site);
  routes->Add(router);
  return routes;
}

}  // namespace alcove::web
