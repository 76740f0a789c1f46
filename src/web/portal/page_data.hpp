#pragma once

// What the client portal's pages show (docs/portal.md § Pages), from the service's views:
// pure functions (no database, no clock), so that the client's home and the therapist's
// "What this client sees now" are one piece of code, tested on its own. The client's own
// content (a shared summary's text, their scores) is put only in the bodies of pages for
// the client and the therapist's preview: never in a title, a URL or the log.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "identity/identity.hpp"
#include "portal/types.hpp"
#include "web/templates.hpp"

namespace alcove::web::portal_routes {

// `items` as a template list (they are moved into it).
TemplateData TemplateList(std::vector<TemplateData>& items);

// How the portal words a time. The client's pages and the therapist's preview of them
// use the same words (UTC, named: a client has no time zone setting), so the preview
// shows exactly what the client reads.
using WhenFn = std::function<std::string(Micros)>;
WhenFn PortalTimeWords(Micros now);

// Where the home's links go: the client's own pages, or the therapist's preview of them
// (read-only: the questionnaires' buttons are shown but do nothing).
struct HomeLinks {
  std::string item_base;  // "/portal/items/" or "/clients/<id>/portal-view/items/"
  bool read_only = false;
};
inline HomeLinks ClientLinks() {
  return HomeLinks{.item_base = "/portal/items/", .read_only = false};
}
HomeLinks PreviewLinks(std::string_view client_id);

// The home's body (portal_home_body.mustache, rendered alone): the shared items newest
// first (opened ones marked), the questionnaires waiting.
TemplateData HomeBodyData(const portal::PortalView& view, const WhenFn& when,
                          const HomeLinks& links);

// One shared item's body (portal_item_body.mustache, rendered alone): a summary's text,
// a result's scores, or a trend's charts (measures' TrendChartSvg) with their tables.
TemplateData ItemBodyData(const portal::PortalItem& item, const WhenFn& when);

// The title of an item kind as a list shows it when the client has no title for it.
std::string KindWords(portal::ShareKind kind);

// The client's home's "Signed in" part: each live session of the account, this browser
// marked (the sessions page itself is /settings).
TemplateData SessionsData(std::span<const identity::SessionInfo> sessions, const WhenFn& when);

}  // namespace alcove::web::portal_routes
