// The public form of a questionnaire link (API.md § Questionnaires; docs/measures.md
// § The public form): GET /q/{token} shows the instrument, POST /q/{token} submits it.
// No sign-in: the token in the path is the authority (C27), and the same-origin check of
// every write (SameOriginWrites) is the CSRF defence, as for /sign and /verify. Both are
// rate limited per address (C30, class public_link) by the route facade before anything
// here runs. No script: the form works on any phone with scripts off.
//
// Client content on these pages is only the client's own answers, shown back to them
// when the form comes again; never in the title, the log or an error's internal text.
#include <string>
#include <vector>

#include "measures/scoring.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/measures/form_view.hpp"
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

}  // namespace

void MeasuresRoutes::AddPublicForm(RouteKit& kit) {
  // The one page of a link that cannot be used: the same bytes whatever the reason.
  auto gone = [this] {
    return Response::Html(kGoneStatus, t_.RenderPage("q_gone", kGoneTitle, TemplateData{}));
  };
  // LinkUnusable is kUnauthenticated; every other error goes to the error answer.
  auto unusable = [](const Error& e) { return e.code == ErrorCode::kUnauthenticated; };

  kit.Add("GET", "/q/{token}",
          ForTokenHolders(
              std::string(measures::kLinkPurpose),
              [this, gone, unusable](Request& req) -> Result<Response> {
                auto view =
                    m_.OpenLink(crypto::SecretString(std::string(req.Param("token").value_or(""))));
                if (!view) {
                  if (unusable(view.error())) {
                    return gone();
                  }
                  return std::unexpected(view.error());
                }
                return Response::Html(
                    200,
                    t_.RenderPage("q_form", kTitle,
                                  FormData(*view->instrument, view->practice_name, nullptr, "")));
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
                      422,
                      t_.RenderPage("q_form", kErrorTitle,
                                    FormData(*view->instrument, view->practice_name, &given, "")));
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
                                           FormData(*view->instrument, view->practice_name, &given,
                                                    id.error().public_message)));
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
