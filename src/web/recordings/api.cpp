// Session recordings' JSON API (API.md § Recordings and AI; docs/api.md § Recordings;
// docs/recordings.md): recordings and participants, documented consent (C05), withdrawal
// (C04), processing refused until every participant consented, the practice's consent
// text and retention, and the client's consent in the portal.
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/streaming.hpp"
#include "web/portal/routes_internal.hpp"
#include "web/recordings/routes_internal.hpp"

namespace alcove::web::recordings_routes {

namespace json = boost::json;
using crypto::PhiString;
using recordings::ConsentMethod;
using recordings::ParticipantKind;

namespace {

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "recordings request malformed", std::move(message));
}

const RouteOptions kSmallBody{.max_body_bytes = 32 * 1024, .runs_inline = false};
const RouteOptions kAudioBody{.max_body_bytes = kMaxStreamedBodyBytes,
                              .streaming_body = true,
                              .runs_inline = false,
                              .audience = {},
                              .rate_class = {}};

// The audio's media type as sent ("audio/webm;codecs=opus"), or a generic one: only the
// common audio containers are taken.
Result<std::string> AudioType(const Request& req) {
  const std::string type(req.headers.Get("Content-Type").value_or("application/octet-stream"));
  const std::string base = type.substr(0, type.find(';'));
  if (base == "application/octet-stream") {
    return std::string("application/octet-stream");
  }
  for (const char* ok : {"audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/wav",
                         "audio/x-wav", "audio/aac", "audio/flac", "video/webm"}) {
    if (base == ok) {
      return type.size() > 100 ? base : type;
    }
  }
  return Bad("Send the audio as audio/webm, audio/ogg, audio/mp4, audio/mpeg, audio/wav, "
             "audio/aac or audio/flac.");
}

std::string Id(const Request& req, std::string_view name = "id") {
  return std::string(req.Param(name).value_or(""));
}

Status OnlyMembers(const json::object& body, std::initializer_list<std::string_view> keys,
                   std::string_view expected) {
  for (const auto& [key, value] : body) {
    if (std::ranges::find(keys, std::string_view(key)) == keys.end()) {
      return Bad("Unknown member; expected only " + std::string(expected) + ".");
    }
  }
  return {};
}

