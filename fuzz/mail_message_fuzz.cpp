// Fuzzes the mail builders (mail/message.cpp): recipient addresses and sender settings
// are untrusted text. Whatever they accept must render without a line break inside a
// header, so no input can add a header or a body line of its own.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/message.hpp"

namespace {

// Every header line of `text` (up to the empty line) starts with a known name, and the
// body holds exactly the fixed text plus the link.
void CheckRendered(const std::string& text) {
  const auto end = text.find("\r\n\r\n");
  if (end == std::string::npos) {
    std::abort();
  }
  std::string_view headers(text.data(), end);
  while (!headers.empty()) {
    const auto nl = headers.find("\r\n");
    const auto line = headers.substr(0, nl);
    headers = nl == std::string_view::npos ? std::string_view{} : headers.substr(nl + 2);
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
      std::abort();
    }
    bool known = false;
    for (std::string_view name : {"From: ", "To: ", "Subject: ", "Date: ", "Message-ID: ",
                                  "MIME-Version: ", "Content-Type: ",
                                  "Content-Transfer-Encoding: "}) {
      known = known || line.starts_with(name);
    }
    if (!known) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Input: "<to>\n<from>\n<link>", any of which may be anything.
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const auto a = all.find('\n');
  const auto to = all.substr(0, a);
  const auto rest = a == std::string_view::npos ? std::string_view{} : all.substr(a + 1);
  const auto b = rest.find('\n');
  const auto from = rest.substr(0, b);
  const auto link = b == std::string_view::npos ? std::string_view{} : rest.substr(b + 1);

  constexpr std::string_view kOrigin = "https://alcove.example.org";
  auto sender = alcove::mail::Sender::Parse(from);
  auto message = alcove::mail::Message::Make(alcove::mail::MailKind::kSignInLink, to, link,
                                             kOrigin);
  if (message && !message->link().starts_with(std::string(kOrigin) + "/")) {
    std::abort();
  }
  if (sender && message) {
    auto text = alcove::mail::RenderRfc5322(*message, *sender, 1'700'000'000'000'000, "abc123");
    if (!text) {
      std::abort();  // Make and Parse accepted it, so it must render
    }
    CheckRendered(*text);
  }
  return 0;
}
