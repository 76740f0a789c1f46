#include "web/page_flash.hpp"

namespace alcove::web {

Response SavedRedirect(std::string location, std::string_view code) {
  location += location.find('?') == std::string::npos ? "?done=" : "&done=";
  location += code;
  return Response::SeeOther(std::move(location));
}

void SetFlash(const Request& req, TemplateData& data, FlashWords words) {
  const auto code = req.QueryValue("done");
  if (!code) {
    return;
  }
  for (const auto& [c, text] : words) {
    if (c == *code) {
      data.set("flash", std::string(text));
      return;
    }
  }
}

}  // namespace alcove::web
