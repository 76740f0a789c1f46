// Signing weekly logs on the web (issue #15, C28 C42; docs/signing.md, docs/api.md):
// the supervisor's signing page (/sign: the token travels in the fragment) and its API
// (POST /api/v1/sign), the associate's signature of a week and its receipt, and the
// public verify page (/verify) and API.
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/hours/page_kit.hpp"
#include "web/hours/pages_internal.hpp"
#include "web/hours/routes_internal.hpp"
#include "web/page_words.hpp"

namespace alcove::web::hours_routes {

namespace json = boost::json;

namespace {

// A PIN, a decision and a comment; a token is 43 characters.
const RouteOptions kSignBody{.max_body_bytes = 16 * 1024, .rate_class = "consume"};
// A receipt is a few KiB; hours::ParseReceipt refuses more than 64 KiB.
const RouteOptions kVerifyBody{.max_body_bytes = 64 * 1024, .rate_class = "public_link"};
const RouteOptions kOpenPage{.rate_class = "public_link"};
constexpr std::size_t kMaxCommentBytes = 4000;

// A refusal of the signing service as its answer, or nullopt for any other error.
std::optional<Response> RefusalResponse(const Request& req, const Templates* t, const Error& e) {
  const auto refusal = hours::SigningRefusalOf(e);
  if (!refusal) {
    return std::nullopt;
  }
  return ErrorResponse(req, t, SigningRefusalStatus(*refusal), *refusal, e.public_message);
}

Result<hours::Decision> DecisionOf(std::string_view text) {
  if (text == "sign") {
    return hours::Decision::kSign;
  }
  if (text == "return") {
    return hours::Decision::kReturn;
  }
  return Fail(ErrorCode::kInvalidArgument, "bad decision",
              "`decision` must be \"sign\" or \"return\".");
}

Status CheckComment(std::string_view comment) {
  if (comment.size() > kMaxCommentBytes) {
    return Fail(ErrorCode::kInvalidArgument, "comment too long",
                "A comment may be at most 4000 characters.");
  }
  return {};
}

json::object ReceiptFactsJson(const hours::ReceiptFacts& f) {
  json::object out{{"valid", f.valid}};
  if (!f.valid) {
    out["problem"] = f.problem;
    return out;
  }
  json::object event{{"id", f.event_id},
                     {"action", f.action},
                     {"time", FormatRfc3339(f.time)},
                     {"seq", f.seq}};
  if (!f.week_id.empty()) {
    event["week_id"] = f.week_id;
    event["supervisor_id"] = f.supervisor_id;
    event["content_sha256"] = f.content_sha256;
  }
  if (!f.summary_id.empty()) {  // an experience-verification summary's signature
    event["summary_id"] = f.summary_id;
    event["supervisor_id"] = f.supervisor_id;
    event["content_sha256"] = f.content_sha256;
    event["from"] = f.period_from;
    event["to"] = f.period_to;
  }
  out["event"] = std::move(event);
  out["checkpoint"] = json::object{{"tree_size", f.tree_size}};
  return out;
}

// The signing page's data for a link that can be used.
TemplateData ViewData(const hours::SigningView& v, const std::string& token) {
  TemplateData d;
  d.set("view", true);
  d.set("token", token);
  d.set("week_id", v.week_id);
  d.set("associate", v.associate_name);
  d.set("week", hours_pages::DateWords(v.week_start));
  d.set("setting", v.setting_name);
  d.set("expires", FullTimeInWords(v.expires_at));
  d.set("tries_left", std::to_string(v.tries_left));
  d.set("few_tries", v.tries_left < hours::kMaxWrongPins);
  std::vector<TemplateData> rows;
  for (const hours::Category c : hours_pages::kCategoryOrder) {
    const auto minutes = v.totals.by_category[static_cast<int>(c)];
    if (minutes == 0) {
      continue;
    }
    TemplateData r;
    r.set("category", std::string(hours_pages::CategoryWords(c)));
    r.set("hours", hours_pages::HoursNumber(minutes));
    rows.push_back(r);
  }
  d.set("has_rows", !rows.empty());
  d.set("rows", hours_pages::List(std::move(rows)));
  d.set("direct", hours_pages::HoursNumber(v.totals.direct));
  d.set("nonclinical", hours_pages::HoursNumber(v.totals.nonclinical));
  d.set("total", hours_pages::HoursNumber(v.totals.total));
  return d;
}

class SigningRoutes final : public RouteSet {
 public:
  SigningRoutes(hours::Signing& signing, const Templates& templates)
      : s_(signing), t_(templates) {}

