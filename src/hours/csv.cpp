#include "hours/csv.hpp"

#include <csv.h>
#include <malloc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "core/utf8.hpp"
#include "practice/alias.hpp"

namespace alcove::hours {
namespace {

constexpr std::string_view kDateNames[] = {
    "date",         "session date", "date of service", "service date", "appointment date",
    "activity date", "entry date",  "day",             "dos"};
constexpr std::string_view kMinutesNames[] = {
    "minutes",       "mins",           "min",          "duration",       "duration min",
    "duration mins", "duration minutes", "length",     "length min",     "length minutes",
    "session length", "time min",      "time minutes", "total minutes"};
constexpr std::string_view kHoursNames[] = {
    "hours",         "hrs",        "hour",        "duration hours", "duration hrs", "duration h",
    "length hours",  "hours logged", "time hours", "total hours"};
constexpr std::string_view kCategoryNames[] = {
    "category",      "type",       "activity",     "session type", "activity type",
    "service type",  "hour type",  "hours type",   "experience type", "kind"};
constexpr std::string_view kClientNames[] = {
    "client",       "client initials", "initials", "client name", "client alias",
    "alias",        "patient",         "patient initials"};
constexpr std::string_view kSettingNames[] = {
    "setting",   "work setting", "site",      "location", "work site",
    "agency",    "placement",    "employer",  "setting name"};
constexpr std::string_view kTelehealthNames[] = {"telehealth", "tele health", "telehealth y n",
                                                 "modality",   "remote",      "via telehealth"};
constexpr std::string_view kVideoNames[] = {"video", "video supervision", "via video", "by video"};
constexpr std::string_view kGroupSizeNames[] = {
    "group size", "supervisees", "number of supervisees", "supervisee count", "group count"};
constexpr std::string_view kPhaseNames[] = {"phase",  "pre post degree", "pre or post degree",
                                            "degree", "degree status",   "pre post"};

// The order is the order of guessing (a header goes to the first field that names it).
const std::array<ImportField, 10> kFields = {{
    {"date", "Date", true, kDateNames},
    {"minutes", "Minutes", true, kMinutesNames},
    {"hours", "Hours", true, kHoursNames},
    {"category", "Category", true, kCategoryNames},
    {"client", "Client (initials)", false, kClientNames},
    {"setting", "Work setting", false, kSettingNames},
    {"telehealth", "Telehealth", false, kTelehealthNames},
    {"video", "Video (supervision)", false, kVideoNames},
    {"group_size", "Group size", false, kGroupSizeNames},
    {"phase", "Pre- or post-degree", false, kPhaseNames},
}};
enum FieldIndex { kDate, kMinutes, kHours, kCategory, kClient, kSetting, kTelehealth, kVideo,
                  kGroupSize, kPhase, kFieldCount };

constexpr std::size_t kMaxColumns = 200;
constexpr std::size_t kChunk = 64 * 1024;

std::unexpected<Error> Bad(std::string internal, std::string words) {
  return Fail(ErrorCode::kInvalidArgument, "csv import: " + internal, std::move(words));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool AllDigits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit); }

std::optional<std::int64_t> Number(std::string_view s, std::size_t max_digits) {
  if (!AllDigits(s) || s.size() > max_digits) {
    return std::nullopt;
  }
  std::int64_t n = 0;
  for (const char c : s) {
    n = n * 10 + (c - '0');
  }
  return n;
}

// A cell that may be repeated in an error: short, and only digits and the punctuation
// of dates and numbers (a misplaced name never matches).
bool Repeatable(std::string_view cell) {
  return !cell.empty() && cell.size() <= 24 &&
         std::all_of(cell.begin(), cell.end(), [](char c) {
           return IsDigit(c) || c == '/' || c == '-' || c == '.' || c == ':' || c == ',' ||
                  c == ' ';
         });
}

std::string Quoted(std::string_view text) { return "\xE2\x80\x9C" + std::string(text) + "\xE2\x80\x9D"; }

// libcsv's buffer holds each cell while it is read, client names included: it is wiped
// whenever it moves or goes.
void* WipingRealloc(void* old, std::size_t size) {
  void* fresh = std::malloc(size);
  if (fresh == nullptr) {
    return nullptr;
  }
  if (old != nullptr) {
    const std::size_t had = ::malloc_usable_size(old);
    std::memcpy(fresh, old, std::min(had, size));
    crypto::SecureZero(old, had);
    std::free(old);
  }
  return fresh;
}
void WipingFree(void* p) {
  if (p != nullptr) {
    crypto::SecureZero(p, ::malloc_usable_size(p));
    std::free(p);
  }
}

// Yes/no cells. nullopt: neither.
std::optional<bool> ParseYesNo(std::string_view cell) {
  const std::string n = NormalizeHeader(cell);
  static constexpr std::string_view kYes[] = {"yes", "y", "true", "1", "x",
                                              "telehealth", "tele", "video", "virtual",
                                              "online", "remote", "phone", "zoom"};
  static constexpr std::string_view kNo[] = {"", "no", "n", "false", "0", "in person",
                                             "inperson", "office", "onsite", "on site",
                                             "face to face"};
  if (std::find(std::begin(kYes), std::end(kYes), n) != std::end(kYes)) {
    return true;
  }
  if (std::find(std::begin(kNo), std::end(kNo), n) != std::end(kNo)) {
    return false;
  }
  return std::nullopt;
}

// Phase cells: pre- or post-degree, empty (from the degree date), or neither.
enum class Phase { kUnset, kPre, kPost, kUnknown };
Phase ParsePhase(std::string_view cell) {
  const std::string n = NormalizeHeader(cell);
  if (n.empty()) {
    return Phase::kUnset;
  }
  static constexpr std::string_view kPre[] = {"pre", "pre degree", "predegree", "practicum",
                                              "trainee", "before degree"};
  static constexpr std::string_view kPost[] = {"post", "post degree", "postdegree", "associate",
                                               "after degree"};
  if (std::find(std::begin(kPre), std::end(kPre), n) != std::end(kPre)) {
    return Phase::kPre;
  }
  if (std::find(std::begin(kPost), std::end(kPost), n) != std::end(kPost)) {
    return Phase::kPost;
  }
  return Phase::kUnknown;
}

// The reader behind libcsv's callbacks: the header, then one row at a time.
class Reader {
 public:
  Reader(const ColumnMapping& requested, char delimiter)
      : requested_(requested), delimiter_(delimiter) {
    column_.fill(kUnmapped);
  }

