#include "measures/instruments.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <ranges>
#include <set>
#include <string>
#include <vector>

#include "core/toml_table.hpp"

namespace alcove::measures {
namespace {

constexpr std::size_t kMaxText = 2000;
constexpr std::int64_t kMaxItems = 100;

constexpr TomlFileKind kInstrumentFile{
    .name = "instrument file", .max_text = kMaxText,
    .too_long_words = "must be a string of 1 to 2000 bytes"};

// Reads one table of an instrument file, remembering which keys it read so that anything
// else (a misspelt `scroed`) is refused instead of ignored. Errors name the file and the
// dotted key ("phq-9.toml: items[9].loinc must be ...").
class Reader : public StrictTomlTable {
 public:
  Reader(const toml::table& table, std::string path, std::string_view file)
      : StrictTomlTable(table, std::move(path), file, kInstrumentFile) {}

  Result<int> Integer(std::string_view key, std::int64_t min, std::int64_t max) {
    ALCOVE_TRY_ASSIGN(auto v, OptionalInteger(key, min, max));
    if (!v) {
      return Bad(key, "is missing");
    }
    return *v;
  }

  Result<std::optional<int>> OptionalInteger(std::string_view key, std::int64_t min,
                                             std::int64_t max) {
    const toml::node* n = Find(key);
    if (n == nullptr) {
      return std::optional<int>();
    }
    const auto* i = n->as_integer();
    if (i == nullptr) {
      return Bad(key, "must be a whole number");
    }
    if (i->get() < min || i->get() > max) {
      return Bad(key, fmt::format("must be from {} to {}", min, max));
    }
    return std::optional<int>(static_cast<int>(i->get()));
  }

  // An array of tables (`[[items]]` or `[{...}, ...]`); empty when absent and optional.
  Result<std::vector<const toml::table*>> Tables(std::string_view key, bool required) {
    const toml::node* n = Find(key);
    std::vector<const toml::table*> out;
    if (n == nullptr) {
      if (required) {
        return Bad(key, "is missing");
      }
      return out;
    }
    const auto* a = n->as_array();
    if (a == nullptr || a->empty()) {
      return Bad(key, "must be a list of one or more tables");
    }
    for (const toml::node& e : *a) {
      const auto* t = e.as_table();
      if (t == nullptr) {
        return Bad(key, "must hold tables only");
      }
      out.push_back(t);
    }
    return out;
  }

