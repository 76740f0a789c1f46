#include "web/audit_routes.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <string>

#include "audit/log.hpp"
#include "audit/query.hpp"
#include "audit/receipt.hpp"
#include "core/encoding.hpp"
#include "store/ids.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/page_words.hpp"
#include "web/route_kit.hpp"
#include "web/templates.hpp"

namespace alcove::web {
namespace {

namespace json = boost::json;

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = audit::Query::kMaxLimit;

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return v;
}

// Supervised hours' events (issue #14): the licensure profile, work settings, session
// logs and weekly logs. They name no client (a session log's alias is not looked up:
// the audit holds ids only, and the hours pages show the sessions).
std::optional<std::string> HoursSentence(const audit::Event& e, const std::string& who) {
  const auto& d = e.details.entries();
  if (e.object_type == "hours_profile") {
    return who + (e.action == audit::Action::kRecordCreated ? " set up hours tracking"
                                                            : " changed the licensure profile");
  }
  if (e.object_type == "hours_setting") {
    switch (e.action) {
      case audit::Action::kRecordCreated:
        return who + " added a work setting";
      case audit::Action::kRecordDeleted:
        return who + " deleted a work setting";
      default:
        return who + " changed a work setting";
    }
  }
  switch (e.action) {
    case audit::Action::kSessionLogCreated:
      return who + " logged the hours of a session";
    case audit::Action::kSessionLogEdited:
      return who + " changed a logged session";
    case audit::Action::kSessionLogDeleted:
      return who + " deleted a logged session";
    case audit::Action::kWeeklyLogStatusChanged: {
      const auto to = d.find("to");
      const std::string status = to == d.end() ? "" : to->second;
      if (status == "submitted") {
        return who + " submitted a weekly log to the supervisor";
      }
      if (status == "draft") {
        return who + " took back a submitted weekly log";
      }
      if (status == "amended") {
        return who + " amended a signed weekly log (its signature no longer matches)";
      }
      if (status == "signed") {
        return who + " signed a weekly log";
      }
      if (status == "returned") {
        return who + " returned a weekly log with a comment";
      }
      return who + " changed a weekly log's status";
    }
    default:
      return std::nullopt;
  }
}

// "You signed in", "You viewed J.D.'s record": the page's wording. Client aliases are
// looked up now, from the ids the event holds; events never hold aliases.
std::string Sentence(const audit::Event& e, bool by_me,
                     const std::map<std::string, std::string>& aliases) {
  const std::string who =
      by_me ? "You" : (e.actor == audit::Actor::System() ? "Alcove" : "Someone");
  std::string alias = "a deleted client";
  if (const auto c = e.details.entries().find("client"); c != e.details.entries().end()) {
    if (const auto a = aliases.find(c->second); a != aliases.end()) {
      alias = a->second;
    }
  }
  const std::string of = alias + "'s";
  const bool client = e.object_type == "client";
  if (e.object_type == "appointment") {  // the schedule's changes
    const auto n = e.details.entries().find("count");
    const bool several = n != e.details.entries().end() && n->second != "1";
    const std::string what = several ? n->second + " appointments" : "an appointment";
    switch (e.action) {
      case audit::Action::kRecordCreated:
        return who + " booked " + what + " with " + alias;
      case audit::Action::kRecordDeleted:
        return who + " deleted " + what + " with " + alias;
      default:
        return who + " changed " + what + " with " + alias;
    }
  }
  if (e.object_type == "csv_import") {  // the hours import's start and end (counts only)
    const auto& d = e.details.entries();
    auto count = [&](const char* key) {
      const auto it = d.find(key);
      return it == d.end() ? std::string("0") : it->second;
    };
    auto sessions = [](const std::string& n) { return n + (n == "1" ? " session" : " sessions"); };
    if (e.action == audit::Action::kCsvImportStarted) {
      const std::string errors = count("errors");
      return who + " uploaded a file of " + sessions(count("rows")) + " to import" +
             (errors == "0" ? "" : " (" + errors + (errors == "1" ? " row" : " rows") +
                                       " with errors)");
    }
    const auto outcome = d.find("outcome");
    if (outcome != d.end() && outcome->second == "cancelled") {
      return who + " cancelled an import";
    }
    return who + " imported " + sessions(count("created")) + " from a file";
  }
  if (e.object_type == "schedule_settings") {
    return who + (by_me ? " changed your time zone" : " changed the time zone");
  }
  if (e.object_type == "supervision_link") {  // docs/supervisors.md
    const auto& entries = e.details.entries();
    const auto by = entries.find("by");
    switch (e.action) {
      case audit::Action::kMagicLinkIssued:
        return who + " invited a supervisor";
      case audit::Action::kSharingGranted:
        return "A supervisor accepted your invitation and sees your hours in aggregate";
      case audit::Action::kSharingRevoked:
        return by != entries.end() && by->second == "supervisor"
                   ? std::string("A supervisor ended the supervision")
                   : who + " ended a supervision";
      default:
        break;
    }
  }
  if (e.object_type.starts_with("portal_")) {  // docs/portal.md
    // In a therapist's tenant, an account that is not the therapist is a client.
    const bool by_client = !by_me && e.actor != audit::Actor::System();
    std::string client_first = alias;  // the sentence starts with the client
    if (!client_first.empty()) {
      client_first[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(alias[0])));
    }
    const auto kind = e.details.entries().find("kind");
    const std::string k = kind == e.details.entries().end() ? "" : kind->second;
    const std::string item = k == "result"  ? "a questionnaire result"
                             : k == "trend" ? "a questionnaire trend"
                                            : "a summary";
    if (e.object_type == "portal_share") {
      switch (e.action) {
        case audit::Action::kSharingGranted:
          return who + " shared " + item + " with " + alias;
        case audit::Action::kSharingRevoked:
          return who + " stopped sharing " + item + " with " + alias;
        case audit::Action::kRecordAccessed:
          return by_client ? client_first + " opened an item shared in their portal"
                           : who + " looked at an item shared with " + alias;
        default:
          break;
      }
    }
    if (e.object_type == "portal_view" && e.action == audit::Action::kRecordAccessed) {
      return by_client ? client_first + " opened their portal"
                       : who + " looked at " + of + " portal as they see it";
    }
    if (e.object_type == "portal_access") {
      switch (e.action) {
        case audit::Action::kMagicLinkIssued:
          return who + " invited " + alias + " to the portal";
        case audit::Action::kSharingGranted:
          return client_first + " accepted the invitation to the portal";
        case audit::Action::kSharingRevoked:
          return who + " ended " + of + " portal access";
        default:
          break;
      }
    }
  }
  if (const auto hours = HoursSentence(e, who)) {
    return *hours;
  }
  switch (e.action) {
    case audit::Action::kLoginSucceeded:
      return who + " signed in";
    case audit::Action::kLoginFailed:
      return "A sign-in to your account failed";
    case audit::Action::kLogout:
      return who + " signed out";
    case audit::Action::kMagicLinkIssued:
      return "A sign-in link was mailed to you";
    case audit::Action::kMagicLinkUsed:
      return who + " used a sign-in link";
    case audit::Action::kMagicLinkRefused:
      if (e.object_type == "signing_link") {
        return "A signing link for a weekly log was locked after 5 wrong PINs";
      }
      return "A sign-in link was refused";
    case audit::Action::kSessionRevoked:
      return who + " ended a session";
    case audit::Action::kSessionDeviceMismatch:
      return "A session was used from another browser and was ended";
    case audit::Action::kAccountCreated:
      return who + " created the account";
    case audit::Action::kPasswordChanged:
      return who + " changed the password";
    case audit::Action::kRecordAccessed:
      if (client) {
        return who + " viewed " + of + " record";
      }
      if (e.object_type == "client_notes") {
        return who + " viewed " + of + " session notes";
      }
      if (e.object_type == "client_summaries") {
        return who + " viewed " + of + " summaries";
      }
      if (e.object_type == "conceptualizations") {
        return who + " viewed " + of + " case conceptualization";
      }
      return who + " viewed a " + e.object_type + " of " + alias;
    case audit::Action::kRecordExported:
      return who + " exported " + of + " record";
    case audit::Action::kRecordCreated:
      return client ? who + " added the client " + alias
                    : who + " wrote a " + e.object_type + " for " + alias;
    case audit::Action::kRecordUpdated:
      return client ? who + " changed " + of + " profile"
                    : who + " changed a " + e.object_type + " of " + alias;
    case audit::Action::kRecordDeleted:
      return client ? who + " deleted a client and destroyed their key"
                    : who + " deleted a " + e.object_type + " of " + alias;
    case audit::Action::kSummaryReviewed:
      return who + " reviewed a summary of " + alias;
    case audit::Action::kReminderSent:
      return "A reminder about weekly logs was mailed to you";
    default:
      return who + ": " + std::string(audit::ActionName(e.action));
  }
}