  void Field(const char* data, std::size_t size) {
    if (stopped()) {
      return;
    }
    const std::size_t index = field_++;
    if (record_ == 0) {
      if (index >= kMaxColumns) {
        Stop(Bad("too many columns", "The file has more than 200 columns; is it the right file?"));
        return;
      }
      out_.headers.emplace_back(Trim(std::string_view(data, size)));
      return;
    }
    if (index >= out_.headers.size()) {
      extra_cell_ = extra_cell_ || !Trim(std::string_view(data, size)).empty();
      return;
    }
    const int field = field_of_column_[index];
    if (field == kUnmapped) {
      return;  // a column the import does not read is never copied (notes, names, ...)
    }
    if (field == kClient) {
      // The name exists only in libcsv's (wiped) buffer and this wiped copy.
      auto alias = ClientAlias(crypto::PhiString(std::string(data, size)));
      client_bad_ = !alias;
      cells_[kClient] = alias ? std::move(*alias) : std::string();
      return;
    }
    cells_[static_cast<std::size_t>(field)] = std::string(Trim(std::string_view(data, size)));
  }

  void EndRecord() {
    if (stopped()) {
      return;
    }
    if (record_ == 0) {
      ResolveColumns();
    } else {
      EndRow();
    }
    ++record_;
    field_ = 0;
    extra_cell_ = false;
    client_bad_ = false;
    for (auto& c : cells_) {
      c.clear();
    }
  }

  bool stopped() const { return fatal_.has_value() || done_; }
  const std::optional<Error>& fatal() const { return fatal_; }
  std::int64_t records() const { return record_; }
  ParsedCsv Take() { return std::move(out_); }

 private:
  static constexpr int kUnmapped = -1;

  void Stop(std::unexpected<Error> e) { fatal_ = std::move(e).error(); }

