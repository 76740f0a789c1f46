// The practice schema (versions 401-499): tenant tables, row-level security on PostgreSQL.
#include <string>

#include "practice/practice.hpp"
#include "store/tenant_tables.hpp"

namespace alcove::practice {
namespace {

// field ciphertexts; the rest are ids, dates, formats, statuses, counters and times.

constexpr std::string_view kClientsSqlite =
    "CREATE TABLE clients ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL,"
    " initials TEXT NOT NULL,"
    " ordinal INTEGER NOT NULL CHECK (ordinal >= 1),"
    " key_id INTEGER NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('active', 'archived')),"
    " email BLOB, phone BLOB, date_of_birth BLOB, notes BLOB,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, initials, ordinal)"
    ") STRICT;"
    "CREATE TABLE notes ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " session_date TEXT NOT NULL,"
    " format TEXT NOT NULL CHECK (format IN ('soap', 'dap', 'birp', 'free')),"
    " version INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX notes_by_client ON notes (tenant_id, client_id, session_date);"
    "CREATE TABLE note_versions ("
    " note_id TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,"
    " tenant_id INTEGER NOT NULL,"
    " version INTEGER NOT NULL,"
    " session_date TEXT NOT NULL,"
    " content BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY (note_id, version)"
    ") STRICT;"
    "CREATE TABLE summaries ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " source_note_id TEXT,"
    " supersedes TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('draft', 'reviewed')),"
    " text BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " reviewed_at INTEGER"
    ") STRICT;"
    "CREATE INDEX summaries_by_client ON summaries (tenant_id, client_id);"
    "CREATE TABLE conceptualizations ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " version INTEGER NOT NULL,"
    " content BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (client_id, version)"
    ") STRICT";

constexpr std::string_view kClientsPostgres =
    "CREATE TABLE clients ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL,"
    " initials TEXT NOT NULL,"
    " ordinal BIGINT NOT NULL CHECK (ordinal >= 1),"
    " key_id BIGINT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('active', 'archived')),"
    " email BYTEA, phone BYTEA, date_of_birth BYTEA, notes BYTEA,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " UNIQUE (tenant_id, initials, ordinal)"
    ");"
    "CREATE TABLE notes ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " session_date TEXT NOT NULL,"
    " format TEXT NOT NULL CHECK (format IN ('soap', 'dap', 'birp', 'free')),"
    " version BIGINT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX notes_by_client ON notes (tenant_id, client_id, session_date);"
    "CREATE TABLE note_versions ("
    " note_id TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,"
    " tenant_id BIGINT NOT NULL,"
    " version BIGINT NOT NULL,"
    " session_date TEXT NOT NULL,"
    " content BYTEA NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " PRIMARY KEY (note_id, version)"
    ");"
    "CREATE TABLE summaries ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " source_note_id TEXT,"
    " supersedes TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('draft', 'reviewed')),"
    " text BYTEA NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " reviewed_at BIGINT"
    ");"
    "CREATE INDEX summaries_by_client ON summaries (tenant_id, client_id);"
    "CREATE TABLE conceptualizations ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " version BIGINT NOT NULL,"
    " content BYTEA NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " UNIQUE (client_id, version)"
    ");";

const std::string& ClientsPostgresWithPolicies() {
  static const std::string sql = [] {
    std::string s(kClientsPostgres);
    for (const char* table :
         {"clients", "notes", "note_versions", "summaries", "conceptualizations"}) {
      s += "\n" + store::TenantTablePolicySql(table);
    }
    return s;
  }();
  return sql;
}

std::span<const store::Migration> MakeMigrations() {
  static const store::Migration migrations[] = {
      {401, "practice_records", kClientsSqlite, ClientsPostgresWithPolicies()},
  };
  return migrations;
}

}  // namespace

std::span<const store::Migration> PracticeMigrations() { return MakeMigrations(); }

}  // namespace alcove::practice
