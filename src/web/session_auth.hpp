#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret.hpp"
#include "identity/identity.hpp"
#include "identity/rate_limit.hpp"
#include "web/http.hpp"
#include "web/middleware.hpp"
#include "web/router.hpp"

namespace alcove::web {

// Sessions, CSRF and rate limits on the HTTP side (docs/identity.md). The cookies:
inline constexpr std::string_view kSessionCookie = "__Host-alcove_session";
inline constexpr std::string_view kDeviceCookie = "__Host-alcove_device";
inline constexpr std::string_view kLoginCookie = "__Host-alcove_login";
// The known-browser cookie (C32; identity.hpp § Known browsers): set at every sign-in,
// kept across sign-outs, it gives the browser its own rate-limit budget.
inline constexpr std::string_view kKnownBrowserCookie = "__Host-alcove_known";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
inline constexpr std::string_view kCsrfField = "csrf_token";

class Templates;
struct TherapistSession;  // route_kit.hpp

// What a module offers a therapist on pages that are not its own: items of the
// navigation (after Schedule), and entries on the Settings and Today pages, each a
// sentence and a link (hours: "Gathering hours toward licensure? Set up hours
// tracking"). Fixed words: never client content.
struct PageEntry {
  std::string heading;  // on Settings, the entry's heading: "Hours toward licensure"
  std::string lead;     // "Gathering hours toward licensure?"; may be empty
  std::string href;     // "/hours/setup"
  std::string label;    // "Set up hours tracking"
};
struct TherapistLinks {
  std::vector<ViewerLink> nav;
  std::vector<PageEntry> settings;
  std::vector<PageEntry> today;
};
using TherapistLinksFn = std::function<Result<TherapistLinks>(const identity::TherapistScope&)>;

// What a module shows on pages of other modules about one client or needing attention
// (measures: a questionnaire's safety flag). Unlike PageEntry these may carry the client's
// alias (never more: no names, no answers).
// An alert on the Today page: a sentence, a link to where it is dealt with, and a form
// that settles it ("Mark as reviewed": POST `action`, with the CSRF token).
struct TodayAlert {
  std::string text;          // "J.D.: PHQ-9 of 2 Dec raised a flag: self-harm thoughts (item 9)."
  std::string href;          // "/clients/<id>/measures"
  std::string label;         // "Open the questionnaires"
  std::string action;        // "/measures/results/<id>/review"
  std::string action_label;  // "Mark as reviewed"
  bool urgent = false;       // shown as an alert (role="alert"), before everything else
};
using TodayAlertsFn = std::function<Result<std::vector<TodayAlert>>(const identity::TherapistScope&,
                                                                    const identity::Caller&)>;
// What a module adds to a client's record page (practice's): alerts at the top, lines on
// the overview, and a tab of its own (a link to the module's page of the client).
struct ClientPageAddition {
  std::vector<std::string> alerts;  // "A questionnaire raised a flag: ..."
  std::vector<std::string> lines;   // "PHQ-9: 12, moderate, 5 points lower than the first — 2 Dec"
  std::string heading;              // of the lines: "Questionnaires"
  std::string tab_label;            // "Questionnaires"
  std::string tab_href;             // "/clients/<id>/measures"
};
using ClientPageFn = std::function<Result<ClientPageAddition>(
    const identity::TherapistScope&, std::string_view client_id, const identity::Caller&)>;
// What a module adds to a client's portal home (recordings: consent asked for), each a
// part with a heading, a sentence and a link. Fixed words only.
using ClientHomeFn = std::function<Result<std::vector<PageEntry>>(const identity::ClientScope&)>;

// What a module adds to a summary's page (the AI module: a draft made from a recording says
// so and shows the transcript beside it). Empty `label`: nothing to add.
struct SummaryPageAddition {
  std::string label;         // "AI-drafted from the recording of 3 December 2026"
  std::string aside_heading;  // "Transcript"
  std::optional<crypto::PhiString> aside_text;  // client content, on the record's own page
  std::string link_href;      // "/recordings/<id>"
  std::string link_label;     // "The recording"
};
using SummaryPageFn = std::function<Result<SummaryPageAddition>(
    const identity::TherapistScope&, std::string_view client_id, std::string_view summary_id,
    const identity::Caller&)>;

// What the identity routes need. Borrowed; must outlive the routes.
struct IdentityServices {
  identity::Identity& identity;
  identity::RateLimiter& limiter;
  const Clock& clock;
  // The home page "/" of a signed-in therapist, when a module provides one (schedule's
  // Today page); set while routes are added, before serving. Other roles, and therapists
  // without it, get the identity routes' own home page.
  std::function<Result<Response>(Request&, const TherapistSession&)> therapist_home;
  // How a therapist's pages word a time (their time zone), when a module knows it
  // (practice: Practice::TimeWords); set while routes are added, before serving.
  std::function<Result<std::function<std::string(Micros)>>(const identity::TherapistScope&)>
      therapist_time_words;
  // What modules add to a therapist's pages (TherapistLinks), in module order; added
  // while routes are added, before serving.
  std::vector<TherapistLinksFn> therapist_links;
  // Alerts for the Today page and additions to a client's page (measures), in module
  // order; added while routes are added, before serving. A failing one is left out and
  // logged, as therapist_links.
  std::vector<TodayAlertsFn> today_alerts;
  std::vector<ClientPageFn> client_page;
  std::vector<SummaryPageFn> summary_page;
  // Parts of the client's portal home (the portal renders them), in module order; a
  // failing one is logged and stands as a sentence saying so.
  std::vector<ClientHomeFn> client_home;
};

// Everything `therapist_links` offers `who`. A module whose lookup fails is left out and
// logged (the page still shows, without its links).
TherapistLinks LinksFor(const IdentityServices& services, const identity::TherapistScope& who);

// Everything `today_alerts` has for `who`. A module whose lookup fails is logged and
// stands as one alert saying its alerts could not be shown (a safety flag must not
// vanish silently).
std::vector<TodayAlert> TodayAlertsFor(const IdentityServices& services,
                                       const identity::TherapistScope& who,
                                       const identity::Caller& caller);
// Everything `client_page` adds to the page of client `client_id`; as TodayAlertsFor, a
// failing module stands as an alert.
std::vector<ClientPageAddition> ClientPageAdditionsFor(const IdentityServices& services,
                                                       const identity::TherapistScope& who,
                                                       std::string_view client_id,
                                                       const identity::Caller& caller);

// Everything `client_home` adds to the portal home of `who`.
std::vector<PageEntry> ClientHomeFor(const IdentityServices& services,
                                     const identity::ClientScope& who);

// How the pages of `who` word a time: a therapist's in their time zone (through
// `therapist_time_words`), everyone else's as TimeInWords in UTC, the zone named.
Result<std::function<std::string(Micros)>> PageTimeWords(const IdentityServices& services,
                                                         const identity::Principal& who);

// The request's client IP and User-Agent, for audit events and the sessions list.
identity::Caller CallerOf(const Request& request);

// A request with a valid, device-bound session.
struct SignedIn {
  identity::Principal principal;
  crypto::SecretString session_token;
  std::string csrf_token;  // for forms and GET /api/v1/me
};

// The session of `request`, if it has a valid one; nullopt otherwise (a device
// mismatch still revokes the session: Identity::Authenticate). Errors: the database's.
Result<std::optional<SignedIn>> SessionOf(IdentityServices& services, const Request& request);

enum class Surface { kApi, kPage };

// Checks `key` against the limiter's `route_class`: nullopt when allowed; a 429 with
// Retry-After when denied; a 503 when the limiter's store fails (fail closed).
std::optional<Response> Throttle(IdentityServices& services, const Templates* templates,
                                 const Request& request, std::string_view route_class,
                                 std::string_view key);

// "ip:<address>" for per-IP buckets.
std::string IpKey(const Request& request);

// The known browser the request's cookie names, if it carries a valid one (a store
// failure counts as none: the request is then limited as an unknown browser).
std::optional<identity::KnownBrowser> KnownBrowserOf(IdentityServices& services,
                                                     const Request& request);

// The key of the request's own budget on open routes: the budget of the known browsers
// of the account its cookie names ("known:" + account key; one per account, whatever
// the number of cookies) when it has a valid one, else its IP address's (C32: a flood
// from the owner's own network does not stop the owner's known browser).
std::string ClientRateKey(IdentityServices& services, const Request& request);

// The key of the per-account budget of a sign-in request about `account_key`
// (Identity::AccountRateKey): the browser's own when it is a known browser of that
// account, else the account's budget for unknown browsers.
std::string AccountBudgetKey(IdentityServices& services, const Request& request,
                             const std::string& account_key);
// The same for a request whose known browser is `known` (KnownBrowserOf), for work done
// after the request (a background job learns the account only later).
std::string AccountBudgetKey(const std::optional<identity::KnownBrowser>& known,
                             const std::string& account_key);

// The login cookie of this browser (C26): reused while well formed (several links asked
// for in one browser all stay usable), else a new one.
crypto::SecretString LoginCookieFor(const Request& request);
// The request's login cookie as sent, if any.
std::optional<crypto::SecretString> PresentedLoginCookie(const Request& request);
void SetLoginCookie(Response& response, const crypto::SecretString& value, Micros ttl);
// Deletes the login cookie (spent by a sign-in).
void ClearLoginCookie(Response& response);

// Sets the session and device cookies of a new session (lifetime: its absolute expiry).
void SetSessionCookies(Response& response, const identity::NewSession& session, Micros now);
void ClearSessionCookies(Response& response);

// Refuses (403) state-changing requests (anything but GET, HEAD, OPTIONS) whose Origin
// header names another origin than `origin`, or whose Sec-Fetch-Site says cross-site.
// "Origin: null" passes only together with "Sec-Fetch-Site: same-origin" (what browsers
// send for a same-origin form under Referrer-Policy: no-referrer).
// Requests without either header (non-browser clients) pass; they still need the
// CSRF token when they use a session.
Middleware SameOriginWrites(std::string origin, const Templates* templates);

}  // namespace alcove::web