  void ResolveColumns() {
    field_of_column_.assign(out_.headers.size(), kUnmapped);
    std::vector<std::string> normalized;
    for (const auto& h : out_.headers) {
      normalized.push_back(NormalizeHeader(h));
    }
    std::array<bool, kFieldCount> refused{};
    for (const auto& [name, header] : requested_) {
      const auto f = std::find_if(kFields.begin(), kFields.end(),
                                  [&](const ImportField& x) { return x.name == name; });
      if (f == kFields.end()) {
        std::string names;
        for (const auto& x : kFields) {
          names += (names.empty() ? "" : ", ") + std::string(x.name);
        }
        return Stop(Bad("unknown mapping field",
                        Quoted(name) + " is not a column the import reads; those are " + names +
                            "."));
      }
      const auto fi = static_cast<std::size_t>(f - kFields.begin());
      if (header.empty()) {
        continue;  // guessed
      }
      if (header == kNoColumn) {
        refused[fi] = true;
        continue;
      }
      const std::string want = NormalizeHeader(header);
      const auto at = std::find(normalized.begin(), normalized.end(), want);
      if (want.empty() || at == normalized.end()) {
        return Stop(Bad("mapped header not in the file",
                        "The file has no column named " + Quoted(header) + "."));
      }
      Assign(fi, static_cast<std::size_t>(at - normalized.begin()));
    }
    for (std::size_t fi = 0; fi < kFields.size(); ++fi) {
      if (column_[fi] != kUnmapped || refused[fi]) {
        continue;
      }
      for (std::size_t c = 0; c < normalized.size(); ++c) {
        const auto& syn = kFields[fi].synonyms;
        if (field_of_column_[c] == kUnmapped &&
            std::find(syn.begin(), syn.end(), normalized[c]) != syn.end()) {
          Assign(fi, c);
          break;
        }
      }
    }
    if (column_[kDate] == kUnmapped) {
      out_.missing.emplace_back("date");
    }
    if (column_[kMinutes] == kUnmapped && column_[kHours] == kUnmapped) {
      out_.missing.emplace_back("minutes");
    }
    if (column_[kCategory] == kUnmapped) {
      out_.missing.emplace_back("category");
    }
    if (!out_.missing.empty()) {
      const bool looks_like_data =
          std::any_of(out_.headers.begin(), out_.headers.end(),
                      [](const std::string& h) { return ParseImportDate(h).has_value(); });
      if (looks_like_data && requested_.empty()) {
        return Stop(Bad("first row is data",
                        "The first row holds data, not column names: add a header row such as "
                        "date,minutes,category,client,setting (the template has one)."));
      }
      done_ = true;  // nothing to read the rows into
    }
  }

  void Assign(std::size_t field, std::size_t column) {
    if (column_[field] != kUnmapped) {
      field_of_column_[static_cast<std::size_t>(column_[field])] = kUnmapped;
    }
    if (field_of_column_[column] != kUnmapped) {
      column_[static_cast<std::size_t>(field_of_column_[column])] = kUnmapped;
    }
    column_[field] = static_cast<int>(column);
    field_of_column_[column] = static_cast<int>(field);
    out_.mapping[std::string(kFields[field].name)] = out_.headers[column];
  }

  void EndRow() {
    const bool blank = !extra_cell_ && !client_bad_ &&
                       std::all_of(cells_.begin(), cells_.end(),
                                   [](const std::string& c) { return c.empty(); });
    if (blank) {
      return;  // an empty line of a spreadsheet (",,,,")
    }
    ++out_.data_rows;
    if (out_.data_rows > static_cast<std::int64_t>(kMaxImportRows)) {
      return Stop(Bad("too many rows", "The file has more than 50,000 rows; split it into "
                                       "smaller files and import them one after the other."));
    }
    const int row = static_cast<int>(record_);  // the header is row 0
    auto built = BuildRow(row);
    if (built) {
      out_.rows.push_back(std::move(*built));
    } else {
      out_.errors.push_back(ImportError{row, "row " + std::to_string(row) + ": " + built.error()});
    }
  }