class AuditRoutes final : public RouteSet {
 public:
  AuditRoutes(IdentityServices& identity, AuditServices& audit, const Templates& templates)
      : identity_(identity), audit_(audit), t_(templates), query_(audit.db) {}

  void Add(RouteKit& router) {
    router.Add("GET", "/api/v1/audit",
               ForRoles({identity::Role::kTherapist},
                        [this](Request& req, const SignedIn& who) -> Result<Response> {
                          return List(req, who);
                        }));
    router.Add("GET", "/api/v1/audit/{id}/proof",
               ForRoles({identity::Role::kTherapist},
                        [this](Request& req, const SignedIn& who) -> Result<Response> {
                          return Proof(req, who);
                        }));
    router.Add("GET", "/audit",
               ForRoles({identity::Role::kTherapist},
                        [this](Request& req, const SignedIn& who) -> Result<Response> {
                          return Page(req, who);
                        }));
  }

 private:
  Result<Response> List(Request& req, const SignedIn& who) {
    std::optional<std::uint64_t> before;
    std::size_t limit = kDefaultLimit;
    if (auto b = req.QueryValue("before")) {
      before = ParseUnsigned(*b);
      if (!before) {
        return ErrorResponse(req, &t_, 400, "invalid_argument",
                             "`before` must be a sequence number from an earlier answer.");
      }
    }
    if (auto l = req.QueryValue("limit")) {
      const auto n = ParseUnsigned(*l);
      if (!n || *n == 0 || *n > kMaxLimit) {
        return ErrorResponse(req, &t_, 400, "invalid_argument",
                             "`limit` must be a number from 1 to 200.");
      }
      limit = static_cast<std::size_t>(*n);
    }
    std::string object(req.QueryValue("object").value_or(""));
    if (!object.empty() && !audit::IsToken(object)) {
      return ErrorResponse(req, &t_, 400, "invalid_argument", "`object` must be an object id.");
    }
    // An `object` filter reads at most Query::kMaxScanned events per request; the
    // answer's next_before lets the caller go on.
    auto slice =
        query_.List(who.principal.tenant, before, limit,
                    object.empty() ? std::nullopt : std::optional<std::string_view>(object));
    if (!slice) {
      return ErrorResponse(req, &t_, slice.error());
    }
    json::array events;
    for (const auto& ev : slice->events) {
      events.push_back(AuditEventJson(ev.logged));
    }
    json::object out{{"events", std::move(events)}};
    out["next_before"] = slice->next_before ? json::value(*slice->next_before) : json::value();
    return JsonResponse(200, out);
  }