void PutTime(json::object& o, std::string_view key, const std::optional<Micros>& t) {
  o[key] = t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::object ConsentJson(const recordings::Consent& c) {
  json::object o{{"method", recordings::ConsentMethodName(c.method)},
                 {"text_version", c.text_version},
                 {"given_at", FormatRfc3339(c.given_at)},
                 {"given_by", c.given_by}};
  if (c.note) {
    o["note"] = c.note->reveal();
  }
  return o;
}

json::object ParticipantJson(const recordings::Participant& p) {
  json::object o{{"id", p.id},
                 {"kind", recordings::ParticipantKindName(p.kind)},
                 {"alias", p.alias},
                 {"consent", nullptr}};
  if (!p.client_id.empty()) {
    o["client_id"] = p.client_id;
  }
  if (p.consent) {
    o["consent"] = ConsentJson(*p.consent);
  }
  return o;
}

json::object RecordingJson(const recordings::Recording& r) {
  json::array parts;
  json::array missing;
  for (const auto& p : r.participants) {
    parts.push_back(ParticipantJson(p));
  }
  for (const auto* p : r.Missing()) {
    if (!r.withdrawn_at) {
      missing.push_back(json::value(p->id));
    }
  }
  json::object o{{"id", r.id},
                 {"client_id", r.client_id},
                 {"status", recordings::RecordingStatusName(r.status)},
                 {"created_at", FormatRfc3339(r.created_at)},
                 {"participants", std::move(parts)},
                 {"consent_missing", std::move(missing)},
                 {"audio_bytes", r.audio_bytes ? json::value(*r.audio_bytes) : json::value(nullptr)}};
  PutTime(o, "audio_stored_at", r.audio_stored_at);
  PutTime(o, "audio_deleted_at", r.audio_deleted_at);
  PutTime(o, "withdrawn_at", r.withdrawn_at);
  if (r.title) {
    o["title"] = r.title->reveal();
  }
  return o;
}

json::object ClientViewJson(const recordings::ClientRecordingView& v) {
  json::object o{{"id", v.recording_id},
                 {"participant_id", v.participant_id},
                 {"status", recordings::RecordingStatusName(v.status)},
                 {"created_at", FormatRfc3339(v.created_at)},
                 {"consent", nullptr}};
  if (v.consent) {
    o["consent"] = ConsentJson(*v.consent);
  }
  PutTime(o, "withdrawn_at", v.withdrawn_at);
  return o;
}

json::object TextJson(const recordings::ConsentText& t) {
  return json::object{{"version", t.version},
                      {"text", t.text},
                      {"created_at", FormatRfc3339(t.created_at)}};
}

// {"participants":[{"kind":"therapist"}, {"kind":"client","client_id"?,"label"?}]}
Result<std::vector<recordings::NewParticipant>> ParticipantsMember(const json::object& body) {
  const auto* v = body.if_contains("participants");
  if (v == nullptr || !v->is_array()) {
    return Bad("`participants` must be an array: [{\"kind\":\"therapist\"}, {\"kind\":"
               "\"client\"}, ...], a client with `client_id` when it is not this record's.");
  }
  std::vector<recordings::NewParticipant> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) {
      return Bad("Each participant is an object with `kind`.");
    }
    const auto& o = item.as_object();
    ALCOVE_TRY(OnlyMembers(o, {"kind", "client_id", "label"}, "`kind`, `client_id` and `label`"));
    ALCOVE_TRY_ASSIGN(const auto kind, RequiredString(o, "kind"));
    recordings::NewParticipant p;
    if (kind == "therapist") {
      p.kind = ParticipantKind::kTherapist;
      if (o.contains("client_id") || o.contains("label")) {
        return Bad("The therapist participant takes no `client_id` or `label`.");
      }
    } else if (kind == "client") {
      p.kind = ParticipantKind::kClient;
      ALCOVE_TRY_ASSIGN(const auto client, OptionalString(o, "client_id"));
      p.client_id = client.value_or("");
      ALCOVE_TRY_ASSIGN(auto label, OptionalString(o, "label"));
      if (label) {
        p.label = PhiString(std::move(*label));
      }
    } else {
      return Bad("A participant's `kind` is \"therapist\" or \"client\".");
    }
    out.push_back(std::move(p));
  }
  return out;
}

// 409 consent_missing (C05) and 410 recording_withdrawn (C04) in their own words.
}  // namespace

Result<Response> Refusal(const Request& req, const Templates* t, const Error& e) {
  if (recordings::IsConsentMissing(e)) {
    return ErrorResponse(req, t, 409, "consent_missing", e.public_message);
  }
  if (recordings::IsWithdrawn(e)) {
    return ErrorResponse(req, t, 410, "recording_withdrawn", e.public_message);
  }
  return std::unexpected(e);
}