  std::expected<ImportRow, std::string> BuildRow(int row) {
    using Err = std::unexpected<std::string>;
    if (extra_cell_) {
      return Err(std::string("it has more cells than the header has columns (a ") +
                 delimiter_ + " inside a cell needs quotes around the cell)");
    }
    ImportRow r;
    r.row = row;
    const std::string& date = cells_[kDate];
    if (date.empty()) {
      return Err("the date is empty");
    }
    const auto day = ParseImportDate(date);
    if (!day) {
      return Err(Repeatable(date) ? date + " is not a date"
                                  : "the date is not a date (write 2026-03-14 or 3/14/2026)");
    }
    r.date = *day;
    auto length = Length();
    if (!length) {
      return Err(std::move(length.error()));
    }
    r.minutes = *length;
    const std::string& category = cells_[kCategory];
    if (category.empty()) {
      return Err("the category is empty");
    }
    const auto cat = ParseCategory(category);
    if (!cat) {
      if (NormalizeHeader(category) == "supervision") {
        return Err("say which supervision it was: individual, triadic or group");
      }
      return Err(category.size() <= 60
                     ? Quoted(category) + " is not a category we know (see the list of categories)"
                     : std::string("the category is not one we know (see the list of categories)"));
    }
    r.category = *cat;
    if (client_bad_) {
      return Err("the client cell cannot be turned into initials (write the initials, "
                 "such as J.D.)");
    }
    r.alias = cells_[kClient];
    r.setting = cells_[kSetting];
    if (r.setting.size() > kMaxSettingName) {
      return Err("the work setting's name is longer than 120 characters");
    }
    if (std::any_of(r.setting.begin(), r.setting.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      return Err("the work setting's name holds a line break or a control character");
    }
    const auto telehealth_cell = YesNo(kTelehealth, "telehealth");
    const auto video_cell = YesNo(kVideo, "video");
    if (!telehealth_cell || !video_cell) {
      return Err(!telehealth_cell ? telehealth_cell.error() : video_cell.error());
    }
    const bool telehealth = *telehealth_cell;
    const bool video = *video_cell;
    if (IsSupervision(r.category)) {
      // Supervision is by video or in person; a telehealth column on a supervision row
      // says the same (trackers keep one "modality" column for both).
      r.video = video || telehealth;
    } else {
      r.telehealth = telehealth || video;
    }
    if (const std::string& size = cells_[kGroupSize];
        !size.empty() && r.category == Category::kSupervisionGroup) {
      const auto n = Number(size, 3);
      if (!n || *n < 1 || *n > kMaxGroupSize) {
        return Err(Repeatable(size) ? "the group size " + size +
                                          " is not a whole number from 1 to 99"
                                    : "the group size is not a whole number from 1 to 99");
      }
      r.group_size = static_cast<int>(*n);
    }
    switch (ParsePhase(cells_[kPhase])) {
      case Phase::kUnset:
        break;
      case Phase::kPre:
        r.pre_degree = true;
        break;
      case Phase::kPost:
        r.pre_degree = false;
        break;
      case Phase::kUnknown:
        return Err("the phase is not \"pre-degree\" or \"post-degree\"");
    }
    return r;
  }

  std::expected<std::int64_t, std::string> Length() {
    using Err = std::unexpected<std::string>;
    const std::string& minutes = column_[kMinutes] != kUnmapped ? cells_[kMinutes] : kEmpty;
    const std::string& hours = column_[kHours] != kUnmapped ? cells_[kHours] : kEmpty;
    std::optional<std::int64_t> value;
    if (!minutes.empty()) {
      value = ParseMinutes(minutes);
      if (!value) {
        return Err(Repeatable(minutes) ? minutes + " is not a number of minutes"
                                       : "the minutes are not a number");
      }
    } else if (!hours.empty()) {
      value = ParseHours(hours, delimiter_ == ';');
      if (!value) {
        return Err(Repeatable(hours) ? hours + " is not a number of hours (such as 1.5 or 1:30)"
                                     : "the hours are not a number (such as 1.5 or 1:30)");
      }
    } else {
      return Err("the length is empty (minutes or hours)");
    }
    if (*value < kMinSessionMinutes) {
      return Err("the length is 0 minutes; an entry is at least 1 minute long");
    }
    if (*value > kMaxSessionMinutes) {
      return Err(std::to_string(*value) + " minutes is longer than a day");
    }
    return *value;
  }

  std::expected<bool, std::string> YesNo(FieldIndex f, std::string_view what) {
    const auto v = ParseYesNo(cells_[static_cast<std::size_t>(f)]);
    if (!v) {
      return std::unexpected("the " + std::string(what) + " cell is not yes or no");
    }
    return *v;
  }

  static inline const std::string kEmpty;

  const ColumnMapping& requested_;
  const char delimiter_;
  std::int64_t record_ = 0;  // 0: the header
  std::size_t field_ = 0;
  std::array<int, kFieldCount> column_{};   // field -> column
  std::vector<int> field_of_column_;        // column -> field
  std::array<std::string, kFieldCount> cells_;
  bool extra_cell_ = false;
  bool client_bad_ = false;
  bool done_ = false;
  std::optional<Error> fatal_;
  ParsedCsv out_;
};

extern "C" void OnField(void* data, std::size_t size, void* reader) {
  static_cast<Reader*>(reader)->Field(static_cast<const char*>(data), size);
}
extern "C" void OnRecord(int, void* reader) { static_cast<Reader*>(reader)->EndRecord(); }

}  // namespace

std::span<const ImportField> ImportFields() { return kFields; }

char DetectDelimiter(std::string_view text) {
  std::size_t commas = 0;
  std::size_t semicolons = 0;
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == '\n' || c == '\r')) {
      break;
    } else if (!quoted && c == ',') {
      ++commas;
    } else if (!quoted && c == ';') {
      ++semicolons;
    }
  }
  return semicolons > commas ? ';' : ',';
}

