// The public form of a questionnaire link (API.md § Questionnaires; docs/measures.md
// § The public form): GET /q/{token} shows the instrument, POST /q/{token} submits it.
// No sign-in: the token in the path is the authority (C27), and the same-origin check of
// every write (SameOriginWrites) is the CSRF defence, as for /sign and /verify. Both are
// rate limited per address (C30, class public_link) by the route facade before anything
// here runs. No script: the form works on any phone with scripts off.
//
// Client content on these pages is only the client's own answers, shown back to them
// when the form comes again; never in the title, the log or an error's internal text.
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "measures/scoring.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/measures/routes_internal.hpp"

namespace alcove::web::measures_routes {

namespace {

// The page's title names no client and no instrument (a shared phone's history).
constexpr std::string_view kTitle = "Questionnaire · Alcove";
constexpr std::string_view kErrorTitle = "Error: Questionnaire · Alcove";
constexpr std::string_view kGoneTitle = "Link no longer works · Alcove";
// A form of item1..itemN: the longest instrument has 21 items of a few bytes each.
const RouteOptions kFormPage{.rate_class = "public_link"};
const RouteOptions kFormBody{.max_body_bytes = 8 * 1024, .rate_class = "public_link"};
// One status for every unusable link (unknown, used, expired, cancelled, client gone).
constexpr int kGoneStatus = 410;

// The form's answers: one byte per item (kNoAnswer where none), with what is wrong with
// each item (empty when nothing).
struct FormAnswers {
  std::vector<std::uint8_t> values;
  std::vector<std::string> problems;
  bool ok = true;
};

std::string FieldName(int item) { return fmt::format("item{}", item); }

// Reads item1..itemN of `fields` against the instrument: a scored item needs one of its
// values; an unscored one may be left out. Other fields are ignored.
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

TemplateData List(std::vector<TemplateData> items) {
  TemplateData out{TemplateData::type::list};
  for (auto& i : items) {
    out.push_back(i);
  }
  return out;
}

// The form's data: the instrument, who asks, and (when it comes again) the answers given
// and what is wrong.
TemplateData FormData(const measures::LinkView& view, const FormAnswers* given,
                      const std::string& error) {
  const measures::Instrument& in = *view.instrument;
  TemplateData d;
  d.set("instrument", in.title);
  d.set("practice", view.practice_name);
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

}  // namespace

void MeasuresRoutes::AddPublicForm(RouteKit& kit) {
  // The one page of a link that cannot be used: the same bytes whatever the reason.
  auto gone = [this] {
    return Response::Html(kGoneStatus, t_.RenderPage("q_gone", kGoneTitle, TemplateData{}));
  };
  // LinkUnusable is kUnauthenticated; every other error goes to the error answer.
  auto unusable = [](const Error& e) { return e.code == ErrorCode::kUnauthenticated; };

  kit.Add("GET", "/q/{token}",
          ForTokenHolders(std::string(measures::kLinkPurpose),
                          [this, gone, unusable](Request& req) -> Result<Response> {
                            auto view = m_.OpenLink(
                                crypto::SecretString(std::string(req.Param("token").value_or(""))));
                            if (!view) {
                              if (unusable(view.error())) {
                                return gone();
                              }
                              return std::unexpected(view.error());
                            }
                            return Response::Html(
                                200, t_.RenderPage("q_form", kTitle, FormData(*view, nullptr, "")));
                          }),
          kFormPage);

  kit.Add("POST", "/q/{token}",
          ForTokenHolders(
              std::string(measures::kLinkPurpose),
              [this, gone, unusable](Request& req) -> Result<Response> {
                const crypto::SecretString token(std::string(req.Param("token").value_or("")));
                auto view = m_.OpenLink(token);
                if (!view) {
                  if (unusable(view.error())) {
                    return gone();
                  }
                  return std::unexpected(view.error());
                }
                auto fields = FormBody(req);
                FormAnswers given;
                if (fields) {
                  given = ReadAnswers(*view->instrument, *fields);
                } else {
                  given = ReadAnswers(*view->instrument, FormFields{});
                }
                if (!given.ok) {
                  return Response::Html(
                      422, t_.RenderPage("q_form", kErrorTitle, FormData(*view, &given, "")));
                }
                const measures::Answers answers(std::vector<std::uint8_t>(given.values));
                auto id = m_.Submit(token, answers, CallerOf(req));
                if (!id) {
                  if (unusable(id.error())) {
                    return gone();
                  }
                  if (id.error().code == ErrorCode::kInvalidArgument) {
                    return Response::Html(
                        422, t_.RenderPage("q_form", kErrorTitle,
                                           FormData(*view, &given, id.error().public_message)));
                  }
                  return std::unexpected(id.error());
                }
                TemplateData d;
                d.set("practice", view->practice_name);
                return Response::Html(200, t_.RenderPage("q_done", kTitle, d));
              }),
          kFormBody);
}

}  // namespace alcove::web::measures_routes
