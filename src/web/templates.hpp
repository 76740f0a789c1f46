#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <kainjow/mustache.hpp>

#include "core/error.hpp"

namespace alcove::web {

using TemplateData = kainjow::mustache::data;

// The HTML templates of web/templates (*.mustache), rendered with kainjow-mustache.
// `{{value}}` is HTML-escaped; templates use triple braces only for HTML we built.
// Every page renders inside layout.mustache, whose navigation the PageNavigation layer
// fills for whoever is looking (page_nav.hpp): a handler renders only its own part. Thread-safety: const methods may be
// called from any thread (each render parses its own copy; templates are small).
class Templates {
 public:
  // Loads and syntax-checks every template in `dir`; needs layout.mustache.
  static Result<std::unique_ptr<Templates>> Load(const std::filesystem::path& dir);

  // Renders `name` (without ".mustache") with `data`, then the layout around it with
  // `title`. Throws std::out_of_range for an unknown template (a programmer error).
  std::string RenderPage(std::string_view name, std::string_view title,
                         const TemplateData& data) const;

  // Renders one template alone (no layout).
  std::string Render(std::string_view name, const TemplateData& data) const;

 private:
  std::map<std::string, std::string, std::less<>> sources_;
};

}  // namespace alcove::web