  Result<Response> Proof(Request& req, const SignedIn& who) {
    const std::string id(req.Param("id").value_or(""));
    if (!store::IsValidId(id)) {
      return ErrorResponse(req, &t_, 404, "not_found", "No such event.");
    }
    auto seq = query_.SeqOf(who.principal.tenant, id);
    if (!seq) {
      if (seq.error().code == ErrorCode::kNotFound) {
        return ErrorResponse(req, &t_, 404, "not_found", "No such event.");
      }
      return ErrorResponse(req, &t_, seq.error());
    }
    auto checkpoint = audit_.checkpoint(*seq + 1);
    if (!checkpoint) {
      return ErrorResponse(req, &t_, 503, "unavailable",
                           "No signed checkpoint covers this event yet; try again in a minute.");
    }
    ALCOVE_TRY_ASSIGN(auto receipt,
                      query_.Proof(who.principal.tenant, id, *checkpoint, audit_.verifier_key));
    ALCOVE_TRY_ASSIGN(auto logged, audit::DecodeEvent(receipt.event));
    json::array proof;
    for (const auto& h : receipt.proof) {
      proof.push_back(json::value(HexEncode(h)));
    }
    return JsonResponse(200, json::object{
                                 {"event", AuditEventJson(logged)},
                                 {"event_bytes", Base64Encode(receipt.event)},
                                 {"leaf_index", logged.seq},
                                 {"inclusion_proof", std::move(proof)},
                                 {"checkpoint", receipt.checkpoint_note},
                                 {"verifier_key", receipt.verifier_key},
                                 {"receipt", audit::FormatReceipt(receipt)},
                             });
  }

