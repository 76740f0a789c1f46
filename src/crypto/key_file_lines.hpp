#pragma once

// Reading the text key files of crypto/ (master keys, the audit signing key).

#include <cstddef>
#include <functional>
#include <string_view>

#include "core/error.hpp"

namespace alcove::crypto {

// Walks a key file: skips blank lines and lines starting with '#', strips a trailing
// CR, requires `header` as the first other line (else returns `on_bad_header(line_no)`),
// then calls `on_line(line_no, line)` for every further line, stopping at its first
// error. Lines are views into `text`; nothing is copied (the text may hold key bytes).
Status ForEachKeyFileLine(std::string_view text, std::string_view header,
                          const std::function<Status(std::size_t)>& on_bad_header,
                          const std::function<Status(std::size_t, std::string_view)>& on_line);

}  // namespace alcove::crypto
