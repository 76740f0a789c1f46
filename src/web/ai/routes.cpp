// AI routes (routes.hpp): the therapist's jobs and transcripts, and the transparency page.
#include "web/ai/routes.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/recordings/routes_internal.hpp"
#include "web/templates.hpp"

namespace alcove::web {

namespace json = boost::json;

namespace {

// The per-therapist budget of AI jobs asked for (C30; docs/rate-limits.md).
constexpr std::string_view kAiClass = "ai";
const RouteOptions kSmallBody{.max_body_bytes = 4 * 1024, .runs_inline = false};

json::value TimeOrNull(const std::optional<Micros>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::object JobJson(const ai::Job& j) {
  json::object o{{"id", j.id},
                 {"kind", ai::JobKindName(j.kind)},
                 {"status", ai::JobStatusName(j.status)},
                 {"recording_id", j.recording_id},
                 {"progress", j.progress},
                 {"provider", j.provider},
                 {"outcome", j.outcome},
                 {"attempts", j.attempts},
                 {"created_at", FormatRfc3339(j.created_at)},
                 {"started_at", TimeOrNull(j.started_at)},
                 {"finished_at", TimeOrNull(j.finished_at)}};
  if (j.kind == ai::JobKind::kDraft) {
    o["format"] = j.note_format;
    o["summary_id"] = j.summary_id ? json::value(*j.summary_id) : json::value(nullptr);
  }
  return o;
}

// A job refused: consent (409) and withdrawal (410) as the recordings routes answer them,
// a provider turned off as 503 `<job>_unavailable` (nothing was sent anywhere).
Result<Response> JobRefusal(const Request& req, const Templates* t, const Error& e,
                            std::string_view unavailable_code) {
  if (e.code == ErrorCode::kUnavailable) {
    return ErrorResponse(req, t, 503, unavailable_code, e.public_message);
  }
  return recordings_routes::Refusal(req, t, e);
}

Response Accepted(const ai::Job& job) {
  Response res = JsonResponse(202, json::object{{"job", JobJson(job)}});
  res.headers.Set("Location", "/api/v1/ai/jobs/" + job.id);
  return res;
}

json::object ProviderJson(const ai::ProviderDescription& d) {
  return {{"job", d.job},
          {"provider", d.provider},
          {"engine", d.engine},
          {"leaves_server", d.leaves_server},
          {"host", d.host.empty() ? json::value(nullptr) : json::value(d.host)},
          {"sends", d.sends},
          {"vendor", d.vendor.empty() ? json::value(nullptr) : json::value(d.vendor)},
          {"vendor_retention",
           d.vendor_retention.empty() ? json::value(nullptr) : json::value(d.vendor_retention)},
          {"vendor_training",
           d.vendor_training.empty() ? json::value(nullptr) : json::value(d.vendor_training)}};
}

std::string NotStated(const std::string& s) { return s.empty() ? "Not stated" : s; }

class AiRoutes final : public RouteSet {
 public:
  AiRoutes(IdentityServices& identity, ai::Jobs& jobs, recordings::Recordings& recordings,
           const Templates& templates)
      : id_(identity), jobs_(jobs), rec_(recordings), t_(templates) {}

  void Add(RouteKit& kit);

 private:
  // The practice's retention setting for a signed-in therapist; nullopt for anyone else.
  std::optional<std::int64_t> KeepAudioDays(const Request& req);
  TemplateData PageData(std::optional<std::int64_t> keep_days) const;
  json::object TransparencyJson(std::optional<std::int64_t> keep_days) const;
  std::optional<Response> Limited(Request& req, const TherapistSession& who) {
    return Throttle(id_, &t_, req, kAiClass, "ai:" + who.scope.account_id());
  }

  IdentityServices& id_;
  ai::Jobs& jobs_;
  recordings::Recordings& rec_;
  const Templates& t_;
};

std::optional<std::int64_t> AiRoutes::KeepAudioDays(const Request& req) {
  auto session = SessionOf(id_, req);
  if (!session || !*session) {
    return std::nullopt;
  }
  auto scope = identity::TherapistScope::From((*session)->principal);
  if (!scope) {
    return std::nullopt;
  }
  auto settings = rec_.GetSettings(*scope);
  if (!settings) {
    return std::nullopt;
  }
  return settings->keep_audio_days;
}

json::object AiRoutes::TransparencyJson(std::optional<std::int64_t> keep_days) const {
  const auto& p = jobs_.providers();
  return {{"generated_from", "the running configuration"},
          {"jobs", json::array{ProviderJson(p.transcribe), ProviderJson(p.draft)}},
          {"retention",
           {{"audio",
             "deleted once transcribed, unless the practice keeps it for a set number "
             "of days"},
            {"keep_audio_days", keep_days ? json::value(*keep_days) : json::value(nullptr)},
            {"transcripts", "kept until deleted, or until a participant withdraws consent"},
            {"drafts",
             "kept among the client's summaries as drafts until the therapist "
             "reviews or deletes them; a withdrawal deletes unreviewed ones"}}}};
}

TemplateData AiRoutes::PageData(std::optional<std::int64_t> keep_days) const {
  const auto& p = jobs_.providers();
  TemplateData data;
  auto job = [](const ai::ProviderDescription& d, std::string_view heading) {
    TemplateData j;
    j.set("heading", std::string(heading));
    j.set("off", d.provider == "off");
    j.set("local", d.provider == "local");
    j.set("leaves", d.leaves_server);
    j.set("provider", d.provider);
    j.set("engine", d.engine);
    j.set("host", d.host);
    j.set("sends", d.sends);
    j.set("vendor", NotStated(d.vendor));
    j.set("vendor_retention", NotStated(d.vendor_retention));
    j.set("vendor_training", NotStated(d.vendor_training));
    return j;
  };
  TemplateData jobs{TemplateData::type::list};
  jobs.push_back(job(p.transcribe, "Transcription of recordings"));
  jobs.push_back(job(p.draft, "Drafted summaries"));
  data.set("jobs", jobs);
  data.set("nothing_leaves", !p.transcribe.leaves_server && !p.draft.leaves_server);
  data.set("has_keep_days", keep_days.has_value());
  if (keep_days) {
    data.set("keep_days", std::to_string(*keep_days));
    data.set("keep_none", *keep_days == 0);
  }
  return data;
}

void AiRoutes::Add(RouteKit& kit) {
  const Templates* t = &t_;

  // ---- Jobs (API.md § Recordings and AI) ----
  kit.Add("POST", "/api/v1/recordings/{id}/transcribe",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(rec_.Info(who.scope, req.Param("id").value_or("")));  // another's: 404
            if (auto limited = Limited(req, who)) {
              return std::move(*limited);
            }
            auto job =
                jobs_.RequestTranscription(who.scope, req.Param("id").value_or(""), CallerOf(req));
            if (!job) {
              return JobRefusal(req, t, job.error(), "transcription_unavailable");
            }
            return Accepted(*job);
          }),
          kSmallBody);

