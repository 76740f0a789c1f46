// AddRecordingsRoutes: every part of the recordings' web surface.
#include "web/recordings/routes.hpp"

#include "web/recordings/routes_internal.hpp"

namespace alcove::web {

std::unique_ptr<RouteSet> AddRecordingsRoutes(RouteKit& kit, IdentityServices& identity,
                                              recordings::Recordings& recordings,
                                              practice::Practice& practice,
                                              const Templates& templates) {
  auto routes = std::make_unique<recordings_routes::RecordingsRoutes>(identity, recordings,
                                                                      practice, templates);
  routes->AddApi(kit);
  routes->AddPages(kit);
  return routes;
}

}  // namespace alcove::web
