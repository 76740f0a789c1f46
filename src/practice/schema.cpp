// The practice schema (versions 401-499): tenant tables, row-level security on PostgreSQL.
#include <string>

#include "practice/practice.hpp"
#include "store/tenant_tables.hpp"
#include "store/schema.hpp"

namespace alcove::practice {
namespace {

// field ciphertexts; the rest are ids, dates, formats, statuses, counters and times.

constexpr std::string_view kRecords =
    "CREATE TABLE clients ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " initials TEXT NOT NULL,"
    " ordinal {int} NOT NULL CHECK (ordinal >= 1),"
    " key_id {int} NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('active', 'archived')),"
    " email {bytes}, phone {bytes}, date_of_birth {bytes}, notes {bytes},"
    " created_at {int} NOT NULL,"
    " updated_at {int} NOT NULL,"
    " UNIQUE (tenant_id, initials, ordinal)"
    "){strict};"
    "CREATE TABLE notes ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " session_date TEXT NOT NULL,"
    " format TEXT NOT NULL CHECK (format IN ('soap', 'dap', 'birp', 'free')),"
    " version {int} NOT NULL,"
    " created_at {int} NOT NULL,"
    " updated_at {int} NOT NULL"
    "){strict};"
    "CREATE INDEX notes_by_client ON notes (tenant_id, client_id, session_date);"
    "CREATE TABLE note_versions ("
    " note_id TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,"
    " tenant_id {int} NOT NULL,"
    " version {int} NOT NULL,"
    " session_date TEXT NOT NULL,"
    " content {bytes} NOT NULL,"
    " created_at {int} NOT NULL,"
    " PRIMARY KEY (note_id, version)"
    "){strict};"
    "CREATE TABLE summaries ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " source_note_id TEXT,"
    " supersedes TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('draft', 'reviewed')),"
    " text {bytes} NOT NULL,"
    " created_at {int} NOT NULL,"
    " updated_at {int} NOT NULL,"
    " reviewed_at {int}"
    "){strict};"
    "CREATE INDEX summaries_by_client ON summaries (tenant_id, client_id);"
    "CREATE TABLE conceptualizations ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " version {int} NOT NULL,"
    " content {bytes} NOT NULL,"
    " created_at {int} NOT NULL,"
    " UNIQUE (client_id, version)"
    "){strict}";


// Names (issue #13): the full and the preferred name, sealed with the client's key like
// every field (C01), and the practice's settings (initials-only mode keeps no names).
constexpr std::string_view kNames =
    "ALTER TABLE clients ADD COLUMN full_name {bytes};"
    "ALTER TABLE clients ADD COLUMN preferred_name {bytes};"
    "CREATE TABLE practice_settings ("
    " tenant_id {int} PRIMARY KEY,"
    " initials_only {int} NOT NULL CHECK (initials_only IN (0, 1)),"
    " updated_at {int} NOT NULL"
    "){strict}";

// The note workspace (issue #13): the session's time and length (plain, like its date:
// they order and schedule, they say nothing of what was said), sign and lock, void with
// a sealed reason, sealed addenda to signed notes, the form token that makes a double
// submit one note, and sealed drafts (one per therapist, client and editor target).
constexpr std::string_view kWorkspace =
    "ALTER TABLE notes ADD COLUMN session_time TEXT;"
    "ALTER TABLE notes ADD COLUMN duration_minutes {int};"
    "ALTER TABLE notes ADD COLUMN signed_at {int};"
    "ALTER TABLE notes ADD COLUMN signed_by TEXT;"
    "ALTER TABLE notes ADD COLUMN voided_at {int};"
    "ALTER TABLE notes ADD COLUMN void_reason {bytes};"
    "ALTER TABLE notes ADD COLUMN form_token TEXT;"
    "CREATE UNIQUE INDEX notes_by_form_token ON notes (tenant_id, form_token);"
    "CREATE TABLE note_addenda ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " note_id TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,"
    " content {bytes} NOT NULL,"
    " created_at {int} NOT NULL"
    "){strict};"
    "CREATE INDEX note_addenda_by_note ON note_addenda (tenant_id, note_id, created_at);"
    "CREATE TABLE drafts ("
    " tenant_id {int} NOT NULL,"
    " account_id TEXT NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " target TEXT NOT NULL,"
    " content {bytes} NOT NULL,"
    " saved_at {int} NOT NULL,"
    " PRIMARY KEY (tenant_id, account_id, client_id, target)"
    "){strict}";

}  // namespace

std::span<const store::Migration> PracticeMigrations() {
  static const store::MigrationSet set =
      store::MigrationSet()
          .Add(401, "practice_records", kRecords,
               {"clients", "notes", "note_versions", "summaries", "conceptualizations"})
          .Add(402, "practice_client_names", kNames, {"practice_settings"})
          .Add(403, "practice_note_workspace", kWorkspace, {"note_addenda", "drafts"});
  return set.migrations();
}

}  // namespace alcove::practice