  kit.Add("POST", "/api/v1/recordings/{id}/draft-summary",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(rec_.Info(who.scope, req.Param("id").value_or("")));
            auto format = practice::NoteFormat::kSoap;
            if (!req.body.empty()) {
              ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
              for (const auto& [key, value] : body) {
                if (key != "format") {
                  return Fail(ErrorCode::kInvalidArgument, "draft request malformed",
                              "Unknown member; expected only `format`.");
                }
              }
              ALCOVE_TRY_ASSIGN(auto name, OptionalString(body, "format"));
              if (name) {
                auto f = practice::FormatFromName(*name);
                if (!f) {
                  return Fail(ErrorCode::kInvalidArgument, "draft format unknown",
                              "`format` must be soap, dap, birp or free.");
                }
                format = *f;
              }
            }
            if (auto limited = Limited(req, who)) {
              return std::move(*limited);
            }
            auto job =
                jobs_.RequestDraft(who.scope, req.Param("id").value_or(""), format, CallerOf(req));
            if (!job) {
              return JobRefusal(req, t, job.error(), "drafting_unavailable");
            }
            return Accepted(*job);
          }),
          kSmallBody);

  kit.Add("GET", "/api/v1/recordings/{id}/ai-jobs",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto list,
                              jobs_.ForRecording(who.scope, req.Param("id").value_or("")));
            json::array out;
            for (const auto& j : list) {
              out.push_back(JobJson(j));
            }
            return JsonResponse(200, json::object{{"jobs", std::move(out)}});
          }));

  kit.Add("GET", "/api/v1/ai/jobs/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto job, jobs_.Get(who.scope, req.Param("id").value_or("")));
            return JsonResponse(200, JobJson(job));
          }));

  kit.Add("DELETE", "/api/v1/ai/jobs/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto job,
                              jobs_.Cancel(who.scope, req.Param("id").value_or(""), CallerOf(req)));
            return JsonResponse(200, JobJson(job));
          }));

  kit.Add("GET", "/api/v1/recordings/{id}/transcript",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            auto got = rec_.GetTranscript(who.scope, req.Param("id").value_or(""), CallerOf(req));
            if (!got) {
              return recordings_routes::Refusal(req, t, got.error());
            }
            json::object o{
                {"status", got->status},
                {"text", got->text ? json::value(got->text->reveal()) : json::value(nullptr)},
                {"requested_at", TimeOrNull(got->requested_at)},
                {"completed_at", TimeOrNull(got->completed_at)}};
            json::value segments = json::array{};
            if (got->segments_json) {
              boost::system::error_code ec;
              segments = json::parse(got->segments_json->reveal(), ec);
              if (ec) {
                return Fail(ErrorCode::kInternal, "a stored transcript's segments do not parse");
              }
            }
            o["segments"] = std::move(segments);
            Response res = JsonResponse(200, o);
            res.headers.Set("Cache-Control", "no-store");
            return res;
          }));

  // ---- The transparency page (C54): from the running configuration, for anyone ----
  kit.Add("GET", "/ai", ForAnyone([this](Request& req) -> Result<Response> {
            return Response::Html(
                200, t_.RenderPage("ai", "AI at this practice", PageData(KeepAudioDays(req))));
          }));
  kit.Add("GET", "/api/v1/ai/transparency", ForAnyone([this](Request& req) -> Result<Response> {
            return JsonResponse(200, TransparencyJson(KeepAudioDays(req)));
          }));
}

}  // namespace

