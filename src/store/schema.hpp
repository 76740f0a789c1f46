#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::store {

// Schema once (ARCHITECTURE.md § Storage): each table is written one time, in SQL both
// engines accept, with placeholders for the few differences:
//   {int}            INTEGER (SQLite) / BIGINT (PostgreSQL): 64-bit integers
//   {bytes}          BLOB / BYTEA
//   {bytelen}        length / octet_length (of a {bytes} value)
//   {strict}         " STRICT" / "" — after a CREATE TABLE's closing parenthesis
//   {without_rowid}  ", WITHOUT ROWID" / "" — after {strict}
//   {empty_bytes}    x'' / '\x'::bytea
// Anything else in braces is left as it is (none of our SQL uses braces otherwise).
std::string RenderSchema(std::string_view portable, Engine engine);

// A module's migrations written once. Add() renders the text for each engine, and on
// PostgreSQL appends row-level security for `tenant_tables` (TenantTablePolicySql) and
// then `postgres_extra`; on SQLite it appends `sqlite_extra` (triggers, privileges and
// functions differ too much to share). Build once, e.g. in a function-local static;
// migrations() stays valid as long as the set.
class MigrationSet {
 public:
  MigrationSet() = default;
  // Copies hold their own texts (the views are rebuilt): safe to build as a temporary
  // and keep a copy, e.g. `static const MigrationSet set = MigrationSet().Add(...);`.
  MigrationSet(const MigrationSet& other);
  MigrationSet& operator=(const MigrationSet& other);

  MigrationSet& Add(std::int32_t version, std::string_view name, std::string_view portable,
                    std::initializer_list<std::string_view> tenant_tables = {},
                    std::string_view sqlite_extra = {}, std::string_view postgres_extra = {});
  std::span<const Migration> migrations() const { return list_; }

 private:
  struct Entry {
    std::int32_t version;
    std::string_view name;  // `name` must outlive the set (a literal)
  };
  void Rebuild();

  std::vector<Entry> entries_;
  std::deque<std::string> texts_;  // two per entry: SQLite, PostgreSQL
  std::vector<Migration> list_;    // views into texts_
};

}  // namespace alcove::store