  void Add(RouteKit& kit) {
    AddSignApi(kit);
    AddSignPages(kit);
    AddSignatureApi(kit);
    AddVerify(kit);
  }

 private:
  Response SignPage(int status, TemplateData d) const {
    return Response::Html(status, t_.RenderPage("sign", "Sign a weekly log · Alcove", d));
  }
  Response Refused(int status, std::string_view message) const {
    TemplateData d;
    d.set("refused", std::string(message));
    return SignPage(status, d);
  }

  void AddSignApi(RouteKit& kit) {
    kit.Add(
        "POST", "/api/v1/sign",
        ForTokenHolders(std::string(hours::kSigningPurpose),
                        [this](Request& req) -> Result<Response> {
                          ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
                          for (const auto& [key, value] : body) {
                            if (key != "token" && key != "pin" && key != "decision" &&
                                key != "comment" && key != "week_id") {
                              return Fail(ErrorCode::kInvalidArgument, "unknown member",
                                          "Unknown member; expected `token`, `pin`, "
                                          "`decision`, `comment` and `week_id`.");
                            }
                          }
                          ALCOVE_TRY_ASSIGN(auto token, RequiredString(body, "token"));
                          ALCOVE_TRY_ASSIGN(auto pin, RequiredString(body, "pin"));
                          ALCOVE_TRY_ASSIGN(auto decision_text, RequiredString(body, "decision"));
                          ALCOVE_TRY_ASSIGN(auto comment, OptionalString(body, "comment"));
                          ALCOVE_TRY_ASSIGN(auto week_id, OptionalString(body, "week_id"));
                          ALCOVE_TRY_ASSIGN(auto decision, DecisionOf(decision_text));
                          ALCOVE_TRY(CheckComment(comment.value_or("")));
                          hours::SignRequest r;
                          r.decision = decision;
                          r.pin = crypto::SecretString(std::move(pin));
                          r.comment = crypto::PhiString(comment.value_or(""));
                          r.week_id = std::move(week_id);
                          auto out = s_.Sign(crypto::SecretString(std::move(token)), r,
                                             CallerOf(req));
                          if (!out) {
                            if (auto refused = RefusalResponse(req, nullptr, out.error())) {
                              return *refused;
                            }
                            return std::unexpected(out.error());
                          }
                          return SignAnswer(*out);
                        }),
        kSignBody);
  }

  Result<Response> SignAnswer(const hours::SignOutcome& out) {
    switch (out.kind) {
      case hours::SignOutcome::Kind::kWrongPin:
        return JsonResponse(401, json::object{{"error", json::object{{"code", "wrong_pin"},
                                                                     {"message", out.words}}},
                                              {"tries_left", out.tries_left}});
      case hours::SignOutcome::Kind::kReturned:
        return JsonResponse(200, json::object{{"status", "returned"}});
      case hours::SignOutcome::Kind::kSigned:
        break;
    }
    ALCOVE_TRY_ASSIGN(auto receipt, s_.ReceiptOf(out.tenant, out.signature->event_id));
    json::value r = receipt ? json::value(ReceiptJson(*receipt, out.signature->event_id))
                            : json::value(nullptr);
    return JsonResponse(200, json::object{{"status", "signed"}, {"receipt", std::move(r)}});
  }

