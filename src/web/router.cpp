#include "web/router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace alcove::web {
namespace {

std::vector<Route::Segment> ParsePattern(const std::string& pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  std::vector<Route::Segment> out;
  if (pattern == "/") {
    return out;
  }
  std::string_view rest(pattern);
  rest.remove_prefix(1);
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    if (seg.size() >= 3 && seg.front() == '{' && seg.back() == '}') {
      const std::string_view inner = seg.substr(1, seg.size() - 2);
      if (inner.front() == '*') {
        if (slash != std::string_view::npos) {
          throw std::invalid_argument("{*rest} must be the last segment: " + pattern);
        }
        out.push_back({Route::Kind::kRest, std::string(inner.substr(1))});
      } else {
        out.push_back({Route::Kind::kParam, std::string(inner)});
      }
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) {
        throw std::invalid_argument("malformed route pattern: " + pattern);
      }
      out.push_back({Route::Kind::kLiteral, std::string(seg)});
    }
    if (slash == std::string_view::npos) {
      break;
    }
    rest = rest.substr(slash + 1);
  }
  return out;
}

// Returns the kinds matched per segment (for specificity), or nothing if no match.
bool MatchSegments(const Route& route, const std::vector<std::string>& segments,
                   std::vector<std::pair<std::string, std::string>>* params,
                   std::vector<int>* rank) {
  const auto& pat = route.segments;
  std::size_t i = 0;
  for (; i < pat.size(); ++i) {
    const auto& p = pat[i];
    if (p.kind == Route::Kind::kRest) {
      if (i >= segments.size()) {
        return false;
      }
      std::string joined;
      for (std::size_t j = i; j < segments.size(); ++j) {
        if (j > i) {
          joined += '/';
        }
        joined += segments[j];
      }
      params->emplace_back(p.text, std::move(joined));
      rank->push_back(2);
      return true;
    }
    if (i >= segments.size()) {
      return false;
    }
    if (p.kind == Route::Kind::kLiteral) {
      if (p.text != segments[i]) {
        return false;
      }
      rank->push_back(0);
    } else {
      if (segments[i].empty()) {
        return false;
      }
      params->emplace_back(p.text, segments[i]);
      rank->push_back(1);
    }
  }
  return i == segments.size();
}

}  // namespace

bool Audience::Allows(identity::Role role) const {
  return kind_ == Kind::kRoles && std::find(roles_.begin(), roles_.end(), role) != roles_.end();
}

std::string Audience::Describe() const {
  switch (kind_) {
    case Kind::kUnset:
      return "unset";
    case Kind::kPublic:
      return "public";
    case Kind::kToken:
      return "token:" + purpose_;
    case Kind::kRoles: {
      std::string out = "roles:";
      for (std::size_t i = 0; i < roles_.size(); ++i) {
        out += (i == 0 ? "" : ",");
        out += identity::RoleName(roles_[i]);
      }
      return out;
    }
  }
  return "unset";
}

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (options.audience.kind() == Audience::Kind::kUnset) {
    throw std::invalid_argument("route declares no audience: " + method + " " + pattern);
  }
  if (options.audience.kind() == Audience::Kind::kRoles && options.audience.roles().empty()) {
    throw std::invalid_argument("route names no role: " + method + " " + pattern);
  }
  if (options.audience.kind() == Audience::Kind::kToken &&
      options.audience.token_purpose().empty()) {
    throw std::invalid_argument("route names no token purpose: " + method + " " + pattern);
  }
  if (options.streaming_body && options.runs_inline) {
    throw std::invalid_argument("a streaming route cannot run inline: " + method + " " + pattern);
  }
  for (const auto& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      throw std::invalid_argument("duplicate route: " + method + " " + pattern);
    }
  }
  Route route{std::move(method), std::move(pattern), std::move(handler), options, {}};
  route.segments = ParsePattern(route.pattern);
  routes_.push_back(std::move(route));
}

std::shared_ptr<Routing> Router::RouteTarget(std::string_view method,
                                                   std::string_view target) const {
  auto routing = std::make_shared<Routing>(Routing{ParseTarget(target), {}});
  if (routing->target) {
    routing->match = Match(method, routing->target->segments);
  }
  return routing;
}

RouteMatch Router::Match(std::string_view method, const std::vector<std::string>& segments) const {
  RouteMatch best;
  std::vector<int> best_rank;
  std::vector<std::string_view> allowed;  // methods of the most specific matching pattern
  std::vector<int> best_any_rank;         // the most specific pattern matching the path at all
  bool path_matched = false;
  // Scratch reused for every route: matching allocates nothing for routes that fail.
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<int> rank;

  for (const auto& route : routes_) {
    // A pattern without a rest segment matches only paths of its own length.
    const bool has_rest =
        !route.segments.empty() && route.segments.back().kind == Route::Kind::kRest;
    if (has_rest ? segments.size() < route.segments.size()
                 : segments.size() != route.segments.size()) {
      continue;
    }
    params.clear();
    rank.clear();
    if (!MatchSegments(route, segments, &params, &rank)) {
      continue;
    }
    if (!path_matched || rank < best_any_rank) {
      best_any_rank = rank;
      allowed.clear();
      path_matched = true;
    }
    if (rank == best_any_rank) {
      allowed.push_back(route.method);
      if (route.method == "GET") {
        allowed.push_back("HEAD");
      }
    }
    const bool method_ok = route.method == method || (method == "HEAD" && route.method == "GET");
    if (!method_ok) {
      continue;
    }
    // An explicit HEAD route beats GET-answers-HEAD at equal specificity.
    const bool better =
        best.route == nullptr || rank < best_rank || (rank == best_rank && route.method == method);
    if (better) {
      best.outcome = RouteMatch::Outcome::kFound;
      best.route = &route;
      best.params.swap(params);
      best_rank.swap(rank);
    }
  }
  // A less specific pattern may accept this method where the most specific does not
  // (GET /a/{id} and POST /a/x, for POST /a/x): answering from it is still right.
  if (best.route != nullptr) {
    return best;
  }
  if (path_matched) {
    RouteMatch m;
    m.outcome = RouteMatch::Outcome::kMethodNotAllowed;
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    for (const auto a : allowed) {
      if (!m.allow.empty()) {
        m.allow += ", ";
      }
      m.allow += a;
    }
    return m;
  }
  return {};
}

}  // namespace alcove::web
