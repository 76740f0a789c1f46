#pragma once

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace alcove {

// What kind of file a StrictTomlTable reads, for its errors: "rules file" ->
// "rules file amft.toml: weeks.min must be ..." (internal) and "The rules file is not
// valid: amft.toml: weeks.min must be ...." (public).
struct TomlFileKind {
  std::string_view name;            // "rules file", "instrument file"
  std::size_t max_text = 2000;      // the longest string value, in bytes
  std::string_view too_long_words;  // "must be a string of 1 to 2,000 characters"
};

// Reads one table of a data file embedded in the binary (hours rules, measures), and
// remembers which keys it read so that anything else (a misspelt key, a key of another
// version) is refused by NoOtherKeys instead of ignored. Every error names the file and
// the dotted key. Loaders derive from it to add the readers of their own value shapes.
class StrictTomlTable {
 public:
  StrictTomlTable(const toml::table& table, std::string path, std::string_view file,
                  const TomlFileKind& kind)
      : table_(table), path_(std::move(path)), file_(file), kind_(kind) {}

  std::string Key(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

  std::unexpected<Error> Bad(std::string_view key, std::string_view what) const {
    return BadAt(Key(key), what);
  }
  std::unexpected<Error> BadAt(std::string_view where, std::string_view what) const {
    const std::string words = fmt::format("{}: {} {}", file_, where, what);
    return Fail(ErrorCode::kInvalidArgument, fmt::format("{} {}", kind_.name, words),
                fmt::format("The {} is not valid: {}.", kind_.name, words));
  }

  const toml::node* Find(std::string_view key) {
    seen_.insert(std::string(key));
    return table_.get(key);
  }

  Result<std::string> String(std::string_view key) {
    ALCOVE_TRY_ASSIGN(auto s, OptionalString(key));
    if (!s) {
      return Bad(key, "is missing");
    }
    return *s;
  }

  Result<std::optional<std::string>> OptionalString(std::string_view key) {
    const toml::node* n = Find(key);
    if (n == nullptr) {
      return std::optional<std::string>();
    }
    const auto* s = n->as_string();
    if (s == nullptr) {
      return Bad(key, "must be a string");
    }
    if (s->get().empty() || s->get().size() > kind_.max_text) {
      return Bad(key, kind_.too_long_words);
    }
    return std::optional<std::string>(s->get());
  }

  Result<bool> OptionalBool(std::string_view key, bool fallback) {
    const toml::node* n = Find(key);
    if (n == nullptr) {
      return fallback;
    }
    const auto* b = n->as_boolean();
    if (b == nullptr) {
      return Bad(key, "must be true or false");
    }
    return b->get();
  }

  Result<const toml::table*> OptionalTable(std::string_view key) {
    const toml::node* n = Find(key);
    if (n == nullptr) {
      return static_cast<const toml::table*>(nullptr);
    }
    const auto* t = n->as_table();
    if (t == nullptr) {
      return Bad(key, "must be a table");
    }
    return t;
  }

  Status NoOtherKeys() const {
    for (const auto& [k, v] : table_) {
      if (!seen_.contains(std::string(k.str()))) {
        return Bad(k.str(), "is not a known key");
      }
    }
    return {};
  }

  std::string_view file() const { return file_; }

 private:
  const toml::table& table_;
  std::string path_;
  std::string_view file_;
  const TomlFileKind& kind_;
  std::set<std::string> seen_;
};

}  // namespace alcove
