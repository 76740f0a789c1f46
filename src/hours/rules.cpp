#include "hours/rules.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <toml++/toml.h>

#include "core/toml_table.hpp"

namespace alcove::hours {
namespace {

constexpr TomlFileKind kRulesFile{.name = "rules file", .max_text = 2000,
                                   .too_long_words = "must be a string of 1 to 2,000 characters"};

// Reads one table of a rules file, remembering which keys it read so that anything else
// (a misspelt `unconfimed`, a key from another version) is refused instead of ignored.
// Every error names the file and the dotted key.
class TableReader : public StrictTomlTable {
 public:
  TableReader(const toml::table& table, std::string path, std::string_view file)
      : StrictTomlTable(table, std::move(path), file, kRulesFile) {}

  // A number (integer or decimal) from `min` to `max`; whole numbers only if `whole`.
  Result<double> Number(std::string_view key, double min, double max, bool whole) {
    const toml::node* n = Find(key);
    if (n == nullptr) {
      return Bad(key, "is missing");
    }
    double v = 0;
    if (const auto* i = n->as_integer()) {
      v = static_cast<double>(i->get());
    } else if (const auto* f = n->as_floating_point(); f != nullptr && !whole) {
      v = f->get();
    } else {
      return Bad(key, whole ? "must be a whole number" : "must be a number");
    }
    if (!std::isfinite(v) || v < min || v > max) {
      return Bad(key, fmt::format("must be from {} to {}", min, max));
    }
    return v;
  }

  Result<const toml::table*> Table(std::string_view key) {
    ALCOVE_TRY_ASSIGN(const toml::table* t, OptionalTable(key));
    if (t == nullptr) {
      return Bad(key, "is missing");
    }
    return t;
  }

