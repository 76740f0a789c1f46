// Signing experience-verification summaries on the web (issue #15, C28 C42; docs/signing.md
// § The verification summary, docs/api.md).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "store/ids.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/hours/json.hpp"
#include "web/hours/page_kit.hpp"
#include "web/hours/pages_internal.hpp"
#include "web/hours/routes_internal.hpp"
#include "web/hours/verification.hpp"
#include "web/page_words.hpp"

namespace alcove::web::hours_routes {

namespace json = boost::json;

namespace {

const RouteOptions kSignBody{.max_body_bytes = 16 * 1024, .rate_class = "consume"};
const RouteOptions kOpenPage{.rate_class = "public_link"};
// Building a summary reads every week of the period: off the event loop.
const RouteOptions kBuildRoute{.max_body_bytes = 16 * 1024, .runs_inline = false};

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "summary signing request malformed", std::move(message));
}

// The associate of a link as the therapist scope of their tenant (the holder of the link
// has no session: the link is the authority, as for weeks).
Result<identity::TherapistScope> AssociateOf(const hours::SummaryLinkView& v) {
  return identity::TherapistScope::From(identity::Principal{.account_id = v.associate_account_id,
                                                            .tenant = v.tenant,
                                                            .role = identity::Role::kTherapist});
}

std::string RequirementWords(const forms::RequirementLine& r) {
  const auto amount = [&r](std::int64_t n) {
    return r.in_weeks ? fmt::format("{} week{}", n, n == 1 ? "" : "s")
                      : fmt::format("{} hours", hours_pages::HoursNumber(n));
  };
  return fmt::format("{} of {} {}", amount(r.counted), r.minimum ? "at least" : "at most",
                     amount(r.required));
}

class SummarySigningRoutes final : public RouteSet {
 public:
  SummarySigningRoutes(IdentityServices& identity, hours::Hours& hours, const HoursExtras& x,
                       const Templates& templates)
      : id_(identity),
        h_(hours),
        x_(x),
        t_(templates),
        verify_url_(identity.identity.options().public_origin + "/verify") {}

  void Add(RouteKit& kit) {
    AddAssociateRoutes(kit);
    AddSupervisorRoutes(kit);
  }

 private:
  // ---- The associate's side ----

  // The summary of the caller's active supervisor link `link` over the asked period.
  Result<BuiltSummary> Summary(const TherapistSession& who, const std::string& link,
                               std::optional<hours::Day> from, std::optional<hours::Day> to) {
    ALCOVE_TRY(h_.ListSettings(who.scope));  // no profile: 409 no_profile
    if (link.empty()) {
      return Bad("Say which supervisor: `supervisor_id`, the link's id.");
    }
    if (!store::IsValidId(link)) {
      return Fail(ErrorCode::kNotFound, "summary signing: not an id", "No such supervisor.");
    }
    ALCOVE_TRY_ASSIGN(const auto supervisor, x_.supervisors.active(who.scope.tenant(), link));
    return BuildSummary(h_, id_.identity, who.scope, supervisor, from, to, id_.clock.Now(),
                        verify_url_);
  }

  Result<hours::SummaryRequest> Ask(Request& req, const TherapistSession& who,
                                    const std::string& link, std::optional<hours::Day> from,
                                    std::optional<hours::Day> to) {
    ALCOVE_TRY_ASSIGN(const auto summary, Summary(who, link, from, to));
    return x_.summary_signing.Request(who.scope, link, summary.period, summary.content_sha256,
                                      CallerOf(req));
  }

  // A request as JSON; a signed one says whether it matches the summary of its period now,
  // and carries its receipt once a checkpoint covers it.
  Result<json::object> RequestJson(const TherapistSession& who, const hours::SummaryRequest& r) {
    json::object o{{"id", r.id},
                   {"supervisor_id", r.supervisor_link_id},
                   {"status", std::string(hours::SummaryLinkStatusName(r.status))},
                   {"from", hours::DayText(r.period.from)},
                   {"to", hours::DayText(r.period.to)},
                   {"content_sha256", r.content_sha256},
                   {"asked_at", FormatRfc3339(r.asked_at)},
                   {"expires_at", FormatRfc3339(r.expires_at)}};
    if (!r.signed_at) {
      return o;
    }
    o["signed_at"] = FormatRfc3339(*r.signed_at);
    o["ip"] = r.ip;
    auto now = Summary(who, r.supervisor_link_id, r.period.from, r.period.to);
    if (!now && now.error().code != ErrorCode::kNotFound) {
      return std::unexpected(now.error());
    }
    o["matches"] = now && now->content_sha256 == r.content_sha256;
    ALCOVE_TRY_ASSIGN(auto receipt, x_.signing.ReceiptOf(who.scope.tenant(), r.event_id));
    o["receipt"] = receipt ? json::value(ReceiptJson(*receipt, r.event_id)) : json::value(nullptr);
    return o;
  }