std::string NormalizeHeader(std::string_view header) {
  std::string out;
  bool gap = false;
  for (const char c : header) {
    const auto u = static_cast<unsigned char>(c);
    const bool keep = (c >= 'a' && c <= 'z') || IsDigit(c) || (c >= 'A' && c <= 'Z') || u >= 0x80;
    if (!keep) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) {
      out += ' ';
    }
    gap = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::optional<Day> ParseImportDate(std::string_view text) {
  text = Trim(text);
  if (text.size() == 10 && text[4] == '/' && text[7] == '/') {
    std::string iso(text);
    iso[4] = '-';
    iso[7] = '-';
    return ParseDay(iso);
  }
  if (text.size() == 10 && text[4] == '-') {
    return ParseDay(text);
  }
  // M/D/YYYY, MM/DD/YYYY, M/D/YY.
  const auto first = text.find('/');
  const auto second = first == std::string_view::npos ? first : text.find('/', first + 1);
  if (second == std::string_view::npos) {
    return std::nullopt;
  }
  const auto m = Number(text.substr(0, first), 2);
  const auto d = Number(text.substr(first + 1, second - first - 1), 2);
  const std::string_view y_text = text.substr(second + 1);
  auto y = Number(y_text, 4);
  if (!m || !d || !y || (y_text.size() != 4 && y_text.size() != 2)) {
    return std::nullopt;
  }
  if (y_text.size() == 2) {
    *y += 2000;
  }
  char iso[16];
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", static_cast<int>(*y), static_cast<int>(*m),
                static_cast<int>(*d));
  return ParseDay(iso);
}

std::optional<std::int64_t> ParseHours(std::string_view text, bool decimal_comma) {
  text = Trim(text);
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    const auto h = Number(text.substr(0, colon), 2);
    const std::string_view m_text = text.substr(colon + 1);
    const auto m = Number(m_text, 2);
    if (!h || !m || m_text.size() != 2 || *m >= 60) {
      return std::nullopt;
    }
    return *h * 60 + *m;
  }
  const char point = decimal_comma ? ',' : '.';
  auto dot = text.find(point);
  if (dot == std::string_view::npos && decimal_comma) {
    dot = text.find('.');  // "1.5" in a semicolon file is still clear
  }
  const std::string_view whole = dot == std::string_view::npos ? text : text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if ((whole.empty() && frac.empty()) || (dot != std::string_view::npos && frac.empty())) {
    return std::nullopt;
  }
  const auto w = whole.empty() ? std::optional<std::int64_t>(0) : Number(whole, 3);
  const auto f = frac.empty() ? std::optional<std::int64_t>(0) : Number(frac, 4);
  if (!w || !f) {
    return std::nullopt;
  }
  std::int64_t scale = 1;
  for (std::size_t i = 0; i < frac.size(); ++i) {
    scale *= 10;
  }
  // Minutes, rounded half up: (w + f/scale) * 60.
  return *w * 60 + (*f * 60 * 2 + scale) / (2 * scale);
}

std::optional<std::int64_t> ParseMinutes(std::string_view text) {
  text = Trim(text);
  if (text.find(':') != std::string_view::npos) {
    return ParseHours(text, false);
  }
  return Number(text, 5);
}

