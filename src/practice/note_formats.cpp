// What the note formats say about their sections: prompts, conversion between formats,
// the session's time fields and the names of draft targets.
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "practice/internal.hpp"
#include "practice/types.hpp"
#include "store/ids.hpp"

namespace alcove::practice {
namespace {

struct Prompt {
  NoteFormat format;
  std::string_view section;
  std::string_view text;
};

constexpr Prompt kPrompts[] = {
    {NoteFormat::kSoap, "subjective", "What the client reports: concerns, mood, in their words."},
    {NoteFormat::kSoap, "objective", "What you observed: affect, behaviour, appearance, measures."},
    {NoteFormat::kSoap, "assessment", "Your clinical reading: progress, risk, working hypotheses."},
    {NoteFormat::kSoap, "plan", "Next steps: interventions, homework, the next session."},
    {NoteFormat::kDap, "data", "What was said and observed in the session."},
    {NoteFormat::kDap, "assessment", "Your interpretation: progress toward goals, risk."},
    {NoteFormat::kDap, "plan", "Next steps: interventions, homework, the next session."},
    {NoteFormat::kBirp, "behavior", "How the client presented; what they reported."},
    {NoteFormat::kBirp, "intervention", "What you did: techniques, topics, exercises."},
    {NoteFormat::kBirp, "response", "How the client responded to the interventions."},
    {NoteFormat::kBirp, "plan", "Next steps: homework, referrals, the next session."},
};

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Capitalized(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') {
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  }
  return out;
}

}  // namespace

std::string_view SectionPrompt(NoteFormat format, std::string_view section) {
  for (const auto& p : kPrompts) {
    if (p.format == format && p.section == section) {
      return p.text;
    }
  }
  return "";
}

Sections ConvertSections(const Sections& content, NoteFormat to) {
  const auto names = SectionsOf(to);
  Sections out;
  for (const auto name : names) {
    out.emplace_back(std::string(name), crypto::PhiString(std::string()));
  }
  std::string moved;  // texts of sections `to` does not have
  for (const auto& [name, text] : content) {
    if (text.reveal().empty()) {
      continue;
    }
    const auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end()) {
      auto& slot = out[static_cast<std::size_t>(it - names.begin())].second;
      std::string joined(slot.reveal());
      joined += joined.empty() ? "" : "\n\n";
      joined += text.reveal();
      slot = crypto::PhiString(std::move(joined));
      continue;
    }
    moved += moved.empty() ? "" : "\n\n";
    // A free note's text needs no heading of its own.
    if (name != "text") {
      moved += Capitalized(name) + ":\n";
    }
    moved += text.reveal();
  }
  if (!moved.empty()) {
    std::string first(out.front().second.reveal());
    first += first.empty() ? "" : "\n\n";
    first += moved;
    out.front().second = crypto::PhiString(std::move(first));
  }
  return out;
}

std::optional<FieldProblem> CheckSessionTime(const SessionTime& s) {
  if (!internal::IsDate(s.date)) {
    return FieldProblem{"session_date", "Enter the session date like 2026-11-23."};
  }
  if (!s.time.empty()) {
    const std::string_view t = s.time;
    const bool shape = t.size() == 5 && t[2] == ':' && IsDigits(t.substr(0, 2)) &&
                       IsDigits(t.substr(3, 2));
    if (!shape || (t[0] - '0') * 10 + (t[1] - '0') > 23 || t[3] > '5') {
      return FieldProblem{"session_time", "Enter the start time like 09:30 (24 hours)."};
    }
  }
  if (s.minutes < 0 || s.minutes > kMaxSessionMinutes) {
    return FieldProblem{"duration_minutes",
                        fmt::format("Enter the length in minutes, up to {}.", kMaxSessionMinutes)};
  }
  return std::nullopt;
}

bool IsDraftTarget(std::string_view target) {
  for (const std::string_view kind : {"note:", "summary:"}) {
    if (target.starts_with(kind)) {
      const auto rest = target.substr(kind.size());
      return rest == "new" || store::IsValidId(rest);
    }
  }
  return false;
}

}  // namespace alcove::practice