  // A list of distinct category names; nullopt when absent.
  Result<std::optional<std::vector<Category>>> Categories(std::string_view key) {
    const toml::node* n = Find(key);
    if (n == nullptr) {
      return std::optional<std::vector<Category>>();
    }
    const auto* a = n->as_array();
    if (a == nullptr || a->empty()) {
      return Bad(key, "must be a list of one or more categories");
    }
    std::vector<Category> out;
    for (const toml::node& item : *a) {
      const auto* s = item.as_string();
      if (s == nullptr) {
        return Bad(key, "must hold category names (strings)");
      }
      const std::optional<Category> c = CategoryFromName(s->get());
      if (!c.has_value()) {
        return Bad(key, fmt::format("holds {}, which is not a category (API.md lists them)",
                                    s->get()));
      }
      const Category category = c.value();
      for (Category seen : out) {
        if (seen == category) {
          return Bad(key, fmt::format("lists {} twice", s->get()));
        }
      }
      out.push_back(category);
    }
    return std::optional<std::vector<Category>>(std::move(out));
  }
};

Status CheckSource(TableReader& r, std::string_view key, const std::string& source) {
  if (source.size() < 3 || source.front() != '[' || source.back() != ']') {
    return r.Bad(key, "must hold source tags such as \"[C1 §4980.43(c)(8)][T1]\"");
  }
  return {};
}

// The shared tail of every rule: source, unconfirmed and (required when unconfirmed) note.
Status ReadProvenance(TableReader& r, RuleNumber& n) {
  ALCOVE_TRY_ASSIGN(n.source, r.String("source"));
  ALCOVE_TRY(CheckSource(r, "source", n.source));
  ALCOVE_TRY_ASSIGN(n.unconfirmed, r.OptionalBool("unconfirmed", false));
  ALCOVE_TRY_ASSIGN(auto note, r.OptionalString("note"));
  if (n.unconfirmed && !note) {
    return r.Bad("note", "is missing: an unconfirmed rule says why in a note");
  }
  n.note = note.value_or("");
  return {};
}

struct Range {
  double min = 0;
  double max = 0;
  bool whole = false;
};

// `[section.key]` with value, source, unconfirmed and note.
Result<RuleNumber> ReadNumber(const toml::table& section, const std::string& path,
                              std::string_view file, Range range) {
  TableReader r(section, path, file);
  RuleNumber n;
  ALCOVE_TRY_ASSIGN(n.value, r.Number("value", range.min, range.max, range.whole));
  ALCOVE_TRY(ReadProvenance(r, n));
  ALCOVE_TRY(r.NoOtherKeys());
  return n;
}

Result<RuleNumber> Required(TableReader& parent, std::string_view key, Range range) {
  ALCOVE_TRY_ASSIGN(const toml::table* t, parent.Table(key));
  return ReadNumber(*t, parent.Key(key), parent.file(), range);
}

Result<std::optional<RuleNumber>> Optional(TableReader& parent, std::string_view key,
                                           Range range) {
  ALCOVE_TRY_ASSIGN(const toml::table* t, parent.OptionalTable(key));
  if (t == nullptr) {
    return std::optional<RuleNumber>();
  }
  ALCOVE_TRY_ASSIGN(auto n, ReadNumber(*t, parent.Key(key), parent.file(), range));
  return std::optional<RuleNumber>(std::move(n));
}

constexpr double kMaxHoursTotal = 100'000;
constexpr double kHoursInWeek = 168;

Result<Requirement> ReadRequirement(const toml::table& t, std::string path,
                                    std::string_view file) {
  TableReader r(t, std::move(path), file);
  Requirement q;
  ALCOVE_TRY_ASSIGN(q.id, r.String("id"));
  for (char c : q.id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return r.Bad("id", "must be lower-case letters, digits and _");
    }
  }
  if (q.id == "post_degree" || q.id == "weeks" || q.id == "individual_triadic_weeks" ||
      q.id == "license_weeks") {
    return r.Bad("id", "is the name of a bar the engine adds itself");
  }
  ALCOVE_TRY_ASSIGN(q.label, r.String("label"));
  ALCOVE_TRY_ASSIGN(auto kind, r.String("kind"));
  if (kind == "minimum") {
    q.kind = Requirement::Kind::kMinimum;
  } else if (kind == "maximum") {
    q.kind = Requirement::Kind::kMaximum;
  } else {
    return r.Bad("kind", "must be \"minimum\" or \"maximum\"");
  }
  ALCOVE_TRY_ASSIGN(q.hours.value, r.Number("hours", 1, kMaxHoursTotal, false));
  ALCOVE_TRY(ReadProvenance(r, q.hours));
  ALCOVE_TRY_ASSIGN(auto categories, r.Categories("categories"));
  q.categories = categories.value_or(std::vector<Category>{});
  ALCOVE_TRY_ASSIGN(auto license, r.OptionalString("under_license"));
  if (license) {
    const auto l = LicenseFromName(*license);
    if (!l || *l == SupervisorLicense::kUnknown) {
      return r.Bad("under_license", "must name a licence such as \"lcsw\"");
    }
    q.under_license = *l;
  }
  ALCOVE_TRY(r.NoOtherKeys());
  return q;
}

Status ReadWeeks(TableReader& root, Rules& rules) {
  ALCOVE_TRY_ASSIGN(const toml::table* t, root.Table("weeks"));
  TableReader w(*t, "weeks", root.file());
  {
    ALCOVE_TRY_ASSIGN(const toml::table* d, w.Table("definition"));
    TableReader r(*d, w.Key("definition"), root.file());
    ALCOVE_TRY_ASSIGN(auto value, r.String("value"));
    if (value != "monday") {
      return r.Bad("value", "must be \"monday\" (weeks run Monday to Sunday; no other cut "
                            "is supported)");
    }
    rules.week_definition.value = 1;
    ALCOVE_TRY(ReadProvenance(r, rules.week_definition));
    ALCOVE_TRY(r.NoOtherKeys());
  }
  ALCOVE_TRY_ASSIGN(rules.min_weeks, Required(w, "supervised", {0, 1000, true}));
  ALCOVE_TRY_ASSIGN(rules.min_individual_triadic_weeks,
                    Required(w, "individual_triadic", {0, rules.min_weeks.value, true}));
  ALCOVE_TRY_ASSIGN(const toml::table* u, w.OptionalTable("under_license"));
  if (u != nullptr) {
    TableReader r(*u, w.Key("under_license"), root.file());
    RuleNumber n;
    ALCOVE_TRY_ASSIGN(n.value, r.Number("value", 0, rules.min_individual_triadic_weeks.value,
                                        true));
    ALCOVE_TRY_ASSIGN(auto license, r.String("license"));
    const auto l = LicenseFromName(license);
    if (!l || *l == SupervisorLicense::kUnknown) {
      return r.Bad("license", "must name a licence such as \"lcsw\"");
    }
    rules.license_weeks_license = *l;
    ALCOVE_TRY(ReadProvenance(r, n));
    ALCOVE_TRY(r.NoOtherKeys());
    rules.min_license_weeks = std::move(n);
  }
  return w.NoOtherKeys();
}

Status ReadSupervision(TableReader& root, Rules& rules) {
  ALCOVE_TRY_ASSIGN(const toml::table* t, root.Table("supervision"));
  TableReader s(*t, "supervision", root.file());
  ALCOVE_TRY_ASSIGN(rules.units_per_week, Required(s, "units_per_week", {0.25, 10, false}));
  ALCOVE_TRY_ASSIGN(rules.extra_unit_above_direct,
                    Required(s, "extra_unit_above_direct_hours", {0.25, kHoursInWeek, false}));
  ALCOVE_TRY_ASSIGN(rules.trainee_direct_per_unit,
                    Optional(s, "trainee_direct_hours_per_unit", {0.25, kHoursInWeek, false}));
  ALCOVE_TRY_ASSIGN(rules.group_unit_hours, Required(s, "group_unit_hours", {0.25, 24, false}));
  ALCOVE_TRY_ASSIGN(rules.group_max_size,
                    Required(s, "group_max_size", {1, static_cast<double>(kMaxGroupSize), true}));
  ALCOVE_TRY_ASSIGN(rules.group_min_segment_minutes,
                    Required(s, "group_min_segment_minutes",
                             {0, static_cast<double>(kMaxSessionMinutes), true}));
  ALCOVE_TRY_ASSIGN(rules.max_supervision_per_week,
                    Required(s, "max_hours_per_week", {0.25, kHoursInWeek, false}));
  {
    ALCOVE_TRY_ASSIGN(const toml::table* w, s.Table("workshop_weeks_without_supervision"));
    TableReader r(*w, s.Key("workshop_weeks_without_supervision"), root.file());
    const toml::node* v = r.Find("value");
    if (v == nullptr) {
      return r.Bad("value", "is missing");
    }
    if (v->as_boolean() == nullptr) {
      return r.Bad("value", "must be true or false");
    }
    rules.workshop_weeks_without_supervision = v->as_boolean()->get();
    rules.workshop_weeks_basis.value = rules.workshop_weeks_without_supervision ? 1 : 0;
    ALCOVE_TRY(ReadProvenance(r, rules.workshop_weeks_basis));
    ALCOVE_TRY(r.NoOtherKeys());
  }
  return s.NoOtherKeys();
}

Status ReadLimitsAndPhases(TableReader& root, Rules& rules) {
  {
    ALCOVE_TRY_ASSIGN(const toml::table* t, root.Table("limits"));
    TableReader l(*t, "limits", root.file());
    ALCOVE_TRY_ASSIGN(rules.max_hours_7_days, Required(l, "max_hours_7_days", {1, kHoursInWeek, false}));
    ALCOVE_TRY(l.NoOtherKeys());
  }
  {
    ALCOVE_TRY_ASSIGN(const toml::table* t, root.Table("pre_degree"));
    TableReader p(*t, "pre_degree", root.file());
    ALCOVE_TRY_ASSIGN(rules.pre_degree_max, Required(p, "max_hours", {0, kMaxHoursTotal, false}));
    ALCOVE_TRY_ASSIGN(rules.pre_degree_direct_max,
                      Required(p, "direct_and_supervision_max_hours",
                               {0, rules.pre_degree_max.value, false}));
    ALCOVE_TRY_ASSIGN(rules.post_degree_min,
                      Required(p, "post_degree_min_hours", {0, kMaxHoursTotal, false}));
    ALCOVE_TRY(p.NoOtherKeys());
  }
  {
    ALCOVE_TRY_ASSIGN(const toml::table* t, root.Table("window"));
    TableReader w(*t, "window", root.file());
    ALCOVE_TRY_ASSIGN(rules.window_years, Required(w, "years", {1, 50, true}));
    ALCOVE_TRY_ASSIGN(rules.window_exempt_pre_degree,
                      Optional(w, "exempt_pre_degree_hours", {0, kMaxHoursTotal, false}));
    ALCOVE_TRY(w.NoOtherKeys());
  }
  return {};
}

}  // namespace

