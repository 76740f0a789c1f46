// AddMeasuresRoutes: every part of the questionnaires' web surface.
#include "web/measures/routes.hpp"

#include "web/measures/routes_internal.hpp"

namespace alcove::web {

std::unique_ptr<RouteSet> AddMeasuresRoutes(RouteKit& kit, IdentityServices& identity,
                                            measures::Measures& measures,
                                            practice::Practice& practice,
                                            const Templates& templates,
                                            const MeasuresExtras& extras) {
  auto routes = std::make_unique<measures_routes::MeasuresRoutes>(identity, measures, practice,
                                                                  templates, extras);
  routes->AddApi(kit);
  routes->AddPublicForm(kit);
  routes->AddPages(kit);
  routes->AddSchedules(kit);
  return routes;
}

}  // namespace alcove::web
