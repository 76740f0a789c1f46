#include "web/page_nav.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <span>
#include <vector>

#include "web/cookies.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web {
namespace {

struct NavItem {
  std::string_view href;
  std::string_view label;
  // Paths under which a page belongs to this item's section ("/clients" holds
  // "/clients/…"); the item's own href is always its page.
  std::array<std::string_view, 3> sections{};
};

// Each role sees only the items its routes allow (C31).
constexpr NavItem kTherapist[] = {
    {"/", "Today", {}},
    {"/clients", "Clients", {"/clients", "/notes", "/summaries"}},
    {"/schedule", "Schedule", {"/schedule"}},
    {"/audit", "Audit log", {"/audit"}},
    {"/settings", "Settings", {"/settings"}},
};
// Where a therapist's navigation takes the items modules add.
constexpr std::string_view kModuleItemsAfter = "/schedule";
constexpr NavItem kOtherRole[] = {
    {"/", "Home", {}},
    {"/settings", "Settings", {"/settings"}},
};
// A client's: their portal (docs/portal.md), which is all their routes allow.
constexpr NavItem kClient[] = {
    {"/portal", "Your portal", {"/portal"}},
    {"/settings", "Settings", {"/settings"}},
};
constexpr NavItem kSignedOut[] = {
    {"/signin", "Sign in", {"/signin", "/auth", "/check-email"}},
    {"/signup", "Sign up", {"/signup"}},
};
constexpr NavItem kUnknown[] = {
    {"/", "Home", {}},
};

bool Under(std::string_view path, std::string_view section) {
  return path == section ||
         (path.starts_with(section) && path.size() > section.size() &&
          path[section.size()] == '/');
}

// "page" for the item's own page, "true" for a page in its section, "" otherwise.
std::string_view CurrentOf(const NavItem& item, std::string_view path) {
  if (path == item.href) {
    return "page";
  }
  for (std::string_view s : item.sections) {
    if (!s.empty() && Under(path, s)) {
      return "true";
    }
  }
  return "";
}

bool IsHtml(const Response& res) {
  const auto type = res.headers.Get("Content-Type");
  return type && type->starts_with("text/html");
}

}  // namespace

void NoteViewer(Request& request, std::string_view role, std::string csrf_token) {
  request.viewer = Viewer{.role = std::string(role), .csrf_token = std::move(csrf_token)};
}

void NoteSignedInViewer(Request& request, const IdentityServices* services,
                        const identity::Principal& who, std::string csrf_token) {
  NoteViewer(request, identity::RoleName(who.role), std::move(csrf_token));
  if (services == nullptr || services->therapist_links.empty()) {
    return;
  }
  if (auto scope = identity::TherapistScope::From(who)) {
    request.viewer->more_items = [services, scope = *scope] {
      return LinksFor(*services, scope).nav;
    };
  }
}

std::string NavigationFor(const Templates& templates, const Request& request) {
  const bool signed_in = request.viewer && !request.viewer->role.empty();
  std::span<const NavItem> items = kSignedOut;
  if (signed_in) {
    const std::string& role = request.viewer->role;
    items = role == "therapist" ? std::span<const NavItem>(kTherapist)
            : role == "client"  ? std::span<const NavItem>(kClient)
                                : std::span<const NavItem>(kOtherRole);
  } else if (!request.viewer && GetCookie(request, kSessionCookie)) {
    items = kUnknown;
  }
  // A module's items (only a therapist's viewer has them) come after Schedule.
  std::vector<ViewerLink> more;
  if (signed_in && request.viewer->more_items) {
    more = request.viewer->more_items();
  }
  TemplateData list{TemplateData::type::list};
  const auto add = [&](const NavItem& item) {
    TemplateData entry;
    entry.set("href", std::string(item.href));
    entry.set("label", std::string(item.label));
    if (const std::string_view current = CurrentOf(item, request.path); !current.empty()) {
      entry.set("current", std::string(current));
    }
    list.push_back(entry);
  };
  for (const NavItem& item : items) {
    add(item);
    if (item.href == kModuleItemsAfter) {
      for (const ViewerLink& link : more) {
        add(NavItem{link.href, link.label, {link.section}});
      }
    }
  }
  TemplateData data;
  data.set("items", list);
  if (signed_in) {
    data.set("csrf_token", request.viewer->csrf_token);
    data.set("signed_in", true);
  }
  return templates.Render("nav", data);
}

Middleware PageNavigation(const Templates* templates) {
  return [templates](Request& req, const Next& next) {
    Response res = next(req);
    if (templates == nullptr || !IsHtml(res)) {
      return res;
    }
    const auto at = res.body.find(kNavSlot);
    if (at == std::string::npos) {
      return res;
    }
    std::string nav;
    try {
      nav = NavigationFor(*templates, req);
    } catch (const std::exception& e) {
      // The page still shows (without its menu): better than no page at all.
      spdlog::error("request id={} route={} navigation not rendered: {}", req.request_id,
                    req.route, e.what());
    }
    res.body.replace(at, kNavSlot.size(), nav);
    return res;
  };
}

}  // namespace alcove::web