  // A non-empty list of whole numbers.
  Result<std::vector<int>> Integers(std::string_view key) {
    const toml::node* n = Find(key);
    if (n == nullptr) {
      return Bad(key, "is missing");
    }
    const auto* a = n->as_array();
    if (a == nullptr || a->empty()) {
      return Bad(key, "must be a list of one or more item numbers");
    }
    std::vector<int> out;
    for (const toml::node& e : *a) {
      const auto* i = e.as_integer();
      if (i == nullptr || i->get() < 1 || i->get() > kMaxItems) {
        return Bad(key, fmt::format("must hold item numbers from 1 to {}", kMaxItems));
      }
      out.push_back(static_cast<int>(i->get()));
    }
    return out;
  }
};

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The mod-10 (Luhn) check digit LOINC uses: from the right, every other digit starting
// with the last is doubled (digits of the product summed).
int LoincCheckDigit(std::string_view digits) {
  int sum = 0;
  bool twice = true;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    twice = !twice;
  }
  return (10 - sum % 10) % 10;
}

bool IsId(std::string_view s) {
  return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Result<std::string> OptionalLoinc(Reader& r, std::string_view key) {
  ALCOVE_TRY_ASSIGN(auto code, r.OptionalString(key));
  if (!code) {
    return std::string();
  }
  if (!IsLoincCode(*code)) {
    return r.Bad(key, "must be a LOINC code such as \"44249-1\" with its check digit");
  }
  return *code;
}

struct OptionSet {
  std::string id;
  int step = 1;
  std::vector<AnswerOption> options;
};

Result<OptionSet> ReadOptionSet(const toml::table& t, const std::string& path,
                                std::string_view file) {
  Reader r(t, path, file);
  OptionSet set;
  ALCOVE_TRY_ASSIGN(set.id, r.String("id"));
  if (!IsId(set.id)) {
    return r.Bad("id", "must be lower-case letters, digits, '-' or '_'");
  }
  ALCOVE_TRY_ASSIGN(auto step, r.OptionalInteger("step", 1, 10));
  set.step = step.value_or(1);
  ALCOVE_TRY_ASSIGN(auto options, r.Tables("options", true));
  if (options.size() < 2) {
    return r.Bad("options", "must hold two or more options");
  }
  std::set<std::string> labels;
  for (std::size_t i = 0; i < options.size(); ++i) {
    Reader o(*options[i], r.Key(fmt::format("options[{}]", i)), file);
    AnswerOption opt;
    ALCOVE_TRY_ASSIGN(opt.label, o.String("label"));
    ALCOVE_TRY_ASSIGN(opt.value, o.Integer("value", 0, 100));
    ALCOVE_TRY_ASSIGN(auto loinc, o.OptionalString("loinc"));
    if (loinc && !IsLoincAnswerCode(*loinc)) {
      return o.Bad("loinc", "must be a LOINC answer code such as \"LA6568-5\"");
    }
    opt.loinc = loinc.value_or("");
    ALCOVE_TRY(o.NoOtherKeys());
    // Contiguous: 0, step, 2 * step, ... in order, so a value is never skipped or repeated.
    if (opt.value != static_cast<int>(i) * set.step) {
      return o.Bad("value", fmt::format("must be {}: options run from 0 in steps of {} in order",
                                        static_cast<int>(i) * set.step, set.step));
    }
    if (!labels.insert(opt.label).second) {
      return o.Bad("label", "repeats another option's label");
    }
    set.options.push_back(std::move(opt));
  }
  ALCOVE_TRY(r.NoOtherKeys());
  return set;
}

Status CheckBands(Reader& r, const std::string& key, const Scale& scale) {
  if (scale.bands.empty()) {
    return r.BadAt(key, "must hold one or more bands");
  }
  int next = scale.min;
  for (std::size_t i = 0; i < scale.bands.size(); ++i) {
    const Band& b = scale.bands[i];
    const std::string where = fmt::format("{}[{}]", key, i);
    if (b.min > b.max) {
      return r.BadAt(where, fmt::format("runs backwards ({} to {})", b.min, b.max));
    }
    if (b.min < next) {
      return r.BadAt(
          where, fmt::format("overlaps the band before it (starts at {}, not {})", b.min, next));
    }
    if (b.min > next) {
      return r.BadAt(where, fmt::format("leaves a gap: {} to {} is in no band", next, b.min - 1));
    }
    next = b.max + 1;
  }
  if (next - 1 != scale.max) {
    return r.BadAt(key,
                   fmt::format("must end at the scale's maximum {}, not {}", scale.max, next - 1));
  }
  return {};
}

Result<Scale> ReadScale(const toml::table& t, const std::string& path, std::string_view file,
                        const std::vector<Item>& items) {
  Reader r(t, path, file);
  Scale s;
  ALCOVE_TRY_ASSIGN(s.id, r.String("id"));
  if (!IsId(s.id)) {
    return r.Bad("id", "must be lower-case letters, digits, '-' or '_'");
  }
  ALCOVE_TRY_ASSIGN(s.label, r.String("label"));
  ALCOVE_TRY_ASSIGN(s.loinc, OptionalLoinc(r, "loinc"));
  ALCOVE_TRY_ASSIGN(s.items, r.Integers("items"));
  ALCOVE_TRY_ASSIGN(auto multiplier, r.OptionalInteger("multiplier", 1, 10));
  s.multiplier = multiplier.value_or(1);
  for (std::size_t i = 0; i < s.items.size(); ++i) {
    const int n = s.items[i];
    if (i > 0 && n <= s.items[i - 1]) {
      return r.Bad("items", "must list item numbers once each, in ascending order");
    }
    if (n > static_cast<int>(items.size())) {
      return r.Bad("items", fmt::format("names item {}, which does not exist", n));
    }
    const Item& item = items[static_cast<std::size_t>(n - 1)];
    if (!item.scored) {
      return r.Bad("items", fmt::format("names item {}, which is not scored", n));
    }
    s.min += item.options.front().value * s.multiplier;
    s.max += item.options.back().value * s.multiplier;
  }
  ALCOVE_TRY_ASSIGN(auto bands, r.Tables("bands", true));
  for (std::size_t i = 0; i < bands.size(); ++i) {
    Reader b(*bands[i], r.Key(fmt::format("bands[{}]", i)), file);
    Band band;
    ALCOVE_TRY_ASSIGN(band.min, b.Integer("min", 0, 10000));
    ALCOVE_TRY_ASSIGN(band.max, b.Integer("max", 0, 10000));
    ALCOVE_TRY_ASSIGN(band.words, b.String("words"));
    ALCOVE_TRY(b.NoOtherKeys());
    s.bands.push_back(std::move(band));
  }
  ALCOVE_TRY(CheckBands(r, r.Key("bands"), s));
  ALCOVE_TRY(r.NoOtherKeys());
  return s;
}

Result<FlagRule> ReadFlag(const toml::table& t, const std::string& path, std::string_view file,
                          const std::vector<Item>& items) {
  Reader r(t, path, file);
  FlagRule f;
  ALCOVE_TRY_ASSIGN(f.id, r.String("id"));
  if (!IsId(f.id)) {
    return r.Bad("id", "must be lower-case letters, digits, '-' or '_'");
  }
  ALCOVE_TRY_ASSIGN(f.words, r.String("words"));
  ALCOVE_TRY_ASSIGN(f.item, r.Integer("item", 1, kMaxItems));
  ALCOVE_TRY_ASSIGN(f.at_least, r.Integer("at_least", 1, 100));
  ALCOVE_TRY_ASSIGN(f.source, r.String("source"));
  ALCOVE_TRY(r.NoOtherKeys());
  if (f.item > static_cast<int>(items.size())) {
    return r.Bad("item", fmt::format("names item {}, which does not exist", f.item));
  }
  const Item& item = items[static_cast<std::size_t>(f.item - 1)];
  if (f.at_least > item.options.back().value) {
    return r.Bad("at_least", fmt::format("is {}, above item {}'s highest value {}: the flag "
                                         "could never be raised",
                                         f.at_least, f.item, item.options.back().value));
  }
  return f;
}

Result<Instrument> Parse(const toml::table& root, std::string_view file) {
  Reader r(root, "", file);
  Instrument in;
  ALCOVE_TRY_ASSIGN(in.id, r.String("id"));
  if (!IsId(in.id)) {
    return r.Bad("id", "must be lower-case letters, digits, '-' or '_'");
  }
  ALCOVE_TRY_ASSIGN(in.version, r.Integer("version", 1, 1000));
  ALCOVE_TRY_ASSIGN(in.title, r.String("title"));
  ALCOVE_TRY_ASSIGN(in.short_title, r.String("short_title"));
  ALCOVE_TRY_ASSIGN(in.canonical, r.String("canonical"));
  if (in.canonical.find(':') == std::string::npos ||
      std::any_of(in.canonical.begin(), in.canonical.end(),
                  [](char c) { return c <= ' ' || c == '|' || c == '#'; })) {
    return r.Bad("canonical", "must be a URI without spaces, '|' or '#'");
  }
  ALCOVE_TRY_ASSIGN(in.loinc, OptionalLoinc(r, "loinc"));
  ALCOVE_TRY_ASSIGN(in.source, r.String("source"));
  ALCOVE_TRY_ASSIGN(in.licence, r.String("licence"));
  ALCOVE_TRY_ASSIGN(in.time_frame, r.String("time_frame"));
  ALCOVE_TRY_ASSIGN(in.instructions, r.String("instructions"));
  ALCOVE_TRY_ASSIGN(in.scoring_note, r.String("scoring_note"));

  std::vector<OptionSet> sets;
  ALCOVE_TRY_ASSIGN(auto set_tables, r.Tables("option_sets", true));
  for (std::size_t i = 0; i < set_tables.size(); ++i) {
    ALCOVE_TRY_ASSIGN(auto set,
                      ReadOptionSet(*set_tables[i], fmt::format("option_sets[{}]", i), file));
    for (const OptionSet& s : sets) {
      if (s.id == set.id) {
        return r.BadAt(fmt::format("option_sets[{}].id", i), "repeats another set's id");
      }
    }
    sets.push_back(std::move(set));
  }

  std::set<std::string> link_ids;
  std::set<std::string> used_sets;
  ALCOVE_TRY_ASSIGN(auto item_tables, r.Tables("items", true));
  if (item_tables.size() > static_cast<std::size_t>(kMaxItems)) {
    return r.Bad("items", fmt::format("may hold at most {} items", kMaxItems));
  }
  for (std::size_t i = 0; i < item_tables.size(); ++i) {
    Reader ir(*item_tables[i], fmt::format("items[{}]", i), file);
    Item item;
    ALCOVE_TRY_ASSIGN(item.number, ir.Integer("number", 1, kMaxItems));
    if (item.number != static_cast<int>(i) + 1) {
      return ir.Bad("number",
                    fmt::format("must be {}: items are numbered 1, 2, ... in order", i + 1));
    }
    ALCOVE_TRY_ASSIGN(item.text, ir.String("text"));
    ALCOVE_TRY_ASSIGN(item.loinc, OptionalLoinc(ir, "loinc"));
    ALCOVE_TRY_ASSIGN(item.option_set, ir.String("options"));
    ALCOVE_TRY_ASSIGN(item.scored, ir.OptionalBool("scored", true));
    ALCOVE_TRY(ir.NoOtherKeys());
    const auto set = std::find_if(sets.begin(), sets.end(),
                                  [&](const OptionSet& s) { return s.id == item.option_set; });
    if (set == sets.end()) {
      return ir.Bad("options", fmt::format("names \"{}\", which is not an option set of this file",
                                           item.option_set));
    }
    used_sets.insert(set->id);
    item.options = set->options;
    item.step = set->step;
    item.link_id = item.loinc.empty() ? fmt::format("{}/{}", in.id, item.number) : item.loinc;
    if (!link_ids.insert(item.link_id).second) {
      return ir.Bad("loinc", fmt::format("{} is already the code of another item", item.loinc));
    }
    in.items.push_back(std::move(item));
  }
  for (const OptionSet& s : sets) {
    if (!used_sets.contains(s.id)) {
      return r.Bad("option_sets", fmt::format("holds \"{}\", which no item uses", s.id));
    }
  }

  ALCOVE_TRY_ASSIGN(auto scale_tables, r.Tables("scales", true));
  std::vector<bool> in_scale(in.items.size(), false);
  for (std::size_t i = 0; i < scale_tables.size(); ++i) {
    ALCOVE_TRY_ASSIGN(auto scale,
                      ReadScale(*scale_tables[i], fmt::format("scales[{}]", i), file, in.items));
    for (const Scale& s : in.scales) {
      if (s.id == scale.id) {
        return r.BadAt(fmt::format("scales[{}].id", i), "repeats another scale's id");
      }
    }
    for (int n : scale.items) {
      in_scale[static_cast<std::size_t>(n - 1)] = true;
    }
    in.scales.push_back(std::move(scale));
  }
  for (const Item& item : in.items) {
    if (item.scored && !in_scale[static_cast<std::size_t>(item.number - 1)]) {
      return r.BadAt(fmt::format("items[{}]", item.number - 1),
                     fmt::format("(item {}) is scored but in no scale; mark it scored = false "
                                 "if it is not totalled",
                                 item.number));
    }
  }

  ALCOVE_TRY_ASSIGN(auto flag_tables, r.Tables("flags", false));
  for (std::size_t i = 0; i < flag_tables.size(); ++i) {
    ALCOVE_TRY_ASSIGN(auto flag,
                      ReadFlag(*flag_tables[i], fmt::format("flags[{}]", i), file, in.items));
    for (const FlagRule& f : in.flags) {
      if (f.id == flag.id) {
        return r.BadAt(fmt::format("flags[{}].id", i), "repeats another flag's id");
      }
    }
    in.flags.push_back(std::move(flag));
  }

  ALCOVE_TRY_ASSIGN(const toml::table* change, r.OptionalTable("change"));
  if (change != nullptr) {
    Reader cr(*change, "change", file);
    ChangeRule rule;
    int range = 0;
    for (const Scale& s : in.scales) {
      range = std::max(range, s.max - s.min);
    }
    ALCOVE_TRY_ASSIGN(rule.meaningful_points, cr.Integer("meaningful_points", 1, range));
    ALCOVE_TRY_ASSIGN(rule.response_percent, cr.OptionalInteger("response_percent", 1, 100));
    ALCOVE_TRY_ASSIGN(rule.source, cr.String("source"));
    ALCOVE_TRY(cr.NoOtherKeys());
    in.change = std::move(rule);
  }
  ALCOVE_TRY(r.NoOtherKeys());
  return in;
}

}  // namespace

bool IsLoincCode(std::string_view code) {
  const std::size_t dash = code.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 7 || dash + 2 != code.size()) {
    return false;
  }
  const std::string_view body = code.substr(0, dash);
  const std::string_view check = code.substr(dash + 1);
  return AllDigits(body) && AllDigits(check) && LoincCheckDigit(body) == check[0] - '0';
}

