#include "web/identity_routes.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/clock.hpp"
#include "web/body.hpp"
#include "web/cookies.hpp"
#include "web/errors.hpp"
#include "web/page_nav.hpp"
#include "web/page_words.hpp"
#include "web/route_kit.hpp"
#include "web/signin_code_routes.hpp"
#include "web/templates.hpp"

namespace alcove::web {
namespace {

namespace json = boost::json;
using crypto::SecretString;

constexpr std::string_view kSessionEndedWords =
    "Your session ended: it was idle for a while, reached its time limit, or was signed out "
    "from another device. Sign in again to go on.";

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
  // The link's page; after a refusal, with the error and "Send a new link" for `token`.
  Response MagicPage(const std::string& error, const std::string& token, int status);
  Response SigninPage(const std::string& error, int status, const std::string& notice = "");
  // `field_error`, when set, is shown next to the password field `field` ("current" or
  // "new") instead of at the top.
  Response SettingsPage(const Request& req, const SignedIn& who, const std::string& notice,
                        const std::string& error, int status, std::string_view field = "");
  Response Home(Request& req);
  Response PageError(Request& req, const Error& e, std::string_view page);

  IdentityServices& s_;
  const Templates& t_;
  const SiteSettings& site_;
  std::unique_ptr<RouteSet> codes_;  // signin_code_routes.cpp
};

Response IdentityRoutes::Home(Request& req) {
  auto session = SessionOf(s_, req);
  if (!session) {
    return ErrorResponse(req, &t_, session.error());
  }
  if (!*session) {
    NoteViewer(req, "", "");
    TemplateData data;
    data.set("origin", site_.public_origin);
    return Page(t_, "index", "Alcove", data);
  }
  // Noted here, so the facade does not look the session up a second time.
  NoteSignedInViewer(req, &s_, (*session)->principal, (*session)->csrf_token);
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
  // Each role sees only the links its routes allow (C31).
  if (profile->role == identity::Role::kTherapist) {
    data.set("therapist", true);
  }
  if (profile->role == identity::Role::kSupervisor) {
    data.set("supervisor", true);  // the supervisor's pages (hours, docs/supervisors.md)
  }
  if (profile->role == identity::Role::kClient) {
    data.set("client", true);  // the client portal (docs/portal.md)
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
  Response res = page ? Response::SeeOther("/check-email")
                      : JsonResponse(202, json::object{{"status", "check_email"}});
  SetLoginCookie(res, login, id().options().magic_link_ttl);
  return res;
}

Response IdentityRoutes::Consume(Request& req, const std::string& token, bool page) {
  auto session =
      id().ConsumeMagicLink(SecretString(token), PresentedLoginCookie(req), CallerOf(req));
  if (!session) {
    if (page) {
      return MagicPage(session.error().public_message, token,
                       HttpStatusFor(session.error().code));
    }
    return ErrorResponse(req, &t_, session.error());
  }
  Response res = page ? Response::SeeOther("/") : JsonResponse(200, json::object{{"status", "signed_in"}});
  SetSessionCookies(res, *session, s_.clock.Now());
  ClearLoginCookie(res);
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
  Response res = page ? Response::SeeOther("/") : JsonResponse(200, json::object{{"status", "signed_in"}});
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

Response IdentityRoutes::MagicPage(const std::string& error, const std::string& token,
                                   int status) {
  TemplateData data;
  if (!error.empty()) {
    data.set("error", error);
    data.set("resend", true);
  }
  if (token.size() == crypto::kTokenLength) {
    data.set("token", token);
  }
  return Page(t_, "magic", "Sign in · Alcove", data, status);
}

Response IdentityRoutes::SigninPage(const std::string& error, int status,
                                    const std::string& notice) {
  TemplateData data;
  if (!error.empty()) {
    data.set("error", error);
  }
  if (!notice.empty()) {
    data.set("notice", notice);
  }
  return Page(t_, "signin", "Sign in · Alcove", data, status);
}

Response IdentityRoutes::SettingsPage(const Request& req, const SignedIn& who,
                                      const std::string& notice, const std::string& error,
                                      int status, std::string_view field) {
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
    data.set(field.empty() ? "error" : std::string(field) + "_password_error", error);
  }
  TemplateData list{TemplateData::type::list};
  const auto words = PageTimeWords(s_, who.principal);
  if (!words) {
    return ErrorResponse(req, &t_, words.error());
  }
  for (const auto& s : *sessions) {
    TemplateData item;
    item.set("id", s.id);
    item.set("device", BrowserInWords(s.user_agent));
    item.set("created", (*words)(s.created_at));
    item.set("last_seen", (*words)(s.last_seen_at));
    if (s.current) {
      item.set("current", true);
    }
    list.push_back(item);
  }
  data.set("sessions", list);
  if (sessions->size() > 1) {
    data.set("has_others", true);
  }
  // What modules offer here (hours: its setup, or the profile once set).
  if (auto scope = identity::TherapistScope::From(who.principal)) {
    TemplateData entries{TemplateData::type::list};
    for (const PageEntry& e : LinksFor(s_, *scope).settings) {
      TemplateData item;
      item.set("heading", e.heading);
      item.set("lead", e.lead);
      item.set("href", e.href);
      item.set("label", e.label);
      entries.push_back(item);
    }
    data.set("entries", entries);
  }
  return Page(t_, "settings", "Settings · Alcove", data, status);
}

void IdentityRoutes::Add(RouteKit& router) {
  // The one-time code, its page (/check-email) and "Send a new link".
  codes_ = AddSignInCodeRoutes(router, s_, t_);
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
  // After signing out, /signin?signed_out=1 says so; after a session ended by itself
  // (a page asked with a session that no longer exists: route_kit), /signin?ended=1.
  router.Add("GET", "/signin", ForAnyone([this](Request& req) {
               std::string_view note;
               if (req.QueryValue("signed_out")) {
                 note = "You are signed out.";
               } else if (req.QueryValue("ended")) {
                 note = kSessionEndedWords;
               }
               return SigninPage("", 200, std::string(note));
             }));
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
  router.Add("GET", "/auth/magic",
             ForTokenHolders("signin", [this](Request&) { return MagicPage("", "", 200); }));
  router.Add(
      "POST", "/auth/magic",
      ForTokenHolders("signin", [this](Request& req) {
        auto form = FormBody(req);
        if (!form) {
          return MagicPage(form.error().public_message, "", 400);
        }
        // The token, or the whole link pasted from the email.
        std::string token = FormValue(*form, "token");
        if (const auto at = token.find("#token="); at != std::string::npos) {
          token = token.substr(at + 7);
        }
        return Consume(req, token, true);
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
          Response res = Response::SeeOther("/signin?signed_out=1");
          ClearSessionCookies(res);
          return res;
        }
        return Response::SeeOther("/settings");
      }),
      kSmallBody);
  router.Add("POST", "/settings/sessions/revoke-others",
             ForAnyAccount([this](Request& req, const SignedIn& who) {
               if (auto n = id().RevokeOtherSessions(who.principal, CallerOf(req)); !n) {
                 return SettingsPage(req, who, "", n.error().public_message,
                                     HttpStatusFor(n.error().code));
               }
               return Response::SeeOther("/settings");
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
                        // Next to the field it is about (the form keeps nothing typed:
                        // passwords are never sent back).
                        const ErrorCode code = st.error().code;
                        return SettingsPage(req, who, "", st.error().public_message,
                                            HttpStatusFor(code),
                                            code == ErrorCode::kUnauthenticated    ? "current"
                                            : code == ErrorCode::kInvalidArgument ? "new"
                                                                                  : "");
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
               Response res = Response::SeeOther("/signin?signed_out=1");
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