  void AddAssociateRoutes(RouteKit& kit) {
    kit.Add("POST", "/api/v1/hours/verification/signing-requests",
            ForTherapist(
                Refusing([this](Request& req, const TherapistSession& who) -> Result<Response> {
                  ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
                  for (const auto& [key, value] : body) {
                    if (key != "supervisor_id" && key != "from" && key != "to") {
                      return Bad("Unknown member; expected `supervisor_id`, `from` and `to`.");
                    }
                  }
                  ALCOVE_TRY_ASSIGN(auto link, RequiredString(body, "supervisor_id"));
                  std::optional<hours::Day> from;
                  std::optional<hours::Day> to;
                  for (const auto& [key, out] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
                    ALCOVE_TRY_ASSIGN(auto text, OptionalString(body, key));
                    if (text && !text->empty()) {
                      ALCOVE_TRY_ASSIGN(*out, hours_json::DayParam(*text, key));
                    }
                  }
                  ALCOVE_TRY_ASSIGN(const auto r, Ask(req, who, link, from, to));
                  ALCOVE_TRY_ASSIGN(auto o, RequestJson(who, r));
                  return JsonResponse(201, o);
                })),
            kBuildRoute);
    kit.Add("GET", "/api/v1/hours/verification/signatures",
            ForTherapist(
                Refusing([this](Request& req, const TherapistSession& who) -> Result<Response> {
                  ALCOVE_TRY(h_.ListSettings(who.scope));
                  const std::string link(req.QueryValue("supervisor_id").value_or(""));
                  if (link.empty()) {
                    return Bad("Say which supervisor: `supervisor_id`, the link's id.");
                  }
                  ALCOVE_TRY_ASSIGN(const auto list, x_.summary_signing.List(who.scope, link));
                  json::array out;
                  for (const auto& r : list) {
                    ALCOVE_TRY_ASSIGN(auto o, RequestJson(who, r));
                    out.push_back(std::move(o));
                  }
                  return JsonResponse(200, out);
                })),
            kBuildRoute);
    kit.Add("GET", "/api/v1/hours/verification/signatures/{id}/receipt",
            ForTherapist(Refusing([this](Request& req,
                                         const TherapistSession& who) -> Result<Response> {
              ALCOVE_TRY_ASSIGN(const auto r,
                                x_.summary_signing.Get(who.scope, req.Param("id").value_or("")));
              if (!r.signed_at) {
                return Fail(ErrorCode::kNotFound, "summary not signed",
                            "This summary is not signed yet.");
              }
              ALCOVE_TRY_ASSIGN(auto receipt, x_.signing.ReceiptOf(who.scope.tenant(), r.event_id));
              if (!receipt) {
                return Response::Text(202,
                                      "The receipt is not ready yet: the audit log signs a "
                                      "checkpoint within a minute. Try again then.\n");
              }
              Response res = Response::Text(200, *receipt);
              res.headers.Set("Content-Disposition",
                              "attachment; filename=\"alcove-summary-signature-" + r.id + ".txt\"");
              return res;
            })));
    // The progress page's button (pages.cpp shows the requests).
    kit.Add("POST", "/hours/verification/ask",
            ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
              ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
              auto asked =
                  Ask(req, who, FormValue(fields, "supervisor_id"), std::nullopt, std::nullopt);
              if (!asked) {
                if (HttpStatusFor(asked.error().code) >= 500 || hours::RefusalOf(asked.error())) {
                  return std::unexpected(asked.error());
                }
                return hours_pages::Saved("/hours", asked.error().code == ErrorCode::kNotFound
                                                        ? "summary_no_weeks"
                                                        : "summary_not_asked");
              }
              return hours_pages::Saved("/hours", "summary_asked");
            }),
            kBuildRoute);
  }

  // ---- The supervisor's side (the link is the authority) ----

  Response Page(int status, TemplateData d) const {
    return Response::Html(
        status, t_.RenderPage("sign_summary", "Sign an experience verification · Alcove", d));
  }
  Response Refused(int status, std::string_view message) const {
    TemplateData d;
    d.set("refused", std::string(message));
    return Page(status, d);
  }

  // The link's summary rebuilt now, and whether it is still what was asked for.
  Result<BuiltSummary> Rebuild(const hours::SummaryLinkView& v) {
    ALCOVE_TRY_ASSIGN(const auto scope, AssociateOf(v));
    ALCOVE_TRY_ASSIGN(const auto supervisor, x_.supervisors.active(v.tenant, v.supervisor_link_id));
    return BuildSummary(h_, id_.identity, scope, supervisor, v.period.from, v.period.to,
                        id_.clock.Now(), verify_url_);
  }

  static std::unexpected<Error> Changed() {
    return Fail(ErrorCode::kFailedPrecondition, "summary_changed: summary differs from the request",
                "The associate's hours changed after they asked you to sign, so this link no "
                "longer signs the summary. Ask them to ask you again: you will get a new link.");
  }

  // What the supervisor sees: the summary's aggregates (C29: totals, weeks and counts).
  TemplateData ViewData(const hours::SummaryLinkView& v, const BuiltSummary& s,
                        const std::string& token) const {
    const forms::VerificationForm& f = s.form;
    TemplateData d;
    d.set("view", true);
    d.set("token", token);
    d.set("associate", v.associate_name);
    d.set("track", std::string(hours_pages::TrackFull(f.track)));
    if (!f.registration_number.empty()) {
      d.set("registration_number", f.registration_number);
    }
    d.set("supervisor", f.supervisor_name);
    std::string settings;
    for (const auto& name : f.settings) {
      settings += (settings.empty() ? "" : "; ") + name;
    }
    d.set("settings", settings);
    d.set("period", f.first_week == f.last_week
                        ? "The week of " + hours_pages::DateWords(f.first_week)
                        : "The weeks of " + hours_pages::DateWords(f.first_week) + " to " +
                              hours_pages::DateWords(f.last_week));
    std::vector<TemplateData> rows;
    for (const auto& c : f.categories) {
      TemplateData r;
      r.set("category", c.label);
      r.set("hours", hours_pages::HoursNumber(c.minutes));
      rows.push_back(r);
    }
    d.set("rows", hours_pages::List(std::move(rows)));
    d.set("logged", hours_pages::HoursNumber(f.logged_minutes));
    d.set("credited", hours_pages::HoursNumber(f.credited_minutes));
    std::vector<TemplateData> reqs;
    for (const auto& r : f.requirements) {
      TemplateData t;
      t.set("label", r.label);
      t.set("words", RequirementWords(r));
      reqs.push_back(t);
    }
    d.set("requirements", hours_pages::List(std::move(reqs)));
    d.set("weeks_supervised", std::to_string(f.weeks_supervised));
    d.set("weekly_logs", std::to_string(f.weekly_logs));
    d.set("signed_logs", std::to_string(f.signed_logs));
    d.set("signed_changed", std::to_string(f.signed_changed));
    d.set("has_changed", f.signed_changed > 0);
    d.set("content_sha256", s.content_sha256);
    d.set("expires", FullTimeInWords(v.expires_at));
    d.set("tries_left", std::to_string(v.tries_left));
    d.set("few_tries", v.tries_left < hours::kMaxWrongPins);
    return d;
  }

  // The link of `token` and its summary now, or the refusal as a page or JSON.
  struct Opened {
    hours::SummaryLinkView view;
    BuiltSummary summary;
  };
  Result<Opened> Open(const std::string& token) {
    ALCOVE_TRY_ASSIGN(auto view, x_.summary_signing.Open(crypto::SecretString(std::string(token))));
    auto summary = Rebuild(view);
    if (!summary) {
      if (summary.error().code == ErrorCode::kNotFound || hours::RefusalOf(summary.error())) {
        return Changed();  // no weeks any more, or no profile
      }
      return std::unexpected(summary.error());
    }
    if (summary->content_sha256 != view.content_sha256) {
      return Changed();
    }
    return Opened{.view = std::move(view), .summary = std::move(*summary)};
  }

  Result<Response> SignForm(Request& req, const FormFields& fields) {
    const std::string token = SigningTokenOf(fields);
    auto opened = Open(token);
    if (!opened) {
      if (const auto refusal = hours::SigningRefusalOf(opened.error())) {
        return Refused(SigningRefusalStatus(*refusal), opened.error().public_message);
      }
      return std::unexpected(opened.error());
    }
    if (FormValue(fields, "decision") != "sign") {
      return Page(200, ViewData(opened->view, opened->summary, token));
    }
    auto out = x_.summary_signing.Sign(crypto::SecretString(std::string(token)),
                                       crypto::SecretString(FormValue(fields, "pin")),
                                       opened->summary.content_sha256, CallerOf(req));
    if (!out) {
      if (out.error().code == ErrorCode::kInvalidArgument) {
        TemplateData d = ViewData(opened->view, opened->summary, token);
        d.set("error", out.error().public_message);
        return Page(400, d);
      }
      if (const auto refusal = hours::SigningRefusalOf(out.error())) {
        return Refused(SigningRefusalStatus(*refusal), out.error().public_message);
      }
      return std::unexpected(out.error());
    }
    if (out->wrong_pin) {
      opened->view.tries_left = out->tries_left;
      TemplateData d = ViewData(opened->view, opened->summary, token);
      d.set("error", out->words);
      return Page(401, d);
    }
    TemplateData d;
    d.set("signed", true);
    d.set("associate", opened->view.associate_name);
    d.set("content_sha256", out->signature->content_sha256);
    d.set("signed_at", FullTimeInWords(*out->signature->signed_at));
    return Page(200, d);
  }

  void AddSupervisorRoutes(RouteKit& kit) {
    const std::string purpose(hours::kSummarySigningPurpose);
    kit.Add("GET", "/sign/summary",
            ForTokenHolders(purpose,
                            [this](Request&) -> Result<Response> {
                              TemplateData d;
                              d.set("opening", true);
                              return Page(200, d);
                            }),
            kOpenPage);
    kit.Add("POST", "/sign/summary",
            ForTokenHolders(purpose,
                            [this](Request& req) -> Result<Response> {
                              ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
                              return SignForm(req, fields);
                            }),
            kSignBody);
    kit.Add("POST", "/api/v1/sign/summary",
            ForTokenHolders(
                purpose,
                [this](Request& req) -> Result<Response> {
                  ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
                  for (const auto& [key, value] : body) {
                    if (key != "token" && key != "pin") {
                      return Bad("Unknown member; expected `token` and `pin`.");
                    }
                  }
                  ALCOVE_TRY_ASSIGN(auto token, RequiredString(body, "token"));
                  ALCOVE_TRY_ASSIGN(auto pin, RequiredString(body, "pin"));
                  auto answer = [&]() -> Result<Response> {
                    ALCOVE_TRY_ASSIGN(const auto opened, Open(token));
                    ALCOVE_TRY_ASSIGN(
                        const auto out,
                        x_.summary_signing.Sign(crypto::SecretString(std::string(token)),
                                                crypto::SecretString(std::move(pin)),
                                                opened.summary.content_sha256, CallerOf(req)));
                    if (out.wrong_pin) {
                      return JsonResponse(
                          401, json::object{{"error", json::object{{"code", "wrong_pin"},
                                                                   {"message", out.words}}},
                                            {"tries_left", out.tries_left}});
                    }
                    const auto& sig = *out.signature;
                    ALCOVE_TRY_ASSIGN(auto receipt, x_.signing.ReceiptOf(out.tenant, sig.event_id));
                    return JsonResponse(
                        200,
                        json::object{
                            {"status", "signed"},
                            {"content_sha256", sig.content_sha256},
                            {"receipt", receipt ? json::value(ReceiptJson(*receipt, sig.event_id))
                                                : json::value(nullptr)}});
                  }();
                  if (!answer) {
                    if (const auto refusal = hours::SigningRefusalOf(answer.error())) {
                      return ErrorResponse(req, nullptr, SigningRefusalStatus(*refusal), *refusal,
                                           answer.error().public_message);
                    }
                  }
                  return answer;
                }),
            kSignBody);
  }

  IdentityServices& id_;
  hours::Hours& h_;
  HoursExtras x_;
  const Templates& t_;
  std::string verify_url_;
};

}  // namespace

std::unique_ptr<RouteSet> AddSummarySigningRoutes(RouteKit& kit, IdentityServices& identity,
                                                  hours::Hours& hours, const HoursExtras& extras,
                                                  const Templates& templates) {
  auto routes = std::make_unique<SummarySigningRoutes>(identity, hours, extras, templates);
  routes->Add(kit);
  return routes;
}

}  // namespace alcove::web::hours_routes