void RecordingsRoutes::AddApi(RouteKit& kit) {
  const Templates* t = &t_;

  // ---- The therapist: recordings ----
  kit.Add("POST", "/api/v1/clients/{id}/recordings",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string client = Id(req);
            ALCOVE_TRY(p_.GetClientInfo(who.scope, client));  // 404 whatever the body says
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY(OnlyMembers(body, {"title", "participants"},
                                   "`title` and `participants`"));
            ALCOVE_TRY_ASSIGN(auto title, OptionalString(body, "title"));
            ALCOVE_TRY_ASSIGN(const auto parts, ParticipantsMember(body));
            std::optional<PhiString> sealed_title;
            if (title && !title->empty()) {
              sealed_title = PhiString(std::move(*title));
            }
            ALCOVE_TRY_ASSIGN(const auto r, rec_.Create(who.scope, client, std::move(sealed_title),
                                                        parts, CallerOf(req)));
            return JsonResponse(201, RecordingJson(r));
          }),
          kSmallBody);

  kit.Add("GET", "/api/v1/clients/{id}/recordings",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto list, rec_.ListForClient(who.scope, Id(req)));
            json::array out;
            for (const auto& r : list) {
              out.push_back(RecordingJson(r));
            }
            return JsonResponse(200, out);
          }));

  kit.Add("GET", "/api/v1/recordings/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto r, rec_.Get(who.scope, Id(req), CallerOf(req)));
            return JsonResponse(200, RecordingJson(r));
          }));

  // ---- Consent documented by the therapist (in the session, or a written form) ----
  kit.Add("POST", "/api/v1/recordings/{id}/participants/{pid}/consent",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(rec_.Info(who.scope, Id(req)));  // 404 whatever the body says
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY(OnlyMembers(body, {"method", "note"}, "`method` and `note`"));
            ALCOVE_TRY_ASSIGN(const auto name, RequiredString(body, "method"));
            const auto method = recordings::ConsentMethodFromName(name);
            if (!method) {
              return Bad("`method` is \"in_session\" (given in the session), \"written\" (a "
                         "signed form) or, for the client in the portal, \"portal\".");
            }
            ALCOVE_TRY_ASSIGN(auto note, OptionalString(body, "note"));
            std::optional<PhiString> sealed;
            if (note) {
              sealed = PhiString(std::move(*note));
            }
            auto consent = rec_.DocumentConsent(who.scope, Id(req), Id(req, "pid"), *method,
                                                std::move(sealed), CallerOf(req));
            if (!consent) {
              return Refusal(req, t, consent.error());
            }
            return JsonResponse(201, ConsentJson(*consent));
          }),
          kSmallBody);

  // Withdrawal (C04): the recording, its key, audio, transcript and unreviewed drafts go.
  kit.Add("DELETE", "/api/v1/recordings/{id}/participants/{pid}/consent",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            if (auto st = rec_.Withdraw(who.scope, Id(req), Id(req, "pid"), CallerOf(req)); !st) {
              return Refusal(req, t, st.error());
            }
            return JsonResponse(200, json::object{{"status", "withdrawn"}});
          }));

  // ---- Audio (C03): a resumable, streamed, encrypted upload, refused until every
  // participant consented (C05); playback with Range ----
  kit.Add("PUT", "/api/v1/recordings/{id}/audio",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            auto type_or = AudioType(req);
            auto pos_or = ParseUploadPosition(req);
            if (!type_or || !pos_or) {
              // Another's or a missing recording is 404 whatever the headers say (C31).
              if (auto at = rec_.UploadOffset(who.scope, Id(req)); !at) {
                return Refusal(req, t, at.error());
              }
              return std::unexpected(!type_or ? type_or.error() : pos_or.error());
            }
            const auto& type = *type_or;
            const auto& pos = *pos_or;
            auto upload = rec_.OpenUpload(who.scope, Id(req), pos.offset);
            if (!upload) {
              if (upload.error().code == ErrorCode::kFailedPrecondition &&
                  !recordings::IsWithdrawn(upload.error())) {
                return UploadOffsetMismatch(req, 0);
              }
              return Refusal(req, t, upload.error());
            }
            auto& up = **upload;
            if (up.stored_offset() != pos.offset) {
              return UploadOffsetMismatch(req, up.stored_offset());
            }
            ALCOVE_TRY(PipeBody(req, [&up](std::span<const std::uint8_t> piece) {
              return up.Write(piece);
            }));  // a cut connection: the upload pauses at its last whole chunk
            if (pos.complete) {
              if (auto st = rec_.CompleteUpload(who.scope, Id(req), up, type, CallerOf(req)); !st) {
                return Refusal(req, t, st.error());
              }
            } else {
              ALCOVE_TRY(up.Pause());
            }
            Response res = JsonResponse(200, json::object{{"bytes", up.offset()}});
            SetUploadState(res, pos.complete ? up.offset() : up.stored_offset(), pos.complete);
            return res;
          }),
          kAudioBody);

  // Where an upload stands (also HEAD): resume from Upload-Offset.
  kit.Add("GET", "/api/v1/recordings/{id}/upload",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            auto at = rec_.UploadOffset(who.scope, Id(req));
            if (!at) {
              return Refusal(req, t, at.error());
            }
            Response res = JsonResponse(200, json::object{{"offset", *at}});
            SetUploadState(res, *at, false);
            return res;
          }));

  kit.Add("GET", "/api/v1/recordings/{id}/audio",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            auto audio = rec_.OpenAudio(who.scope, Id(req), CallerOf(req));
            if (!audio) {
              return Refusal(req, t, audio.error());
            }
            std::shared_ptr<crypto::EncryptedBlob> blob = std::move(audio->first);
            const std::uint64_t size = blob->plaintext_size();
            Response res = RangedResponse(req, size, audio->second,
                                          [blob](std::uint64_t offset, std::span<std::uint8_t> out) {
                                            return blob->ReadAt(offset, out);
                                          });
            res.headers.Set("Cache-Control", "no-store");
            return res;
          }));

  // ---- The practice's consent text and retention ----
  kit.Add("GET", "/api/v1/recording-consent-text",
          ForTherapist([this](Request&, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto text, rec_.CurrentConsentText(who.scope));
            return JsonResponse(200, TextJson(text));
          }));

  kit.Add("PUT", "/api/v1/recording-consent-text",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY(OnlyMembers(body, {"text"}, "`text`"));
            ALCOVE_TRY_ASSIGN(const auto text, RequiredString(body, "text"));
            ALCOVE_TRY_ASSIGN(const auto made, rec_.SetConsentText(who.scope, text, CallerOf(req)));
            return JsonResponse(200, TextJson(made));
          }),
          kSmallBody);

  kit.Add("GET", "/api/v1/recording-settings",
          ForTherapist([this](Request&, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto s, rec_.GetSettings(who.scope));
            return JsonResponse(200, json::object{{"keep_audio_days", s.keep_audio_days}});
          }));

  kit.Add("PUT", "/api/v1/recording-settings",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY(OnlyMembers(body, {"keep_audio_days"}, "`keep_audio_days`"));
            const auto* days = body.if_contains("keep_audio_days");
            if (days == nullptr || !days->is_int64()) {
              return Bad("`keep_audio_days` is a whole number of days, 0 to 3650.");
            }
            ALCOVE_TRY(rec_.SetSettings(
                who.scope, recordings::RecordingSettings{.keep_audio_days = days->as_int64()},
                CallerOf(req)));
            return JsonResponse(200, json::object{{"keep_audio_days", days->as_int64()}});
          }),
          kSmallBody);

  // ---- The client in the portal: only recordings they take part in (C31) ----
  kit.Add("GET", "/api/v1/portal/consents",
          portal_routes::ForClient([this](Request&, const identity::ClientScope& who,
                                          const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto list, rec_.ForClient(who));
            json::array out;
            for (const auto& v : list) {
              out.push_back(ClientViewJson(v));
            }
            return JsonResponse(200, out);
          }));

  kit.Add("GET", "/api/v1/portal/consents/{id}",
          portal_routes::ForClient([this](Request& req, const identity::ClientScope& who,
                                          const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto asked, rec_.ConsentRequest(who, Id(req)));
            json::object o = ClientViewJson(asked.first);
            o["consent_text"] = TextJson(asked.second);
            return JsonResponse(200, o);
          }));

  kit.Add("POST", "/api/v1/portal/consents/{id}",
          portal_routes::ForClient([this, t](Request& req, const identity::ClientScope& who,
                                             const SignedIn&) -> Result<Response> {
            ALCOVE_TRY(rec_.ConsentRequest(who, Id(req)));  // 404 whatever the body says
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY(OnlyMembers(body, {"text_version"}, "`text_version`"));
            const auto* version = body.if_contains("text_version");
            if (version == nullptr || !version->is_int64()) {
              return Bad("`text_version` is the version of the consent text you agree to.");
            }
            auto consent = rec_.ClientConsent(who, Id(req), version->as_int64(), CallerOf(req));
            if (!consent) {
              return Refusal(req, t, consent.error());
            }
            return JsonResponse(201, ConsentJson(*consent));
          }),
          kSmallBody);

  kit.Add("DELETE", "/api/v1/portal/consents/{id}",
          portal_routes::ForClient([this, t](Request& req, const identity::ClientScope& who,
                                             const SignedIn&) -> Result<Response> {
            if (auto st = rec_.ClientWithdraw(who, Id(req), CallerOf(req)); !st) {
              return Refusal(req, t, st.error());
            }
            return JsonResponse(200, json::object{{"status", "withdrawn"}});
          }));
}

}  // namespace alcove::web::recordings_routes
