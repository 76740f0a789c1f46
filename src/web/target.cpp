#include "web/target.hpp"

#include <optional>

#include "core/encoding.hpp"

namespace alcove::web {
namespace {

bool HasControl(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return true;
    }
  }
  return false;
}

Status Bad(std::string_view why) {
  return Fail(ErrorCode::kInvalidArgument, std::string("request target: ") + std::string(why),
              "The request's address is not valid.");
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int hi = HexDigitValue(text[i + 1]);
      const int lo = HexDigitValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<Target> ParseTarget(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') {
    return std::unexpected(Bad("must start with '/'").error());
  }
  if (raw.find('#') != std::string_view::npos) {
    return std::unexpected(Bad("fragment").error());
  }
  if (HasControl(raw) || raw.find(' ') != std::string_view::npos) {
    return std::unexpected(Bad("control character or space").error());
  }
  const auto q = raw.find('?');
  const std::string_view raw_path = raw.substr(0, q);
  const std::string_view raw_query = q == std::string_view::npos ? "" : raw.substr(q + 1);

  Target t;
  std::string_view rest = raw_path.substr(1);
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    auto decoded = PercentDecode(seg, false);
    if (!decoded) {
      return std::unexpected(Bad("bad percent-escape in path").error());
    }
    if (HasControl(*decoded)) {
      return std::unexpected(Bad("control character in path").error());
    }
    if (*decoded == "." || *decoded == "..") {
      return std::unexpected(Bad("dot-segment in path").error());
    }
    t.segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) {
      break;
    }
    rest = rest.substr(slash + 1);
  }
  // "/" is one empty segment; represent it as no segments.
  if (t.segments.size() == 1 && t.segments.front().empty()) {
    t.segments.clear();
  }
  t.path = "/";
  for (std::size_t i = 0; i < t.segments.size(); ++i) {
    if (i > 0) {
      t.path += '/';
    }
    t.path += t.segments[i];
  }

  auto query = ParseQuery(raw_query);
  if (!query) {
    return std::unexpected(query.error());
  }
  t.query = std::move(*query);
  return t;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view qs) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!qs.empty()) {
    const auto amp = qs.find('&');
    const std::string_view pair = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view{} : qs.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) {
      return std::unexpected(Bad("bad percent-escape in query").error());
    }
    if (key->find('\0') != std::string::npos || value->find('\0') != std::string::npos) {
      return std::unexpected(Bad("NUL in query").error());
    }
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace alcove::web
