#include "web/practice/json.hpp"

#include <charconv>

#include "core/clock.hpp"
#include "web/body.hpp"

namespace alcove::web::practice_json {

using crypto::PhiString;
using practice::NoteFormat;
using practice::Sections;

json::value Text(const std::optional<PhiString>& v) {
  return v ? json::value(json::string(v->reveal())) : json::value();
}

json::object SectionsJson(const Sections& sections) {
  json::object out;
  for (const auto& [name, text] : sections) {
    out[name] = json::string(text.reveal());
  }
  return out;
}

json::object ClientJson(const practice::ClientListItem& c) {
  json::object o{{"id", c.id},
                 {"alias", c.alias},
                 {"status", practice::StatusName(c.status)},
                 {"created_at", FormatRfc3339(c.created_at)}};
  o["last_session_date"] = c.last_session_date ? json::value(*c.last_session_date) : json::value();
  return o;
}

json::object ClientListJson(const practice::ClientListItem& c) {
  json::object o = ClientJson(c);
  o["next_appointment"] =
      c.next_appointment ? json::value(FormatRfc3339(*c.next_appointment)) : json::value();
  return o;
}

json::object NoteJson(const practice::Note& n) {
  json::object o{{"id", n.info.id},
                      {"client_id", n.info.client_id},
                      {"session_date", n.info.session_date},
                      {"format", practice::FormatName(n.info.format)},
                      {"version", n.info.version},
                      {"created_at", FormatRfc3339(n.info.created_at)},
                      {"updated_at", FormatRfc3339(n.info.updated_at)},
                      {"content", SectionsJson(n.content)}};
  o["session_time"] = n.info.session_time.empty() ? json::value() : json::value(n.info.session_time);
  o["duration_minutes"] =
      n.info.duration_minutes > 0 ? json::value(n.info.duration_minutes) : json::value();
  o["signed_at"] = n.info.signed_at ? json::value(FormatRfc3339(*n.info.signed_at)) : json::value();
  o["voided_at"] = n.info.voided_at ? json::value(FormatRfc3339(*n.info.voided_at)) : json::value();
  if (n.void_reason) {
    o["void_reason"] = json::string(n.void_reason->reveal());
  }
  if (n.info.signed_at) {
    json::array addenda;
    for (const auto& a : n.addenda) {
      addenda.push_back(json::object{{"id", a.id},
                                     {"created_at", FormatRfc3339(a.created_at)},
                                     {"text", json::string(a.text.reveal())}});
    }
    o["addenda"] = std::move(addenda);
  }
  return o;
}

json::object SummaryJson(const practice::Summary& s) {
  json::object o{{"id", s.id},
                 {"client_id", s.client_id},
                 {"status", practice::SummaryStatusName(s.status)},
                 {"created_at", FormatRfc3339(s.created_at)},
                 {"updated_at", FormatRfc3339(s.updated_at)},
                 {"text", json::string(s.text.reveal())}};
  o["source_note_id"] = s.source_note_id ? json::value(*s.source_note_id) : json::value();
  o["supersedes"] = s.supersedes ? json::value(*s.supersedes) : json::value();
  o["reviewed_at"] = s.reviewed_at ? json::value(FormatRfc3339(*s.reviewed_at)) : json::value();
  return o;
}

json::object ConceptJson(const practice::Conceptualization& c) {
  json::object o{{"id", c.id},
                 {"client_id", c.client_id},
                 {"version", c.version},
                 {"created_at", FormatRfc3339(c.created_at)}};
  for (const auto& [name, text] : c.fields) {
    o[name] = json::string(text.reveal());
  }
  return o;
}

// The sections of a JSON note body: an object of section -> string, or (free format) a
// string.
Result<Sections> SectionsFromJson(const json::value* v, NoteFormat format) {
  Sections out;
  if (v == nullptr || v->is_null()) {
    return out;
  }
  if (v->is_string() && format == NoteFormat::kFree) {
    out.emplace_back("text", PhiString(std::string(v->as_string())));
    return out;
  }
  if (!v->is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "note content is not an object",
                "`content` must be an object of section names to text.");
  }
  for (const auto& [k, val] : v->as_object()) {
    if (!val.is_string()) {
      return Fail(ErrorCode::kInvalidArgument, "note section is not a string",
                  "Each section of `content` must be a string.");
    }
    out.emplace_back(std::string(k), PhiString(std::string(val.as_string())));
  }
  return out;
}

// Optional string members of a JSON object as PHI.
Result<std::optional<PhiString>> PhiMember(const json::object& o, std::string_view key) {
  ALCOVE_TRY_ASSIGN(auto v, OptionalString(o, key));
  if (!v) {
    return std::optional<PhiString>();
  }
  return std::optional<PhiString>(PhiString(std::move(*v)));
}

Result<practice::ProfileFields> ProfileFromJson(const json::object& o) {
  practice::ProfileFields p;
  for (const auto& [key, field] :
       {std::pair{"preferred_name", &practice::ProfileFields::preferred_name},
        std::pair{"email", &practice::ProfileFields::email},
        std::pair{"phone", &practice::ProfileFields::phone},
        std::pair{"date_of_birth", &practice::ProfileFields::date_of_birth},
        std::pair{"notes", &practice::ProfileFields::notes}}) {
    ALCOVE_TRY_ASSIGN(auto v, PhiMember(o, key));
    p.*field = std::move(v);
  }
  return p;
}

Result<practice::ClientQuery> ClientQueryFrom(std::string text,
                                              std::optional<std::string_view> status,
                                              std::optional<std::string_view> limit,
                                              std::string cursor) {
  practice::ClientQuery q;
  q.text = std::move(text);
  q.after = std::move(cursor);
  if (status && *status != "all") {
    q.status = practice::StatusFromName(*status);
    if (!q.status) {
      return Fail(ErrorCode::kInvalidArgument, "client search: bad status",
                  "`status` must be \"active\", \"archived\" or \"all\".");
    }
  }
  if (limit) {
    std::size_t n = 0;
    const auto* end = limit->data() + limit->size();
    const auto [ptr, ec] = std::from_chars(limit->data(), end, n);
    if (ec != std::errc() || ptr != end || n < 1 || n > practice::kMaxClientsListed) {
      return Fail(ErrorCode::kInvalidArgument, "client search: bad limit",
                  "`limit` must be a number from 1 to 200.");
    }
    q.limit = n;
  }
  return q;
}

json::object ClientPageJson(const practice::ClientPage& page) {
  json::array clients;
  for (const auto& c : page.clients) {
    clients.push_back(ClientListJson(c));
  }
  return json::object{{"clients", std::move(clients)},
                      {"next_cursor", page.next_after ? json::value(*page.next_after)
                                                      : json::value(nullptr)}};
}

}  // namespace alcove::web::practice_json