bool IsLoincAnswerCode(std::string_view code) {
  if (code.size() < 5 || !code.starts_with("LA")) {
    return false;
  }
  const std::size_t dash = code.find('-');
  return dash != std::string_view::npos && dash >= 3 && dash <= 8 && dash + 2 == code.size() &&
         AllDigits(code.substr(2, dash - 2)) && AllDigits(code.substr(dash + 1));
}

Result<Instrument> ParseInstrument(std::string_view toml_text, std::string_view file_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, file_name);
  } catch (const toml::parse_error& e) {
    const std::string words = fmt::format("{}:{}:{}: {}", file_name, e.source().begin.line,
                                          e.source().begin.column, e.description());
    return Fail(ErrorCode::kInvalidArgument, "instrument file " + words,
                "The instrument file is not valid TOML: " + words + ".");
  }
  return Parse(root, file_name);
}

Status CheckBuiltInInstruments() {
  if (BuiltInInstrumentFiles().empty()) {
    return Fail(ErrorCode::kInternal, "no instrument files are built in");
  }
  for (const InstrumentFile& f : BuiltInInstrumentFiles()) {
    const std::string file = "src/measures/instruments/" + std::string(f.path);
    ALCOVE_TRY_ASSIGN(const Instrument in, ParseInstrument(f.text, file));
    if (in.id + ".toml" != f.path) {
      return Fail(
          ErrorCode::kInvalidArgument,
          fmt::format("instrument file {}: id \"{}\" must match the file's name", file, in.id));
    }
  }
  return {};
}

