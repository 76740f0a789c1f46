#pragma once

// The confirmation after a change (docs/design.md § Flash): a page form posts, the
// handler answers 303 to the next page with ?done=<code>, and that page shows the code's
// words. Each module keeps its own fixed table of codes and words, so no URL ever carries
// anything but a code (never client content).

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "web/http.hpp"
#include "web/templates.hpp"

namespace alcove::web {

using FlashWords = std::span<const std::pair<std::string_view, std::string_view>>;

// 303 to `location` with ?done=`code` (or &done= when it has a query already).
Response SavedRedirect(std::string location, std::string_view code);
// data["flash"] for the request's ?done= when `words` has that code; nothing otherwise.
void SetFlash(const Request& req, TemplateData& data, FlashWords words);

}  // namespace alcove::web
