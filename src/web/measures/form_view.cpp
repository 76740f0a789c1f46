// The questionnaire form's answers and data (form_view.hpp).
#include "web/measures/form_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace alcove::web::measures_routes {
namespace {

std::string FieldName(int item) { return fmt::format("item{}", item); }

TemplateData List(std::vector<TemplateData> items) {
  TemplateData out{TemplateData::type::list};
  for (auto& i : items) {
    out.push_back(i);
  }
  return out;
}

}  // namespace

FormAnswers ReadAnswers(const measures::Instrument& in, const FormFields& fields) {
  FormAnswers out;
  out.values.assign(in.items.size(), measures::kNoAnswer);
  out.problems.assign(in.items.size(), "");
  for (std::size_t i = 0; i < in.items.size(); ++i) {
    const measures::Item& item = in.items[i];
    const std::string text = FormValue(fields, FieldName(item.number));
    if (text.empty()) {
      if (item.scored) {
        out.problems[i] = fmt::format("Question {} needs an answer.", item.number);
        out.ok = false;
      }
      continue;
    }
    int value = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool listed =
        ec == std::errc() && end == text.data() + text.size() &&
        std::ranges::any_of(item.options, [&](const auto& o) { return o.value == value; });
    if (!listed) {
      out.problems[i] = fmt::format("Question {}: choose one of the answers.", item.number);
      out.ok = false;
      continue;
    }
    out.values[i] = static_cast<std::uint8_t>(value);
  }
  return out;
}

TemplateData FormData(const measures::Instrument& in, std::string_view practice,
                      const FormAnswers* given, const std::string& error,
                      std::string_view csrf_token) {
  TemplateData d;
  d.set("instrument", in.title);
  d.set("practice", std::string(practice));
  if (!csrf_token.empty()) {
    d.set("csrf_token", std::string(csrf_token));
  }
  d.set("instructions", in.instructions);
  std::vector<TemplateData> items;
  std::vector<TemplateData> summary;
  for (std::size_t i = 0; i < in.items.size(); ++i) {
    const measures::Item& item = in.items[i];
    TemplateData it;
    it.set("number", std::to_string(item.number));
    it.set("name", FieldName(item.number));
    it.set("text", item.text);
    it.set("required", item.scored);
    std::vector<TemplateData> options;
    for (std::size_t k = 0; k < item.options.size(); ++k) {
      const measures::AnswerOption& o = item.options[k];
      TemplateData opt;
      opt.set("id", fmt::format("item{}-{}", item.number, k));
      opt.set("value", std::to_string(o.value));
      opt.set("label", o.label);
      opt.set("required", item.scored);
      opt.set("checked", given != nullptr && given->values[i] != measures::kNoAnswer &&
                             given->values[i] == o.value);
      options.push_back(opt);
    }
    it.set("options", List(std::move(options)));
    if (given != nullptr && !given->problems[i].empty()) {
      it.set("problem", given->problems[i]);
      TemplateData s;
      s.set("href", fmt::format("#item{}-0", item.number));
      s.set("message", given->problems[i]);
      summary.push_back(s);
    }
    items.push_back(it);
  }
  d.set("items", List(std::move(items)));
  if (!summary.empty() || !error.empty()) {
    d.set("has_errors", true);
    d.set("errors", List(std::move(summary)));
    if (!error.empty()) {
      d.set("error", error);
    }
  }
  return d;
}

}  // namespace alcove::web::measures_routes