std::optional<Category> ParseCategory(std::string_view text) {
  // Words that qualify a kind without changing it ("Individual Therapy", "Group
  // Supervision (Video)") are dropped; what is left names the category.
  static constexpr std::string_view kFiller[] = {
      "therapy", "counseling", "counselling", "psychotherapy", "session", "sessions", "hours",
      "hour", "hrs", "clinical", "direct", "services", "service", "and", "with", "of", "the",
      "in", "person", "telehealth", "video", "virtual", "online", "w", "s"};
  const std::string n = NormalizeHeader(text);
  std::string words;
  for (std::size_t i = 0; i < n.size();) {
    const std::size_t end = std::min(n.find(' ', i), n.size());
    const std::string_view word(n.data() + i, end - i);
    if (std::find(std::begin(kFiller), std::end(kFiller), word) == std::end(kFiller)) {
      words += (words.empty() ? "" : " ") + std::string(word);
    }
    i = end + 1;
  }
  struct Phrase {
    std::string_view words;
    Category category;
  };
  static constexpr Phrase kPhrases[] = {
      {"individual", Category::kIndividual},
      {"indiv", Category::kIndividual},
      {"individual client", Category::kIndividual},
      {"couples", Category::kCouplesFamilyChildren},
      {"couple", Category::kCouplesFamilyChildren},
      {"family", Category::kCouplesFamilyChildren},
      {"families", Category::kCouplesFamilyChildren},
      {"children", Category::kCouplesFamilyChildren},
      {"child", Category::kCouplesFamilyChildren},
      {"conjoint", Category::kCouplesFamilyChildren},
      {"cfc", Category::kCouplesFamilyChildren},
      {"couples family", Category::kCouplesFamilyChildren},
      {"couple family", Category::kCouplesFamilyChildren},
      {"marriage family", Category::kCouplesFamilyChildren},
      {"couples family children", Category::kCouplesFamilyChildren},
      {"couples families children", Category::kCouplesFamilyChildren},
      {"couples family child", Category::kCouplesFamilyChildren},
      {"family children", Category::kCouplesFamilyChildren},
      {"group", Category::kGroup},
      {"individual supervision", Category::kSupervisionIndividual},
      {"supervision individual", Category::kSupervisionIndividual},
      {"triadic supervision", Category::kSupervisionTriadic},
      {"supervision triadic", Category::kSupervisionTriadic},
      {"triadic", Category::kSupervisionTriadic},
      {"group supervision", Category::kSupervisionGroup},
      {"supervision group", Category::kSupervisionGroup},
      {"testing", Category::kTesting},
      {"assessment", Category::kTesting},
      {"psychological testing", Category::kTesting},
      {"psych testing", Category::kTesting},
      {"test administration", Category::kTesting},
      {"notes", Category::kNotesReports},
      {"progress notes", Category::kNotesReports},
      {"process notes", Category::kNotesReports},
      {"reports", Category::kNotesReports},
      {"clinical reports", Category::kNotesReports},
      {"notes reports", Category::kNotesReports},
      {"progress notes reports", Category::kNotesReports},
      {"report writing", Category::kNotesReports},
      {"documentation", Category::kNotesReports},
      {"advocacy", Category::kAdvocacy},
      {"client centered advocacy", Category::kAdvocacy},
      {"client centred advocacy", Category::kAdvocacy},
      {"workshop", Category::kWorkshop},
      {"workshops", Category::kWorkshop},
      {"training", Category::kWorkshop},
      {"trainings", Category::kWorkshop},
      {"workshops trainings", Category::kWorkshop},
      {"workshops seminars trainings", Category::kWorkshop},
      {"seminar", Category::kWorkshop},
      {"seminars", Category::kWorkshop},
      {"conference", Category::kWorkshop},
      {"other", Category::kOtherNonclinical},
      {"nonclinical", Category::kOtherNonclinical},
      {"non", Category::kOtherNonclinical},  // "Non-clinical" once "clinical" is dropped
      {"other nonclinical", Category::kOtherNonclinical},
      {"other non", Category::kOtherNonclinical},
      {"consultation", Category::kOtherNonclinical},
  };
  for (const auto& p : kPhrases) {
    if (p.words == words) {
      return p.category;
    }
  }
  return std::nullopt;
}

