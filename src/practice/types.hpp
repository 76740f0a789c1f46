#pragma once

// The entities of practice records (clients, notes, summaries, conceptualizations, exports)
// as the service hands them out: plain values, content as crypto::PhiString.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "crypto/secret.hpp"

namespace alcove::practice {

enum class ClientStatus { kActive, kArchived };
std::string_view StatusName(ClientStatus status);
std::optional<ClientStatus> StatusFromName(std::string_view name);

enum class NoteFormat { kSoap, kDap, kBirp, kFree };
std::string_view FormatName(NoteFormat format);  // "soap", "dap", "birp", "free"
std::optional<NoteFormat> FormatFromName(std::string_view name);
// The sections of a format, in order: SOAP subjective, objective, assessment, plan;
// DAP data, assessment, plan; BIRP behavior, intervention, response, plan; free text.
std::span<const std::string_view> SectionsOf(NoteFormat format);

// Section name -> text, in the format's order.
using Sections = std::vector<std::pair<std::string, crypto::PhiString>>;

// The optional profile fields. In a change, nullopt leaves a field alone and an empty
// value clears it.
struct ProfileFields {
  // The full name and the name the client goes by. Kept (sealed like every field) unless
  // the practice is in initials-only mode; outside the record only the alias is shown.
  std::optional<crypto::PhiString> name;
  std::optional<crypto::PhiString> preferred_name;
  std::optional<crypto::PhiString> email;
  std::optional<crypto::PhiString> phone;
  std::optional<crypto::PhiString> date_of_birth;  // "YYYY-MM-DD"
  std::optional<crypto::PhiString> notes;
};

struct ClientListItem {
  std::string id;
  std::string alias;  // "J.D." or "J.D. · 2"
  ClientStatus status = ClientStatus::kActive;
  Micros created_at = 0;
  std::optional<std::string> last_session_date;  // "YYYY-MM-DD"
  // The start of the next scheduled appointment (schedule module, through
  // ClientExtension), in the list answers only.
  std::optional<Micros> next_appointment;
};

// A page of the client list (Practice::SearchClients).
struct ClientQuery {
  std::string text;                     // matches alias, name or preferred name; "" all
  std::optional<ClientStatus> status;   // nullopt: both
  std::size_t limit = 50;               // 1..kMaxClientsListed
  std::string after;                    // a client id: the page starts after it ("" first)
  // Match full and preferred names too. Off where the text came in a URL (GET): a name
  // is client content and never belongs in one (C50); aliases do.
  bool match_names = true;
};
inline constexpr std::size_t kMaxClientsListed = 200;
struct ClientPage {
  std::vector<ClientListItem> clients;
  std::optional<std::string> next_after;  // the `after` of the next page, if there is one
};

// Practice-wide settings (the practice_settings row; defaults when there is none).
struct PracticeSettings {
  // Keep no client names at all, only initials (the behaviour before names existed).
  bool initials_only = false;
};

struct ClientRecord {
  ClientListItem client;
  ProfileFields profile;  // decrypted; absent fields are nullopt
};

struct NoteInfo {
  std::string id;
  std::string client_id;
  std::string session_date;  // "YYYY-MM-DD"
  NoteFormat format = NoteFormat::kFree;
  std::int64_t version = 1;  // each save is a new, sealed version
  Micros created_at = 0;
  Micros updated_at = 0;
};

struct Note {
  NoteInfo info;
  Sections content;
};

enum class SummaryStatus { kDraft, kReviewed };
std::string_view SummaryStatusName(SummaryStatus status);

struct Summary {
  std::string id;
  std::string client_id;
  std::optional<std::string> source_note_id;
  std::optional<std::string> supersedes;  // the reviewed summary this draft revises
  SummaryStatus status = SummaryStatus::kDraft;
  Micros created_at = 0;
  Micros updated_at = 0;
  std::optional<Micros> reviewed_at;
  crypto::PhiString text;
};

// The five Ps.
inline constexpr std::string_view kConceptualizationFields[] = {
    "presenting", "predisposing", "precipitating", "perpetuating", "protective"};

struct Conceptualization {
  std::string id;
  std::string client_id;
  std::int64_t version = 1;
  Micros created_at = 0;
  Sections fields;  // the five Ps, in that order
};

// Everything about one client (GET /api/v1/clients/{id}/export).
struct ClientExport {
  ClientRecord record;
  std::vector<Note> notes;  // current versions, newest session first
  std::vector<Summary> summaries;
  std::vector<Conceptualization> conceptualizations;  // every version, newest first
};

// What a client's page shows (GET /clients/{id}): read together, audited as one event.
struct ClientOverview {
  ClientRecord record;
  std::vector<Note> notes;  // the newest ones, newest session first
  std::vector<Summary> summaries;
  std::vector<Conceptualization> conceptualizations;  // every version, newest first
};

// The most notes one list answer holds (exports hold every note).
inline constexpr std::size_t kMaxNotesListed = 500;

// Limits on what a request may store (bytes of UTF-8).
inline constexpr std::size_t kMaxSectionBytes = 64 * 1024;
inline constexpr std::size_t kMaxProfileFieldBytes = 4 * 1024;

}  // namespace alcove::practice