  Result<Response> Page(Request& req, const SignedIn& who) {
    std::optional<std::uint64_t> before;
    if (auto b = req.QueryValue("before")) {
      before = ParseUnsigned(*b);
    }
    ALCOVE_TRY_ASSIGN(auto slice, query_.List(who.principal.tenant, before, kDefaultLimit));
    const std::string me = "account:" + who.principal.account_id;
    const auto aliases = audit_.client_aliases ? audit_.client_aliases(who.principal)
                                               : std::map<std::string, std::string>{};
    ALCOVE_TRY_ASSIGN(const auto words, PageTimeWords(identity_, who.principal));
    TemplateData rows{TemplateData::type::list};
    for (const auto& ev : slice.events) {
      const audit::Event& e = ev.logged.event;
      TemplateData row;
      row.set("time", words(e.time));
      row.set("what", Sentence(e, e.actor.text() == me, aliases));
      row.set("ip", e.client_ip.empty() ? std::string("—") : e.client_ip);
      rows.push_back(row);
    }
    TemplateData data;
    data.set("events", rows);
    if (slice.events.empty()) {
      data.set("empty", true);
    }
    if (slice.next_before) {
      data.set("older", std::to_string(*slice.next_before));
    }
    return Response::Html(200, t_.RenderPage("audit", "Audit log · Alcove", data));
  }

  IdentityServices& identity_;
  AuditServices& audit_;
  const Templates& t_;
  const audit::Query query_;  // every read of the log: web/ runs no SQL
};

}  // namespace

json::object AuditEventJson(const audit::LoggedEvent& logged) {
  const audit::Event& e = logged.event;
  json::object details;
  for (const auto& [k, v] : e.details.entries()) {
    details[k] = v;
  }
  return json::object{
      {"seq", logged.seq},
      {"id", logged.id},
      {"time", FormatRfc3339(e.time)},
      {"time_us", e.time},
      {"tenant", e.tenant},
      {"actor", e.actor.text()},
      {"action", std::string(audit::ActionName(e.action))},
      {"object_type", e.object_type},
      {"object_id", e.object_id},
      {"client_ip", e.client_ip},
      {"user_agent_sha256", e.user_agent_digest ? HexEncode(*e.user_agent_digest) : ""},
      {"details", std::move(details)},
  };
}

std::unique_ptr<RouteSet> AddAuditRoutes(RouteKit& router, IdentityServices& identity,
                                         AuditServices& audit, const Templates& templates) {
  auto routes = std::make_unique<AuditRoutes>(identity, audit, templates);
  routes->Add(router);
  return routes;
}

}  // namespace alcove::web