  void AddSignPages(RouteKit& kit) {
    // The page the mail links to: a script reads the token from the fragment (never sent
    // to a server) and posts it; without scripts, the link is pasted.
    kit.Add("GET", "/sign",
            ForTokenHolders(std::string(hours::kSigningPurpose),
                            [this](Request&) -> Result<Response> {
                              TemplateData d;
                              d.set("opening", true);
                              return SignPage(200, d);
                            }),
            kOpenPage);
    kit.Add("POST", "/sign",
            ForTokenHolders(std::string(hours::kSigningPurpose),
                            [this](Request& req) -> Result<Response> {
                              ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
                              return SignForm(req, fields);
                            }),
            kSignBody);
  }

  Result<Response> SignForm(Request& req, const FormFields& fields) {
    const std::string token = SigningTokenOf(fields);
    auto view = s_.View(crypto::SecretString(std::string(token)));
    if (!view) {
      if (const auto refusal = hours::SigningRefusalOf(view.error())) {
        return Refused(SigningRefusalStatus(*refusal), view.error().public_message);
      }
      return std::unexpected(view.error());
    }
    const std::string decision_text = FormValue(fields, "decision");
    if (decision_text.empty()) {
      return SignPage(200, ViewData(*view, token));
    }
    auto decision = DecisionOf(decision_text);
    const std::string comment = FormValue(fields, "comment");
    if (!decision || !CheckComment(comment)) {
      TemplateData d = ViewData(*view, token);
      d.set("error", decision ? std::string("A comment may be at most 4000 characters.")
                              : decision.error().public_message);
      return SignPage(400, d);
    }
    hours::SignRequest r;
    r.decision = *decision;
    r.pin = crypto::SecretString(FormValue(fields, "pin"));
    r.comment = crypto::PhiString(std::string(comment));
    if (const std::string week = FormValue(fields, "week_id"); !week.empty()) {
      r.week_id = week;
    }
    auto out = s_.Sign(crypto::SecretString(std::string(token)), r, CallerOf(req));
    if (!out) {
      if (out.error().code == ErrorCode::kInvalidArgument) {
        TemplateData d = ViewData(*view, token);
        d.set("error", out.error().public_message);
        return SignPage(400, d);
      }
      if (const auto refusal = hours::SigningRefusalOf(out.error())) {
        return Refused(SigningRefusalStatus(*refusal), out.error().public_message);
      }
      return std::unexpected(out.error());
    }
    TemplateData d;
    switch (out->kind) {
      case hours::SignOutcome::Kind::kWrongPin: {
        view->tries_left = out->tries_left;
        d = ViewData(*view, token);
        d.set("error", out->words);
        return SignPage(401, d);
      }
      case hours::SignOutcome::Kind::kReturned:
        d.set("returned", true);
        break;
      case hours::SignOutcome::Kind::kSigned:
        d.set("signed", true);
        d.set("content_sha256", out->signature->content_sha256);
        d.set("signed_at", FullTimeInWords(out->signature->signed_at));
        break;
    }
    d.set("associate", view->associate_name);
    d.set("week", hours_pages::DateWords(view->week_start));
    d.set("setting", view->setting_name);
    return SignPage(200, d);
  }

  void AddSignatureApi(RouteKit& kit) {
    kit.Add("GET", "/api/v1/hours/weeks/{id}/signature",
            ForTherapist(Refusing([this](Request& req,
                                         const TherapistSession& who) -> Result<Response> {
              ALCOVE_TRY_ASSIGN(auto shown,
                                s_.GetSignature(who.scope, req.Param("id").value_or("")));
              if (!shown.receipt) {
                return JsonResponse(202, json::object{{"status", "pending"}});
              }
              const auto& sig = shown.signature;
              return JsonResponse(
                  200, json::object{{"signed_at", FormatRfc3339(sig.signed_at)},
                                    {"ip", sig.ip},
                                    {"content_sha256", sig.content_sha256},
                                    {"matches", sig.matches},
                                    {"supervisor", json::object{{"name", shown.supervisor_name}}},
                                    {"receipt", ReceiptJson(*shown.receipt, sig.event_id)}});
            })));
    // The receipt as a file, for the weekly logs page's download link.
    kit.Add("GET", "/api/v1/hours/weeks/{id}/signature/receipt",
            ForTherapist(Refusing([this](Request& req,
                                         const TherapistSession& who) -> Result<Response> {
              ALCOVE_TRY_ASSIGN(auto shown,
                                s_.GetSignature(who.scope, req.Param("id").value_or("")));
              if (!shown.receipt) {
                return Response::Text(202,
                                      "The receipt is not ready yet: the audit log signs a "
                                      "checkpoint within a minute. Try again then.\n");
              }
              Response res = Response::Text(200, *shown.receipt);
              res.headers.Set("Content-Disposition",
                              "attachment; filename=\"alcove-signature-" +
                                  shown.signature.week_id + ".txt\"");
              return res;
            })));
  }