std::span<const Instrument> BuiltInInstruments() {
  static const std::vector<Instrument> kInstruments = [] {
    std::vector<Instrument> out;
    if (auto st = CheckBuiltInInstruments(); !st) {
      std::fprintf(stderr, "alcove: a built-in instrument file is invalid: %s\n",
                   st.error().internal.c_str());
      std::abort();  // a build defect (see instruments.hpp): no scores beat wrong ones
    }
    for (const InstrumentFile& f : BuiltInInstrumentFiles()) {
      out.push_back(*ParseInstrument(f.text, f.path));
    }
    std::sort(out.begin(), out.end(),
              [](const Instrument& a, const Instrument& b) { return a.id < b.id; });
    return out;
  }();
  return kInstruments;
}

const Instrument* FindInstrument(std::string_view id) {
  for (const Instrument& in : BuiltInInstruments()) {
    if (in.id == id) {
      return &in;
    }
  }
  // The spelling without hyphens ("phq9", "gad7": the examples of the API's design),
  // when no id matched as written.
  for (const Instrument& in : BuiltInInstruments()) {
    if (std::ranges::equal(in.id | std::views::filter([](char c) { return c != '-'; }), id)) {
      return &in;
    }
  }
  return nullptr;
}

}  // namespace alcove::measures
