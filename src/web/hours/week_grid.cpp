// The week grid: a whole week of one work setting typed in one form. Rows are the kinds
// of work, columns Monday to Sunday, each cell the hours of that day ("1.5" or "1:30");
// supervision rows carry video and the group's size, direct rows telehealth. One submit
// makes every session in one call (Hours::AddSessions: all or nothing); a cell that is
// not a number of hours is named in words next to it and in the list above the grid.
#include <fmt/format.h>

#include <cctype>

#include "web/errors.hpp"
#include "web/hours/page_kit.hpp"
#include "web/hours/pages_internal.hpp"

namespace alcove::web::hours_pages {

using hours::Category;
using hours::Day;

namespace {

std::string CellName(Category c, int day) {
  return fmt::format("h_{}_{}", hours::CategoryName(c), day);
}

// "group therapy": the category's words inside a sentence.
std::string Lowered(std::string_view words) {
  std::string out(words);
  if (!out.empty()) {
    out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  }
  return out;
}

// "Tuesday, group therapy".
std::string CellWords(Category c, int day) {
  return fmt::format("{}, {}", WeekdayName(day), Lowered(CategoryWords(c)));
}

// The sessions the grid describes (the errors of its cells in `form`).
std::vector<hours::NewSession> SessionsFromGrid(FormState& form, Day monday,
                                                const std::string& setting_id, Day today) {
  std::vector<hours::NewSession> out;
  const FormFields& f = form.values;
  for (const Category c : kCategoryOrder) {
    bool row_has_hours = false;
    std::optional<int> group_size;
    if (c == Category::kSupervisionGroup) {
      const std::string typed = FormValue(f, "group_size");
      const auto n = ParseMinutes(typed);
      if (n && *n >= 1 && *n <= hours::kMaxGroupSize) {
        group_size = static_cast<int>(*n);
      }
    }
    const std::string cat(hours::CategoryName(c));
    for (int day = 0; day < 7; ++day) {
      const std::string name = CellName(c, day);
      const std::string typed = FormValue(f, name);
      if (typed.find_first_not_of(" \t") == std::string::npos) {
        continue;
      }
      const auto minutes = ParseHours(typed);
      if (!minutes) {
        form.errors[name] =
            fmt::format("{}: '{}' is not a number of hours.", CellWords(c, day), typed);
        continue;
      }
      if (*minutes > hours::kMaxSessionMinutes) {
        form.errors[name] = fmt::format("{}: a day has at most 24 hours.", CellWords(c, day));
        continue;
      }
      if (*minutes == 0) {
        continue;
      }
      if (monday + std::chrono::days(day) > today) {
        form.errors[name] = fmt::format("{}: that day has not come yet.", CellWords(c, day));
        continue;
      }
      row_has_hours = true;
      hours::NewSession s;
      s.date = monday + std::chrono::days(day);
      s.minutes = *minutes;
      s.category = c;
      s.setting_id = setting_id;
      s.telehealth = IsDirect(c) && FormValue(f, "telehealth_" + cat) == "yes";
      s.video = hours::IsSupervision(c) && FormValue(f, "video_" + cat) == "yes";
      s.group_size = group_size;
      s.amend = FormValue(f, "amend") == "yes";
      // The service's own checks, named by the cell.
      if (auto e = hours::Hours::CheckSession(s, today)) {
        form.errors[name] = fmt::format("{}: {}", CellWords(c, day), Lowered(e->message));
        continue;
      }
      out.push_back(std::move(s));
    }
    if (c == Category::kSupervisionGroup && row_has_hours && !group_size) {
      form.errors["group_size"] =
          "Group supervision: enter how many supervisees were in the group, like 6.";
    }
  }
  return out;
}

}  // namespace

Result<Response> HoursPages::GridPage(const TherapistSession& who, const Associate& a, Day week,
                                      std::string setting_id, const FormState& form, int status) {
  const Day monday = hours::WeekStart(week);
  if (SettingName(a, setting_id).empty() && !a.settings.empty()) {
    setting_id = a.settings.front().id;
  }
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("start", hours::DayText(monday));
  d.set("heading", DateWords(monday));
  d.set("previous", hours::DayText(monday - std::chrono::days(7)));
  d.set("next", hours::DayText(monday + std::chrono::days(7)));
  d.set("setting_id", setting_id);
  d.set("setting", SettingName(a, setting_id));
  d.set("no_settings", a.settings.empty());
  d.set("settings", SettingOptions(a, setting_id));
  SetForm(d, form);

  std::vector<TemplateData> days;
  for (int day = 0; day < 7; ++day) {
    TemplateData h;
    h.set("short", DayShort(monday + std::chrono::days(day)));
    days.push_back(h);
  }
  d.set("days", List(std::move(days)));

  // The errors, in the grid's order, for the list above it.
  std::vector<TemplateData> problems;
  std::vector<TemplateData> rows;
  for (const Category c : kCategoryOrder) {
    const std::string cat(hours::CategoryName(c));
    TemplateData row;
    row.set("category", cat);
    row.set("label", std::string(CategoryWords(c)));
    std::vector<TemplateData> cells;
    for (int day = 0; day < 7; ++day) {
      const std::string name = CellName(c, day);
      TemplateData cell;
      cell.set("name", name);
      cell.set("label", CellWords(c, day));
      cell.set("day", std::string(WeekdayName(day).substr(0, 3)));
      cell.set("value", FormValue(form.values, name));
      if (monday + std::chrono::days(day) > a.today) {
        cell.set("future", true);  // no hours yet: the service takes none after today
      }
      if (const auto e = form.errors.find(name); e != form.errors.end()) {
        cell.set("error", e->second);
        TemplateData p;
        p.set("target", name);
        p.set("message", e->second);
        problems.push_back(p);
      }
      cells.push_back(cell);
    }
    row.set("cells", List(std::move(cells)));
    if (IsDirect(c)) {
      row.set("telehealth", true);
      row.set("telehealth_checked", FormValue(form.values, "telehealth_" + cat) == "yes");
    }
    if (hours::IsSupervision(c)) {
      row.set("video", true);
      row.set("video_checked", FormValue(form.values, "video_" + cat) == "yes");
    }
    if (c == Category::kSupervisionGroup) {
      row.set("group", true);
      row.set("group_size", FormValue(form.values, "group_size"));
      if (const auto e = form.errors.find("group_size"); e != form.errors.end()) {
        row.set("group_error", e->second);
        TemplateData p;
        p.set("target", std::string("group_size"));
        p.set("message", e->second);
        problems.push_back(p);
      }
    }
    rows.push_back(row);
  }
  d.set("rows", List(std::move(rows)));
  d.set("has_problems", !problems.empty());
  d.set("problems", List(std::move(problems)));

  // What the week already holds at this setting: the grid adds to it.
  if (!setting_id.empty()) {
    ALCOVE_TRY_ASSIGN(auto logged,
                      h_.ListSessions(who.scope, monday, monday + std::chrono::days(6)));
    std::int64_t minutes = 0;
    std::int64_t count = 0;
    for (const auto& s : logged) {
      if (s.setting_id == setting_id) {
        minutes += s.minutes;
        ++count;
      }
    }
    if (count > 0) {
      d.set("logged_hours", HoursNumber(minutes));
      d.set("logged_count", fmt::format("{} session{}", count, count == 1 ? "" : "s"));
    }
    ALCOVE_TRY_ASSIGN(auto weeks, h_.ListWeeks(who.scope, monday, monday));
    for (const auto& w : weeks) {
      if (w.setting_id == setting_id && w.status == hours::WeekStatus::kSubmitted) {
        d.set("closed_submitted", true);
      } else if (w.setting_id == setting_id && w.status == hours::WeekStatus::kSigned) {
        d.set("closed_signed", true);
        if (FormValue(form.values, "amend") == "yes") {
          d.set("amend_checked", true);
        }
      }
    }
  }
  return Page(status, "hours_week", "Week grid, week of " + DateWords(monday), "/hours/week", d);
}

void HoursPages::AddGridPages(RouteKit& kit) {
  kit.Add("GET", "/hours/week",
          ForAssociate([this](Request& req, const TherapistSession& who, const Associate& a) {
            const auto start = hours::ParseDay(req.QueryValue("start").value_or(""));
            return GridPage(who, a, start.value_or(a.today),
                            std::string(req.QueryValue("setting").value_or("")), {}, 200);
          }));
  kit.Add("POST", "/hours/week",
          ForAssociate([this](Request& req, const TherapistSession& who,
                              const Associate& a) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            FormState form{.values = fields, .errors = {}, .error = {}};
            const auto start = hours::ParseDay(FormValue(fields, "start"));
            const Day monday = hours::WeekStart(start.value_or(a.today));
            const std::string setting_id = FormValue(fields, "setting_id");
            if (SettingName(a, setting_id).empty()) {
              form.error = "Choose the work setting of these hours.";
              return GridPage(who, a, monday, setting_id, form, 400);
            }
            auto sessions = SessionsFromGrid(form, monday, setting_id, a.today);
            if (form.errors.empty() && sessions.empty()) {
              form.error = "Type the hours of at least one day.";
            }
            if (form.errors.empty() && form.error.empty()) {
              auto made = h_.AddSessions(who.scope, sessions, CallerOf(req));
              if (made) {
                return Saved("/hours/sessions?week=" + hours::DayText(monday), "week_logged");
              }
              const ErrorCode code = made.error().code;
              if (code == ErrorCode::kInvalidArgument || code == ErrorCode::kFailedPrecondition) {
                form.error = made.error().public_message;
              } else if (code == ErrorCode::kNotFound) {
                form.error = "That work setting is not there any more. Choose again.";
              } else {
                return std::unexpected(made.error());
              }
            }
            return GridPage(who, a, monday, setting_id, form, 400);
          }),
          kFormBody);
}

}  // namespace alcove::web::hours_pages