Result<Rules> ParseRules(std::string_view toml_text, std::string_view file_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, file_name);
  } catch (const toml::parse_error& e) {
    const std::string words = fmt::format("{}:{}:{}: {}", file_name, e.source().begin.line,
                                          e.source().begin.column, e.description());
    return Fail(ErrorCode::kInvalidArgument, "rules file " + words,
                "The rules file is not valid TOML: " + words + ".");
  }
  TableReader r(root, "", file_name);
  Rules rules;
  ALCOVE_TRY_ASSIGN(rules.id, r.String("id"));
  ALCOVE_TRY_ASSIGN(double version, r.Number("version", 1, 1'000'000, true));
  rules.version = static_cast<int>(version);
  ALCOVE_TRY_ASSIGN(rules.effective_from, r.String("effective_from"));
  if (!ParseDay(rules.effective_from)) {
    return r.Bad("effective_from", "must be a day written YYYY-MM-DD");
  }
  ALCOVE_TRY_ASSIGN(rules.title, r.String("title"));
  ALCOVE_TRY_ASSIGN(auto track, r.String("track"));
  const auto t = TrackFromName(track);
  if (!t) {
    return r.Bad("track", "must be \"amft\", \"apcc\" or \"asw\"");
  }
  rules.track = *t;
  ALCOVE_TRY_ASSIGN(auto direct, r.Categories("direct_categories"));
  if (!direct) {
    return r.Bad("direct_categories", "is missing");
  }
  for (Category c : *direct) {
    if (IsSupervision(c)) {
      return r.Bad("direct_categories", "may not hold supervision (it is nonclinical)");
    }
  }
  rules.direct_categories = std::move(*direct);

  const toml::node* reqs = r.Find("requirement");
  const toml::array* list = reqs == nullptr ? nullptr : reqs->as_array();
  if (reqs != nullptr && (list == nullptr || !list->is_array_of_tables())) {
    return r.Bad("requirement", "must be [[requirement]] tables");
  }
  if (list == nullptr || list->empty()) {
    return r.Bad("requirement", "is missing: a track needs at least one [[requirement]]");
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    ALCOVE_TRY_ASSIGN(auto q, ReadRequirement(*list->get(i)->as_table(),
                                              fmt::format("requirement[{}]", i), file_name));
    for (const Requirement& other : rules.requirements) {
      if (other.id == q.id) {
        return r.Bad(fmt::format("requirement[{}].id", i), "repeats the id " + q.id);
      }
    }
    rules.requirements.push_back(std::move(q));
  }
  ALCOVE_TRY(ReadWeeks(r, rules));
  ALCOVE_TRY(ReadSupervision(r, rules));
  ALCOVE_TRY(ReadLimitsAndPhases(r, rules));
  ALCOVE_TRY(r.NoOtherKeys());
  return rules;
}

const Rules& RulesFor(Track track) {
  static const std::array<Rules, 3> kRules = [] {
    std::array<Rules, 3> out;
    for (Track t : {Track::kAmft, Track::kApcc, Track::kAsw}) {
      const std::string path = fmt::format("ca-bbs/{}.toml", TrackName(t));
      const std::string file = "rules/" + path;
      std::optional<Result<Rules>> parsed;
      for (const RulesFile& f : BuiltInRulesFiles()) {
        if (f.path == path) {
          parsed = ParseRules(f.text, file);
        }
      }
      if (!parsed || !*parsed || (*parsed)->track != t) {
        std::fprintf(stderr, "alcove: the built-in %s is missing, invalid or for another "
                             "track: %s\n",
                     file.c_str(),
                     parsed && !*parsed ? (*parsed).error().internal.c_str() : "");
        std::abort();  // a build defect (see rules.hpp): no rules are better than wrong ones
      }
      out[static_cast<std::size_t>(t)] = std::move(**parsed);
    }
    return out;
  }();
  return kRules[static_cast<std::size_t>(track)];
}

}  // namespace alcove::hours
