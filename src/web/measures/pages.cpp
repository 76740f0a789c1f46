// The therapist's questionnaire pages (docs/measures.md § Pages, § The safety flag): a
// client's questionnaires (assign, the link shown once with its QR code, pending links,
// trends, results with their answers), marking a result reviewed, and what the Today page
// and the client's record page show of them. No JavaScript needed; URLs and titles carry
// ids and the alias only.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <qrencode.h>

#include <map>
#include <memory>
#include <set>

#include "measures/instruments.hpp"
#include "store/ids.hpp"
#include "web/body.hpp"
#include "web/measures/page_data.hpp"
#include "web/measures/routes_internal.hpp"
#include "web/measures/trend_chart.hpp"

namespace alcove::web::measures_routes {
namespace {

using measures::Assignment;
using measures::AssignmentStatus;
using measures::Instrument;
using measures::MeasureResult;

const RouteOptions kFormBody{.max_body_bytes = 16 * 1024, .runs_inline = false};

Response SeeOther(std::string location) {
  Response res = Response::Text(303, "See " + location + "\n");
  res.headers.Set("Location", std::move(location));
  return res;
}

// The link lifetimes the form offers, in hours (the service allows 1 hour to 30 days).
struct Lifetime {
  int hours;
  const char* words;
};
constexpr Lifetime kLifetimes[] = {{1, "1 hour"},   {24, "1 day"},    {72, "3 days"},
                                   {168, "7 days"}, {336, "14 days"}, {720, "30 days"}};
constexpr int kDefaultLifetimeHours = 168;
// At most this many new results are read for the Today page.
constexpr std::size_t kTodayResults = 100;

struct QrDeleter {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

// The link as a QR code, an inline SVG of dark modules on a light square (both fixed
// colours, whatever the theme: scanners want dark on light), with the standard's quiet
// zone of four modules. Empty when the link does not encode (it always should).
std::string QrSvg(const std::string& url) {
  std::unique_ptr<QRcode, QrDeleter> qr(QRcode_encodeString8bit(url.c_str(), 0, QR_ECLEVEL_M));
  if (!qr) {
    return "";
  }
  const int n = qr->width;
  std::string path;
  for (int row = 0; row < n; ++row) {
    for (int col = 0; col < n; ++col) {
      if ((qr->data[row * n + col] & 1) != 0) {
        path += fmt::format("M{} {}h1v1h-1z", col + 4, row + 4);
      }
    }
  }
  return fmt::format(
      R"(<svg class="qr" role="img" aria-label="QR code of the link" viewBox="0 0 {0} {0}" )"
      R"(xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">)"
      R"(<rect class="qr-light" width="{0}" height="{0}"/><path class="qr-dark" d="{1}"/></svg>)",
      n + 8, path);
}

std::string StatusWords(AssignmentStatus s) {
  switch (s) {
    case AssignmentStatus::kPending:
      return "Waiting";
    case AssignmentStatus::kUsed:
      return "Filled in";
    case AssignmentStatus::kExpired:
      return "Expired";
    case AssignmentStatus::kCancelled:
      return "Cancelled";
  }
  return "";
}

TemplateData List(std::vector<TemplateData>& items) {
  TemplateData out{TemplateData::type::list};
  for (auto& i : items) {
    out.push_back(i);
  }
  return out;
}

// What the page shows once after an assignment: the link, its QR code, where it opens.
struct ShownLink {
  std::string instrument;  // short title
  std::string url;         // the whole link (origin and /q/TOKEN)
  std::string path;        // /q/TOKEN
  std::string expires;     // in words
  bool emailed = false;    // also mailed to the client's address (the link only, C53)
};

// What the page is made from (the routes' members).
struct PageDeps {
  measures::Measures& m;
  practice::Practice& p;
  const Templates& t;
};

// The client's questionnaires page; `shown`: the link of the assignment just made (this
// answer only); `kept` and `error`: the assign form refused.
Result<Response> MeasuresPage(const PageDeps& deps, Request& req, const TherapistSession& who,
                              const std::string& client_id, const std::optional<ShownLink>& shown,
                              const FormFields* kept, const std::string& error, int status) {
  ALCOVE_TRY_ASSIGN(const auto client, deps.p.GetClientInfo(who.scope, client_id));  // 404 first
  ALCOVE_TRY_ASSIGN(const auto assignments, deps.m.ListAssignments(who.scope, client.id));
  ALCOVE_TRY_ASSIGN(const auto results, deps.m.ListResults(who.scope, client.id, CallerOf(req)));
  ALCOVE_TRY_ASSIGN(const auto unreviewed, deps.m.UnreviewedIds(who.scope, client.id));
  ALCOVE_TRY_ASSIGN(const auto when, deps.p.TimeWords(who.scope));
  const std::set<std::string, std::less<>> is_new(unreviewed.begin(), unreviewed.end());

  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("id", client.id);
  d.set("client_id", client.id);
  d.set("alias", client.alias);
  if (client.status != practice::ClientStatus::kActive) {
    d.set("discharged", true);
  }
  if (!error.empty()) {
    d.set("error", error);
  }
  if (shown) {
    TemplateData s;
    s.set("instrument", shown->instrument);
    s.set("url", shown->url);
    s.set("path", shown->path);
    s.set("expires", shown->expires);
    if (shown->emailed) {
      s.set("emailed", true);
    }
    s.set("qr", QrSvg(shown->url));
    d.set("shown", s);
  }

  // The assign form: every built-in instrument, the lifetimes.
  const std::string chosen = kept != nullptr ? FormValue(*kept, "instrument") : "phq-9";
  std::vector<TemplateData> instruments;
  for (const Instrument& in : measures::BuiltInInstruments()) {
    TemplateData o;
    o.set("id", in.id);
    o.set("title", in.title);
    if (in.id == chosen) {
      o.set("selected", true);
    }
    instruments.push_back(o);
  }
  d.set("instruments", List(instruments));
  const std::string hours = kept != nullptr ? FormValue(*kept, "lifetime_hours")
                                            : std::to_string(kDefaultLifetimeHours);
  std::vector<TemplateData> lifetimes;
  for (const Lifetime& l : kLifetimes) {
    TemplateData o;
    o.set("hours", std::to_string(l.hours));
    o.set("words", l.words);
    if (std::to_string(l.hours) == hours) {
      o.set("selected", true);
    }
    lifetimes.push_back(o);
  }
  d.set("lifetimes", List(lifetimes));

  // Links still open (waiting or expired) with Cancel; the rest as history.
  std::vector<TemplateData> open;
  std::vector<TemplateData> past;
  for (const Assignment& a : assignments) {
    const Instrument* in = measures::FindInstrument(a.instrument_id);
    TemplateData item;
    item.set("id", a.id);
    item.set("instrument", in != nullptr ? in->short_title : a.instrument_id);
    item.set("created", when(a.created_at));
    item.set("expires", when(a.expires_at));
    item.set("status", StatusWords(a.status));
    if (a.status == AssignmentStatus::kPending) {
      open.push_back(item);
    } else if (past.size() < 20) {
      past.push_back(item);
    }
  }
  d.set("open", List(open));
  d.set("has_open", !open.empty());
  d.set("past", List(past));
  d.set("has_past", !past.empty());

  // Per instrument: its chart(s), table and the summary; then every result with answers.
  SetResultsData(d, ResultsView(results, is_new, when),
                 req.QueryValue("all") == "1" ? results.size() : kLatestWithAnswers);
  d.set("all_href", "/clients/" + client.id + "/measures?all=1#every-result");
  d.set("has_results", !results.empty());
  return Response::Html(
      status, deps.t.RenderPage("measures", client.alias + " · Questionnaires · Alcove", d));
}

}  // namespace

void MeasuresRoutes::AddPages(RouteKit& kit) {
  kit.Add("GET", "/clients/{id}/measures",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            return MeasuresPage(PageDeps{m_, p_, t_}, req, who, std::string(req.Param("id").value_or("")), std::nullopt,
                                nullptr, "", 200);
          }));

  // Assign: the page again, with the link shown this once (never stored, never again).
  kit.Add(
      "POST", "/clients/{id}/measures",
      ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
        const std::string client_id(req.Param("id").value_or(""));
        ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, client_id));  // 404
        ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
        const std::string hours = FormValue(fields, "lifetime_hours");
        std::optional<Micros> lifetime;
        for (const Lifetime& l : kLifetimes) {
          if (std::to_string(l.hours) == hours) {
            lifetime = static_cast<Micros>(l.hours) * 3600 * kMicrosPerSecond;
          }
        }
        if (!lifetime) {
          return MeasuresPage(PageDeps{m_, p_, t_}, req, who, client.id, std::nullopt, &fields,
                              "Choose how long the link lasts.", 400);
        }
        // "Also email it to the client": the address in the record, or the page says why
        // not and nothing is made (C53: the mail carries the link only; C30: a budget).
        const bool send = FormValue(fields, "send_email") == "on";
        std::string address;
        if (send) {
          if (x_.measure_mail == nullptr) {
            return Fail(ErrorCode::kUnavailable, "measures: no mail", "Mail is not available.");
          }
          if (auto limited = ThrottleMail(req, who.scope)) {
            return *limited;
          }
          auto to = x_.measure_mail->ClientAddress(who.scope, client.id, CallerOf(req));
          if (!to) {
            if (to.error().code != ErrorCode::kFailedPrecondition) {
              return std::unexpected(to.error());
            }
            return MeasuresPage(PageDeps{m_, p_, t_}, req, who, client.id, std::nullopt, &fields,
                                to.error().public_message, 422);
          }
          address = std::move(*to);
        }
        auto made = m_.Assign(who.scope, client.id, FormValue(fields, "instrument"), lifetime,
                              CallerOf(req));
        if (!made) {
          if (made.error().code == ErrorCode::kInvalidArgument ||
              made.error().code == ErrorCode::kFailedPrecondition) {
            return MeasuresPage(PageDeps{m_, p_, t_}, req, who, client.id, std::nullopt, &fields,
                                made.error().public_message,
                                made.error().code == ErrorCode::kInvalidArgument ? 400 : 409);
          }
          return std::unexpected(made.error());
        }
        ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));
        const Instrument* in = measures::FindInstrument(FormValue(fields, "instrument"));
        const std::string path(made->link.reveal());
        bool emailed = false;
        if (send) {
          if (auto sent = x_.measure_mail->SendLink(address, made->link); !sent) {
            spdlog::warn("questionnaire link of assignment {} not mailed: {}", made->id,
                         sent.error().internal);
          } else {
            emailed = true;
          }
        }
        return MeasuresPage(PageDeps{m_, p_, t_}, req, who, client.id,
                            ShownLink{.instrument = in != nullptr ? in->short_title : "",
                                      .url = x_.public_origin + path,
                                      .path = path,
                                      .expires = when(made->expires_at),
                                      .emailed = emailed},
                            nullptr, "", 200);
      }),
      kFormBody);

  kit.Add(
      "POST", "/clients/{id}/measures/assignments/{assignment}/cancel",
      ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
        const std::string client_id(req.Param("id").value_or(""));
        const std::string assignment(req.Param("assignment").value_or(""));
        ALCOVE_TRY_ASSIGN(const auto list, m_.ListAssignments(who.scope, client_id));  // 404
        const bool of_client = std::ranges::any_of(
            list, [&](const Assignment& a) { return a.id == assignment; });
        if (!of_client) {
          return Fail(ErrorCode::kNotFound, "no such questionnaire assignment of the client",
                      "There is no such questionnaire assignment.");
        }
        auto done = m_.Cancel(who.scope, assignment, CallerOf(req));
        if (!done) {
          if (done.error().code == ErrorCode::kFailedPrecondition) {
            return MeasuresPage(PageDeps{m_, p_, t_}, req, who, client_id, std::nullopt, nullptr,
                                done.error().public_message, 409);
          }
          return std::unexpected(done.error());
        }
        return SeeOther("/clients/" + client_id + "/measures");
      }),
      kFormBody);

  // Mark reviewed: from the Today page (back=today) or the client's questionnaires.
  kit.Add(
      "POST", "/measures/results/{id}/review",
      ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
        const std::string result_id(req.Param("id").value_or(""));
        auto done = m_.MarkReviewed(who.scope, result_id, CallerOf(req));
        // Reviewed meanwhile (another tab): the result is reviewed, as asked.
        if (!done && done.error().code != ErrorCode::kFailedPrecondition) {
          return std::unexpected(done.error());
        }
        const std::string client = FormValue(fields, "client");
        if (FormValue(fields, "back") != "today" && store::IsValidId(client)) {
          return SeeOther("/clients/" + client + "/measures#results");
        }
        return SeeOther("/");
      }),
      kFormBody);

  // The Today page: a raised flag as an alert, other new results as a line, each until
  // the therapist marks it reviewed. Only the new results are decrypted.
  id_.today_alerts.push_back(
      [this](const identity::TherapistScope& who,
             const identity::Caller& caller) -> Result<std::vector<TodayAlert>> {
        ALCOVE_TRY_ASSIGN(auto fresh, m_.ListUnreviewed(who, caller, kTodayResults + 1));
        const bool more = fresh.size() > kTodayResults;
        if (more) {
          fresh.pop_back();
        }
        if (fresh.empty()) {
          return std::vector<TodayAlert>{};
        }
        ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who));
        auto alerts = TodayAlerts(fresh, when);
        // More than one read decrypts: say so, for a flag may be among the rest.
        if (more) {
          alerts.insert(alerts.begin(),
                        TodayAlert{.text = fmt::format(
                                       "There are more than {} new questionnaire results; the "
                                       "oldest are below. Mark them as reviewed to see the "
                                       "others, which may include a flag.",
                                       kTodayResults),
                                   .href = "",
                                   .label = "",
                                   .action = "",
                                   .action_label = "",
                                   .urgent = true});
        }
        return alerts;
      });

  // The client's record page: a line per instrument, the flag banner, a tab.
  id_.client_page.push_back(
      [this](const identity::TherapistScope& who, std::string_view client_id,
             const identity::Caller& caller) -> Result<ClientPageAddition> {
        // Without results nothing is read (and nothing audited): the tab and a word.
        ALCOVE_TRY_ASSIGN(const auto count, m_.CountResults(who, client_id));
        if (count == 0) {
          return ClientPageLines(std::string(client_id), {}, {}, {});
        }
        ALCOVE_TRY_ASSIGN(const auto results, m_.ListResults(who, client_id, caller));
        ALCOVE_TRY_ASSIGN(const auto unreviewed, m_.UnreviewedIds(who, client_id));
        ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who));
        const std::set<std::string, std::less<>> is_new(unreviewed.begin(), unreviewed.end());
        return ClientPageLines(std::string(client_id), results, is_new, when);
      });
}

}  // namespace alcove::web::measures_routes
