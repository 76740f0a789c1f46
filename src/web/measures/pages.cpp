#include "web/measures/routes_internal.hpp"

namespace alcove::web::measures_routes {

void MeasuresRoutes::AddPages(RouteKit& /*kit*/) {}

}  // namespace alcove::web::measures_routes