  Response VerifyPage(int status, const std::string& receipt,
                      const std::optional<hours::ReceiptFacts>& facts) const {
    TemplateData d;
    d.set("receipt", receipt);
    if (facts) {
      d.set("checked", true);
      if (facts->valid) {
        d.set("valid", true);
        d.set("event_id", facts->event_id);
        d.set("action", facts->action);
        d.set("time", FullTimeInWords(facts->time) + " (" + FormatRfc3339(facts->time) + ")");
        d.set("tree_size", std::to_string(facts->tree_size));
        d.set("seq", std::to_string(facts->seq));
        if (!facts->week_id.empty()) {
          d.set("signature", true);
          d.set("week_id", facts->week_id);
          d.set("supervisor_id", facts->supervisor_id);
          d.set("content_sha256", facts->content_sha256);
        }
        if (!facts->summary_id.empty()) {
          d.set("summary_signature", true);
          d.set("summary_id", facts->summary_id);
          d.set("period", facts->period_from + " to " + facts->period_to);
          d.set("supervisor_id", facts->supervisor_id);
          d.set("content_sha256", facts->content_sha256);
        }
      } else {
        d.set("problem", facts->problem);
      }
    }
    d.set("verifier_key", s_.verifier_key());
    return Response::Html(status, t_.RenderPage("verify", "Check a receipt · Alcove", d));
  }

  void AddVerify(RouteKit& kit) {
    kit.Add("GET", "/verify", ForAnyone([this](Request&) -> Result<Response> {
              return VerifyPage(200, "", std::nullopt);
            }),
            kOpenPage);
    kit.Add("POST", "/verify", ForAnyone([this](Request& req) -> Result<Response> {
              ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
              const std::string receipt = FormValue(fields, "receipt");
              const auto facts = s_.CheckReceiptText(receipt);
              return VerifyPage(facts.valid ? 200 : 422, receipt, facts);
            }),
            kVerifyBody);
    kit.Add("POST", "/api/v1/verify", ForAnyone([this](Request& req) -> Result<Response> {
              ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
              ALCOVE_TRY_ASSIGN(auto receipt, RequiredString(body, "receipt"));
              return JsonResponse(200, ReceiptFactsJson(s_.CheckReceiptText(receipt)));
            }),
            kVerifyBody);
  }

  hours::Signing& s_;
  const Templates& t_;
};

}  // namespace

int SigningRefusalStatus(std::string_view refusal) {
  if (refusal == "link_gone") {
    return 410;
  }
  if (refusal == "link_locked") {
    return 423;
  }
  if (refusal == "wrong_pin") {
    return 401;
  }
  return 409;  // week_changed, other_week, summary_changed, pin_not_set
}

json::object ReceiptJson(const std::string& text, const std::string& event_id) {
  return json::object{{"format", "alcove-audit-receipt v1"}, {"event_id", event_id},
                      {"text", text}};
}

std::string SigningTokenOf(const FormFields& fields) {
  std::string token = FormValue(fields, "token");
  if (const auto at = token.find("#token="); at != std::string::npos) {
    token = token.substr(at + 7);
  }
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.pop_back();
  }
  return token;
}

std::unique_ptr<RouteSet> AddSigningRoutes(RouteKit& kit, hours::Signing& signing,
                                           const Templates& templates) {
  auto routes = std::make_unique<SigningRoutes>(signing, templates);
  routes->Add(kit);
  return routes;
}

}  // namespace alcove::web::hours_routes
