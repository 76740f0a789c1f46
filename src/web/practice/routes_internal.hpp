#pragma once

// The practice routes' shared parts (api.cpp, pages.cpp); not an interface.

#include <string>
#include <string_view>

#include "practice/practice.hpp"
#include "web/body.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::practice_routes {

using crypto::PhiString;
using practice::NoteFormat;
using practice::Sections;

// Notes and summaries may be long; everything else is small.
inline const RouteOptions kRecordBody{.max_body_bytes = 512 * 1024, .runs_inline = false};

class PracticeRoutes final : public RouteSet {
 public:
  PracticeRoutes(IdentityServices& identity, practice::Practice& practice,
                 const Templates& templates)
      : id_(identity), p_(practice), t_(templates) {}

  // API.md § Clients and records (api.cpp) and the pages (pages.cpp).
  void AddApi(RouteKit& router);
  void AddPages(RouteKit& router);

 private:
  // Every records route is the therapist's alone (C31).
  static SessionRoute Api(TherapistHandler h) { return ForTherapist(std::move(h)); }
  static SessionRoute Pg(TherapistHandler h) { return ForTherapist(std::move(h)); }
  std::string Param(const Request& req, std::string_view name) {
    return std::string(req.Param(name).value_or(""));
  }

  Result<Response> ClientPage(Request& req, const TherapistSession& who,
                              const std::string& client_id, const std::string& error, int status);
  Response NoteEditor(const TherapistSession& who, const std::string& client_id,
                      const std::string& alias, NoteFormat format, const practice::Note* existing,
                      const std::string& error, int status);

  IdentityServices& id_;
  practice::Practice& p_;
  const Templates& t_;
};

}  // namespace alcove::web::practice_routes