std::unique_ptr<RouteSet> AddAiRoutes(RouteKit& kit, IdentityServices& identity, ai::Jobs& jobs,
                                      recordings::Recordings& recordings,
                                      const Templates& templates) {
  auto routes = std::make_unique<AiRoutes>(identity, jobs, recordings, templates);
  routes->Add(kit);
  // A summary drafted from a recording says so on its page, with the transcript beside it.
  identity.summary_page.push_back(
      [&recordings, &identity](const identity::TherapistScope& who, std::string_view client_id,
                               std::string_view summary_id,
                               const identity::Caller& caller) -> Result<SummaryPageAddition> {
        ALCOVE_TRY_ASSIGN(const auto origins, recordings.DraftOrigins(who, client_id));
        SummaryPageAddition add;
        for (const auto& o : origins) {
          if (o.summary_id != summary_id) {
            continue;
          }
          ALCOVE_TRY_ASSIGN(const auto words, PageTimeWords(identity, who.principal()));
          add.label = "AI-drafted from the recording of " + words(o.recording_created_at);
          add.link_href = "/recordings/" + o.recording_id;
          add.link_label = "The recording";
          ALCOVE_TRY_ASSIGN(auto transcript, recordings.GetTranscript(who, o.recording_id, caller));
          if (transcript.text) {
            add.aside_heading = "Transcript";
            add.aside_text = std::move(transcript.text);
          }
          break;
        }
        return add;
      });
  return routes;
}

}  // namespace alcove::web
