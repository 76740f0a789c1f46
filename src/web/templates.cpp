#include "web/templates.hpp"

#include <fmt/format.h>

#include "core/files.hpp"
#include "web/page_nav.hpp"

namespace alcove::web {

Result<std::unique_ptr<Templates>> Templates::Load(const std::filesystem::path& dir) {
  auto t = std::unique_ptr<Templates>(new Templates());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".mustache") {
      continue;
    }
    auto text = ReadSmallFile(entry.path(), 1024 * 1024);
    if (!text) {
      return std::unexpected(text.error());
    }
    kainjow::mustache::mustache parsed(*text);
    if (!parsed.is_valid()) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("template {}: {}", entry.path().string(), parsed.error_message()));
    }
    t->sources_.emplace(entry.path().stem().string(), std::move(*text));
  }
  if (ec) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot read templates in {}: {}", dir.string(), ec.message()));
  }
  if (!t->sources_.contains("layout")) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} has no layout.mustache; set server.web_dir to Alcove's web "
                            "folder",
                            dir.string()));
  }
  return t;
}

std::string Templates::Render(std::string_view name, const TemplateData& data) const {
  const auto it = sources_.find(name);
  if (it == sources_.end()) {
    throw std::out_of_range(fmt::format("no template named {}", name));
  }
  kainjow::mustache::mustache tmpl(it->second);
  return tmpl.render(data);
}

std::string Templates::RenderPage(std::string_view name, std::string_view title,
                                  const TemplateData& data) const {
  TemplateData layout;
  layout.set("title", std::string(title));
  layout.set("content", Render(name, data));
  // Filled per request by the PageNavigation layer (page_nav.hpp): who is looking.
  layout.set("nav", std::string(kNavSlot));
  return Render("layout", layout);
}

}  // namespace alcove::web
