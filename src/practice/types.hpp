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

// The hint shown under a section in the note editor ("" for none).
std::string_view SectionPrompt(NoteFormat format, std::string_view section);
// `content` carried over to the sections of `to`, dropping nothing: a section of the same
// name keeps its text; the text of every other section that holds some goes, under its
// own name as a heading ("Subjective:"), to the end of the first section of `to`.
Sections ConvertSections(const Sections& content, NoteFormat to);

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

// When a session was and how long it lasted (plain metadata, like its date).
struct SessionTime {
  std::string date;          // "YYYY-MM-DD"
  std::string time;          // "HH:MM" (24 hours), "" when not given
  std::int64_t minutes = 0;  // 1..kMaxSessionMinutes, 0 when not given
};
inline constexpr std::int64_t kMaxSessionMinutes = 24 * 60;

struct NoteInfo {
  std::string id;
  std::string client_id;
  std::string session_date;  // "YYYY-MM-DD"
  NoteFormat format = NoteFormat::kFree;
  std::int64_t version = 1;  // each save is a new, sealed version
  Micros created_at = 0;
  Micros updated_at = 0;
  std::string session_time;          // "HH:MM" or ""
  std::int64_t duration_minutes = 0;  // 0: not given
  // Signed notes are locked: they change only by addenda. Voided notes stay, struck out.
  std::optional<Micros> signed_at;
  std::optional<Micros> voided_at;
};

// Text added to a signed note (sealed, audited); a note's addenda are oldest first.
struct Addendum {
  std::string id;
  Micros created_at = 0;
  crypto::PhiString text;
};

struct Note {
  NoteInfo info;
  Sections content;
  // Filled by GetNote (the note page), not by lists or the history.
  std::optional<crypto::PhiString> void_reason;
  std::vector<Addendum> addenda;
};

// A new note (Practice::CreateNote).
struct NewNote {
  SessionTime session;
  NoteFormat format = NoteFormat::kFree;
  Sections content;
  // The editor form's one-time token (a 32-hex id) or "": a second note with the same
  // token is not made; the first is returned (a double submit makes one note).
  std::string form_token;
};

// A change to a note (Practice::UpdateNote): nullopt leaves a part alone.
struct NoteEdit {
  std::optional<std::string> session_date;
  std::optional<std::string> session_time;       // "" clears it
  std::optional<std::int64_t> duration_minutes;  // 0 clears it
  std::optional<NoteFormat> format;  // the content is then in the new format's sections
  Sections content;
  bool keep_content = false;  // the new version keeps the current content (`content` unused)
};

// What is wrong with a session's date, time or length: the form field ("session_date",
// "session_time", "duration_minutes") and a message in plain words; nullopt when fine.
struct FieldProblem {
  std::string field;
  std::string message;
};
std::optional<FieldProblem> CheckSessionTime(const SessionTime& session);

// What an editor had typed and not saved yet: its form fields by name ("section_plan",
// "session_date", "text", ...), sealed with the client's key. One per therapist, client
// and target: "note:new", "note:<id>", "summary:new" or "summary:<id>".
struct Draft {
  std::string client_id;
  std::string target;
  Micros saved_at = 0;
  Sections fields;  // empty in Practice::ListDrafts answers (no content there)
};
bool IsDraftTarget(std::string_view target);
inline constexpr std::size_t kMaxDraftFields = 12;

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
