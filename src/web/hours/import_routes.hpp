#pragma once

// The CSV import's routes (issue #14, C52; docs/hours-import.md): the JSON API
// (import_api.cpp) and the pages (import_pages.cpp). Both call hours::Hours only; the
// upload is read into a crypto::PhiString straight from the request body and is never
// written anywhere.

#include "core/clock.hpp"
#include "hours/hours.hpp"
#include "web/route_kit.hpp"
#include "web/templates.hpp"

namespace alcove::web::hours_routes {

// POST /api/v1/hours/imports (text/csv; ?setting_id=, ?map.<field>=<header>),
// GET /api/v1/hours/imports/{id}, POST /api/v1/hours/imports/{id}/confirm,
// DELETE /api/v1/hours/imports/{id}.
void AddImportApi(RouteKit& kit, hours::Hours& hours);

// GET /hours/import (the upload form, with a file picker for scripts and a text area
// without), POST /hours/import (the pasted file), GET /hours/import/{id} (the preview),
// POST /hours/import/{id}/confirm and /cancel.
void AddImportPages(RouteKit& kit, hours::Hours& hours, const Templates& templates,
                    const Clock& clock);

// The ColumnMapping of a request's `map.<field>` query parameters or form fields.
hours::ColumnMapping MappingOf(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace alcove::web::hours_routes
