#pragma once

// The JSON shapes of practice records (docs/api.md § Clients and records), both ways.
// Content is read out of PhiString only here, into the answer body.

#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "practice/types.hpp"

namespace alcove::web::practice_json {

namespace json = boost::json;

// A nullable JSON string from an optional content field.
json::value Text(const std::optional<crypto::PhiString>& v);
json::object SectionsJson(const practice::Sections& sections);
json::object ClientJson(const practice::ClientListItem& c);
// A row of a client list: ClientJson and "next_appointment" (RFC 3339 or null).
json::object ClientListJson(const practice::ClientListItem& c);
json::object NoteJson(const practice::Note& n);
json::object SummaryJson(const practice::Summary& s);
json::object ConceptJson(const practice::Conceptualization& c);

// The sections of a JSON note body: an object of section -> string, or, for a free note
// only, a string (kInvalidArgument otherwise).
Result<practice::Sections> SectionsFromJson(const json::value* v, practice::NoteFormat format);
// An optional string member as content.
Result<std::optional<crypto::PhiString>> PhiMember(const json::object& o, std::string_view key);
// The profile fields of a create or change body.
Result<practice::ProfileFields> ProfileFromJson(const json::object& o);

// A client search from its parts (query string or body): kInvalidArgument for a status
// other than active, archived or all, or a limit that is not 1..200.
Result<practice::ClientQuery> ClientQueryFrom(std::string text,
                                              std::optional<std::string_view> status,
                                              std::optional<std::string_view> limit,
                                              std::string cursor);
// {"clients": [...], "next_cursor": id or null}
json::object ClientPageJson(const practice::ClientPage& page);

}  // namespace alcove::web::practice_json
