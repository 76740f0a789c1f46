// Fuzzes the hours CSV import (hours/csv.cpp, C50, C52): a therapist uploads any bytes as
// a CSV file. The parser must not crash or overrun, and what comes out must hold: every
// row's values within their limits, aliases that are initials only, errors that start
// "row N: " for rows under the header, and a staged encoding that reads back the same.
// The first input line after a 0x01 byte, if any, is taken as a mapping
// ("date=When;category=What") so explicit mappings are explored too.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "crypto/secret.hpp"
#include "hours/csv.hpp"
#include "hours/import_blob.hpp"

namespace {

using namespace alcove::hours;

ColumnMapping MappingFrom(std::string_view spec) {
  ColumnMapping m;
  while (!spec.empty()) {
    const auto end = std::min(spec.find(';'), spec.size());
    const std::string_view pair = spec.substr(0, end);
    if (const auto eq = pair.find('='); eq != std::string_view::npos) {
      m[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    }
    spec.remove_prefix(std::min(end + 1, spec.size()));
  }
  return m;
}

bool IsInitials(const std::string& alias) {
  // "J.D.", or up to two initials (code point + combining marks) from InitialsOf, or the
  // three of "J.D.M.": short, UTF-8, ending in '.'.
  return alias.empty() ||
         (alias.back() == '.' && alias.size() <= 24 && alcove::IsValidUtf8(alias));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ColumnMapping mapping;
  if (!input.empty() && input.front() == '\x01') {
    const auto nl = std::min(input.find('\n'), input.size());
    mapping = MappingFrom(input.substr(1, nl - 1));
    input.remove_prefix(std::min(nl + 1, input.size()));
  }
  const auto parsed =
      ParseImportCsv(alcove::crypto::PhiString(std::string(input)), mapping);
  if (!parsed) {
    if (parsed.error().public_message.empty()) {
      std::abort();
    }
    return 0;
  }
  const ParsedCsv& p = *parsed;
  if (!p.missing.empty() && (!p.rows.empty() || !p.errors.empty())) {
    std::abort();
  }
  if (static_cast<std::int64_t>(p.rows.size() + p.errors.size()) != p.data_rows &&
      p.missing.empty()) {
    std::abort();
  }
  if (p.rows.size() > kMaxImportRows) {
    std::abort();
  }
  int last = 0;
  for (const auto& r : p.rows) {
    if (r.row <= last || r.minutes < kMinSessionMinutes || r.minutes > kMaxSessionMinutes ||
        !IsInitials(r.alias) || r.setting.size() > kMaxSettingName ||
        (r.group_size && (*r.group_size < 1 || *r.group_size > kMaxGroupSize)) ||
        DayText(r.date).size() != 10) {
      std::abort();
    }
    last = r.row;
  }
  for (const auto& e : p.errors) {
    if (e.row < 1 || e.message.rfind("row " + std::to_string(e.row) + ": ", 0) != 0) {
      std::abort();
    }
  }
  const StagedImport staged{p.rows, p.errors, p.headers, p.mapping, "default"};
  const auto back = DecodeStagedImport(EncodeStagedImport(staged));
  if (!back || back->rows.size() != p.rows.size() || back->errors.size() != p.errors.size() ||
      back->headers != p.headers || back->mapping != p.mapping) {
    std::abort();
  }
  for (std::size_t i = 0; i < p.rows.size(); ++i) {
    const auto& a = p.rows[i];
    const auto& b = back->rows[i];
    if (a.row != b.row || a.date != b.date || a.minutes != b.minutes ||
        a.category != b.category || a.alias != b.alias || a.setting != b.setting ||
        a.telehealth != b.telehealth || a.video != b.video || a.group_size != b.group_size ||
        a.pre_degree != b.pre_degree) {
      std::abort();
    }
  }
  return 0;
}
