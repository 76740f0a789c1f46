#include "web/session_auth.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "web/cookies.hpp"
#include "web/errors.hpp"
#include "web/body.hpp"
#include "web/page_words.hpp"

namespace alcove::web {
namespace {

bool IsSafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

std::optional<crypto::SecretString> CookieSecret(const Request& request, std::string_view name) {
  auto value = GetCookie(request, name);
  if (!value) {
    return std::nullopt;
  }
  return crypto::SecretString(std::move(*value));
}

}  // namespace

identity::Caller CallerOf(const Request& request) {
  return identity::Caller{
      .ip = request.remote_address,
      .user_agent = std::string(request.headers.Get("User-Agent").value_or("")),
      .known_browser = GetCookie(request, kKnownBrowserCookie).value_or(""),
  };
}

std::string IpKey(const Request& request) { return "ip:" + request.remote_address; }

std::optional<identity::KnownBrowser> KnownBrowserOf(IdentityServices& services,
                                                     const Request& request) {
  const auto cookie = GetCookie(request, kKnownBrowserCookie);
  if (!cookie) {
    return std::nullopt;
  }
  auto known = services.identity.CheckKnownBrowser(*cookie);
  if (!known) {
    spdlog::warn("known-browser cookie not checked: {}", known.error().internal);
    return std::nullopt;
  }
  return *known;
}

std::string ClientRateKey(IdentityServices& services, const Request& request) {
  // One budget per account whose browsers are known, not per cookie: cookies are minted
  // by every sign-in, so a per-cookie budget here would let one address buy a fresh
  // burst with each sign-in to an account of its own.
  if (auto known = KnownBrowserOf(services, request)) {
    return "known:" + known->account_key;
  }
  return IpKey(request);
}

std::string AccountBudgetKey(IdentityServices& services, const Request& request,
                             const std::string& account_key) {
  return AccountBudgetKey(KnownBrowserOf(services, request), account_key);
}

std::string AccountBudgetKey(const std::optional<identity::KnownBrowser>& known,
                             const std::string& account_key) {
  return known && known->account_key == account_key ? known->budget_key : account_key;
}

Result<std::optional<SignedIn>> SessionOf(IdentityServices& services, const Request& request) {
  auto token = CookieSecret(request, kSessionCookie);
  if (!token) {
    return std::optional<SignedIn>();
  }
  auto principal =
      services.identity.Authenticate(*token, CookieSecret(request, kDeviceCookie), CallerOf(request));
  if (!principal) {
    if (principal.error().code == ErrorCode::kUnauthenticated) {
      return std::optional<SignedIn>();
    }
    return std::unexpected(principal.error());
  }
  std::string csrf = identity::CsrfTokenFor(*token);
  return std::optional<SignedIn>(SignedIn{.principal = std::move(*principal),
                                          .session_token = std::move(*token),
                                          .csrf_token = std::move(csrf)});
}

std::optional<Response> Throttle(IdentityServices& services, const Templates* templates,
                                 const Request& request, std::string_view route_class,
                                 std::string_view key) {
  auto decision = services.limiter.Check(route_class, key);
  if (!decision) {
    spdlog::warn("rate limiter unavailable ({}): {}", route_class, decision.error().internal);
    return ErrorResponse(request, templates, 503, "unavailable",
                         "The server is busy. Try again in a minute.");
  }
  if (decision->allowed) {
    return std::nullopt;
  }
  return RateLimitedResponse(request, templates, decision->retry_after_seconds);
}

crypto::SecretString LoginCookieFor(const Request& request) {
  if (auto v = GetCookie(request, kLoginCookie); v && identity::IsWellFormedCookieToken(*v)) {
    return crypto::SecretString(std::move(*v));
  }
  return identity::NewLoginCookie();
}

std::optional<crypto::SecretString> PresentedLoginCookie(const Request& request) {
  std::optional<crypto::SecretString> login;
  if (auto v = GetCookie(request, kLoginCookie)) {
    login.emplace(std::move(*v));
  }
  return login;
}

void SetLoginCookie(Response& response, const crypto::SecretString& value, Micros ttl) {
  SetCookie(response, kLoginCookie, value.reveal(), std::chrono::seconds(ttl / kMicrosPerSecond));
}

void ClearLoginCookie(Response& response) {
  SetCookie(response, kLoginCookie, "", std::chrono::seconds(0));
}

void SetSessionCookies(Response& response, const identity::NewSession& session, Micros now) {
  const auto lifetime =
      std::chrono::seconds(std::max<Micros>(1, (session.expires_at - now) / kMicrosPerSecond));
  SetCookie(response, kSessionCookie, session.session_token.reveal(), lifetime);
  SetCookie(response, kDeviceCookie, session.device_token.reveal(), lifetime);
  if (!session.known_browser.empty()) {
    SetCookie(response, kKnownBrowserCookie, session.known_browser.reveal(),
              std::chrono::seconds(identity::kKnownBrowserLifetime / kMicrosPerSecond));
  }
}

void ClearSessionCookies(Response& response) {
  SetCookie(response, kSessionCookie, "", std::chrono::seconds(0));
  SetCookie(response, kDeviceCookie, "", std::chrono::seconds(0));
}

Middleware SameOriginWrites(std::string origin, const Templates* templates) {
  return [origin = std::move(origin), templates](Request& req, const Next& next) {
    if (!IsSafeMethod(req.method)) {
      const auto o = req.headers.Get("Origin");
      const auto site = req.headers.Get("Sec-Fetch-Site");
      // Under Referrer-Policy: no-referrer, browsers send "Origin: null" with same-origin
      // form posts; Sec-Fetch-Site (which pages cannot set) then says same-origin. A
      // null origin without that (sandboxed frames, data: URLs) stays foreign.
      const bool null_same_origin = o && *o == "null" && site && *site == "same-origin";
      const bool foreign = (o && *o != origin && !null_same_origin) ||
                           (site && *site != "same-origin" && *site != "none");
      if (foreign) {
        return ErrorResponse(req, templates, 403, "forbidden",
                             "Requests from other sites are not accepted.");
      }
    }
    return next(req);
  };
}

Result<std::function<std::string(Micros)>> PageTimeWords(const IdentityServices& services,
                                                         const identity::Principal& who) {
  if (services.therapist_time_words) {
    if (auto scope = identity::TherapistScope::From(who)) {
      return services.therapist_time_words(*scope);
    }
  }
  return std::function<std::string(Micros)>(
      [now = services.clock.Now()](Micros t) { return TimeInWords(t, now); });
}

TherapistLinks LinksFor(const IdentityServices& services, const identity::TherapistScope& who) {
  TherapistLinks out;
  for (const auto& links : services.therapist_links) {
    auto got = links(who);
    if (!got) {
      spdlog::warn("a module's page links for a therapist failed: {}", got.error().internal);
      continue;
    }
    const TherapistLinks& more = *got;
    out.nav.insert(out.nav.end(), more.nav.begin(), more.nav.end());
    out.settings.insert(out.settings.end(), more.settings.begin(), more.settings.end());
    out.today.insert(out.today.end(), more.today.begin(), more.today.end());
  }
  return out;
}

std::vector<TodayAlert> TodayAlertsFor(const IdentityServices& services,
                                       const identity::TherapistScope& who,
                                       const identity::Caller& caller) {
  std::vector<TodayAlert> out;
  for (const auto& alerts : services.today_alerts) {
    auto got = alerts(who, caller);
    if (!got) {
      spdlog::warn("a module's Today alerts failed: {}", got.error().internal);
      out.push_back(TodayAlert{.text = "Some alerts could not be shown just now. Reload the "
                                       "page in a moment.",
                               .href = "",
                               .label = "",
                               .action = "",
                               .action_label = "",
                               .urgent = true});
      continue;
    }
    out.insert(out.end(), got->begin(), got->end());
  }
  return out;
}

std::vector<ClientPageAddition> ClientPageAdditionsFor(const IdentityServices& services,
                                                       const identity::TherapistScope& who,
                                                       std::string_view client_id,
                                                       const identity::Caller& caller) {
  std::vector<ClientPageAddition> out;
  for (const auto& add : services.client_page) {
    auto got = add(who, client_id, caller);
    if (!got) {
      spdlog::warn("a module's part of a client page failed: {}", got.error().internal);
      ClientPageAddition failed;
      failed.alerts.push_back("Part of this page could not be shown just now. Reload the page "
                              "in a moment.");
      out.push_back(std::move(failed));
      continue;
    }
    out.push_back(std::move(*got));
  }
  return out;
}

std::vector<PageEntry> ClientHomeFor(const IdentityServices& services,
                                     const identity::ClientScope& who) {
  std::vector<PageEntry> out;
  for (const auto& add : services.client_home) {
    auto got = add(who);
    if (!got) {
      spdlog::warn("a module's part of a client's portal home failed: {}", got.error().internal);
      out.push_back(PageEntry{.heading = "Not shown just now",
                              .lead = "Part of this page could not be shown just now. Reload "
                                      "the page in a moment.",
                              .href = "",
                              .label = ""});
      continue;
    }
    out.insert(out.end(), got->begin(), got->end());
  }
  return out;
}

}  // namespace alcove::web
