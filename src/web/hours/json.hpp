#pragma once

// The JSON shapes of supervised hours (docs/api.md § Supervised hours), both ways. A
// client appears only as its alias; a typed name is read into a crypto::PhiString and
// handed to the service, which keeps its initials only (C50).

#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "hours/hours.hpp"

namespace alcove::web::hours_json {

namespace json = boost::json;

json::object ProfileJson(const hours::Profile& p);
json::object SettingJson(const hours::Setting& s);
json::object SessionJson(const hours::SessionLog& s);
json::object TotalsJson(const hours::WeekTotals& t);  // minutes, and supervision units
json::object CheckJson(const hours::Check& c);
json::object WeekJson(const hours::WeeklyLog& w);
json::object SummaryJson(const hours::Summary& s);

// Bodies. Each refuses (kInvalidArgument, naming the member in words) an unknown member,
// a member of the wrong type and a value the service would not take.
// {"track", "degree_date", "registration_date"?, "registration_number"?, "application_date"?}
Result<hours::Profile> ProfileFromJson(const json::object& o);
// {"name", "exempt"?, "supervisor_license"?}; `partial`: every member optional, missing
// ones taken from `base`.
Result<hours::NewSetting> SettingFromJson(const json::object& o, bool partial,
                                          const hours::NewSetting& base);
// {"date", "minutes", "category", "setting_id", "client"? (a full name or initials),
//  "client_id"? (a picked client), "telehealth"?, "video"?, "group_size"?, "pre_degree"?,
//  "amend"?}
Result<hours::NewSession> SessionFromJson(const json::object& o);
// The same members, each optional ("group_size": null clears it; "client": "" or null
// and "client_id": "" clear the client); kInvalidArgument when nothing changes.
Result<hours::SessionChange> ChangeFromJson(const json::object& o);

// A "YYYY-MM-DD" of query parameter `key` ("`from` must be a date like 2026-11-02.").
Result<hours::Day> DayParam(std::optional<std::string_view> text, std::string_view key);

}  // namespace alcove::web::hours_json
