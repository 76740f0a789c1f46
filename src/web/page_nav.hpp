#pragma once

#include <string>
#include <string_view>

#include "identity/principal.hpp"
#include "web/http.hpp"
#include "web/middleware.hpp"

namespace alcove::web {

class Templates;
struct IdentityServices;

// The one navigation of every page (docs/design.md § Layout). Templates::RenderPage puts
// kNavSlot where the layout's navigation goes; the PageNavigation layer fills it for
// each answer from Request::viewer, which the route facade sets (route_kit.hpp), so no
// handler passes anything for it and every page rendered through RenderPage gets it:
//   a signed-in therapist: Today, Clients, Schedule, (what modules add: Hours for one
//   with a licensure profile), Audit log, Settings, Sign out;
//   a client: Your portal, Settings, Sign out (docs/portal.md);
//   another role (a supervisor): Home, Settings, Sign out;
//   signed out: Sign in, Sign up;
//   not known (an answer made before routing, e.g. a 405 or 413, with a session cookie):
//   Home only — the start page then shows the full navigation.
// The item of the current page carries aria-current="page", the item of its section
// (a client's note under Clients) aria-current="true".
inline constexpr std::string_view kNavSlot = "<!--alcove:nav-->";

// Records who the page is for: a signed-in account of `role` ("therapist", ...), or,
// with an empty role, a visitor who is not signed in.
void NoteViewer(Request& request, std::string_view role, std::string csrf_token);
// The same for a signed-in account of `who`; a therapist's navigation then holds the
// items modules add (IdentityServices::therapist_links, after Schedule), looked up only
// when a page is rendered. `services` may be null (no module items).
void NoteSignedInViewer(Request& request, const IdentityServices* services,
                        const identity::Principal& who, std::string csrf_token);

// The navigation's HTML for `request` (its viewer and path), from nav.mustache.
std::string NavigationFor(const Templates& templates, const Request& request);

// Fills kNavSlot in HTML answers (the first one only: the layout's, which comes before
// any content). Without templates it passes answers through untouched.
Middleware PageNavigation(const Templates* templates);

}  // namespace alcove::web