Result<std::string> ClientAlias(const crypto::PhiString& cell) {
  const std::string_view s = Trim(cell.reveal());
  if (s.empty()) {
    return std::string();
  }
  // Initials already: one to three ASCII letters, each followed by a dot (any case) or,
  // without dots, all capitals ("JD"). A two-letter name in capitals would read as
  // initials too, which keeps less, never more.
  std::string letters;
  bool dotted = false;
  bool initials = true;
  for (std::size_t i = 0; i < s.size() && initials; ++i) {
    const char c = s[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      const bool next_is_letter =
          i + 1 < s.size() && ((s[i + 1] >= 'A' && s[i + 1] <= 'Z') || (s[i + 1] >= 'a' && s[i + 1] <= 'z'));
      if (next_is_letter && (c >= 'a' && c <= 'z')) {
        initials = false;  // a lower-case letter run is a word
      }
      letters += c;
    } else if (c == '.') {
      dotted = true;
    } else if (c != ' ') {
      initials = false;
    }
  }
  const bool all_capitals = std::all_of(letters.begin(), letters.end(),
                                        [](char c) { return c >= 'A' && c <= 'Z'; });
  const bool spaced_words = s.find(' ') != std::string_view::npos && !dotted;
  if (initials && !letters.empty() && letters.size() <= 3 && (dotted || all_capitals) &&
      !spaced_words) {
    // The first and the last, as practice::InitialsOf keeps them ("J.D.M." -> "J.M.").
    std::string alias;
    for (const char c : letters.size() > 1 ? std::string{letters.front(), letters.back()} : letters) {
      alias += static_cast<char>(c >= 'a' ? c - 'a' + 'A' : c);
      alias += '.';
    }
    return alias;
  }
  auto alias = practice::InitialsOf(cell);
  if (!alias) {
    return Bad("client cell unusable", "The client cell cannot be turned into initials.");
  }
  return alias;
}

Result<ParsedCsv> ParseImportCsv(const crypto::PhiString& csv, const ColumnMapping& mapping) {
  std::string_view text = csv.reveal();
  if (text.size() > kMaxImportBytes) {
    return Bad("file too big", "The file is too large: at most 8 megabytes at once. Split it "
                               "into smaller files and import them one after the other.");
  }
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    return Bad("utf-16", "The file is in UTF-16. Save it as \"CSV UTF-8\" and try again.");
  }
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  if (!IsValidUtf8(text)) {
    return Bad("not utf-8", "The file is not in UTF-8 (perhaps it was saved as plain \"CSV\" by "
                            "an older spreadsheet). Save it as \"CSV UTF-8\" and try again.");
  }
  if (text.find('\0') != std::string_view::npos) {
    return Bad("nul byte", "This is not a CSV file: it holds binary data.");
  }
  if (Trim(text).find_first_not_of("\r\n") == std::string_view::npos) {
    return Bad("empty", "The file is empty.");
  }
  const char delimiter = DetectDelimiter(text);
  Reader reader(mapping, delimiter);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return Fail(ErrorCode::kInternal, "csv_init failed");
  }
  csv_set_delim(&parser, static_cast<unsigned char>(delimiter));
  csv_set_realloc_func(&parser, &WipingRealloc);
  csv_set_free_func(&parser, &WipingFree);
  bool parse_error = false;
  for (std::size_t at = 0; at < text.size() && !reader.stopped(); at += kChunk) {
    const std::size_t n = std::min(kChunk, text.size() - at);
    if (csv_parse(&parser, text.data() + at, n, &OnField, &OnRecord, &reader) != n) {
      parse_error = true;
      break;
    }
  }
  if (!parse_error && !reader.stopped() &&
      csv_fini(&parser, &OnField, &OnRecord, &reader) != 0) {
    parse_error = true;
  }
  if (parser.entry_buf != nullptr) {
    crypto::SecureZero(parser.entry_buf, parser.entry_size);
  }
  csv_free(&parser);
  if (reader.fatal()) {
    return std::unexpected(*reader.fatal());
  }
  if (parse_error) {
    const std::int64_t row = reader.records();
    return Bad("libcsv parse error",
               (row == 0 ? std::string("The header row") : "Row " + std::to_string(row)) +
                   " is not valid CSV: a quote inside a cell must be written twice (\"\"), and a "
                   "cell that starts with a quote must end with one.");
  }
  ParsedCsv out = reader.Take();
  if (out.headers.empty()) {
    return Bad("no header", "The file is empty.");
  }
  if (out.missing.empty() && out.data_rows == 0) {
    return Bad("no rows", "The file has no rows under its header.");
  }
  return out;
}

}  // namespace alcove::hours
