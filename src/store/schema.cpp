#include "store/schema.hpp"

#include <array>
#include <utility>

#include "store/tenant_tables.hpp"

namespace alcove::store {

std::string RenderSchema(std::string_view portable, Engine engine) {
  const bool sqlite = engine == Engine::kSqlite;
  const std::array<std::pair<std::string_view, std::string_view>, 6> kinds = {{
      {"{int}", sqlite ? "INTEGER" : "BIGINT"},
      {"{bytes}", sqlite ? "BLOB" : "BYTEA"},
      {"{bytelen}", sqlite ? "length" : "octet_length"},
      {"{strict}", sqlite ? " STRICT" : ""},
      {"{without_rowid}", sqlite ? ", WITHOUT ROWID" : ""},
      {"{empty_bytes}", sqlite ? "x''" : "'\\x'::bytea"},
  }};
  std::string out;
  out.reserve(portable.size() + portable.size() / 8);
  for (std::size_t i = 0; i < portable.size();) {
    bool replaced = false;
    if (portable[i] == '{') {
      for (const auto& [from, to] : kinds) {
        if (portable.substr(i, from.size()) == from) {
          out += to;
          i += from.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) {
      out += portable[i++];
    }
  }
  return out;
}

namespace {

// `sql` without trailing semicolons and white space, so that what follows it starts a
// statement of its own after exactly one ";".
std::string_view Trimmed(std::string_view sql) {
  while (!sql.empty() && (sql.back() == ';' || sql.back() == '\n' || sql.back() == ' ')) {
    sql.remove_suffix(1);
  }
  return sql;
}

}  // namespace

MigrationSet& MigrationSet::Add(std::int32_t version, std::string_view name,
                                std::string_view portable,
                                std::initializer_list<std::string_view> tenant_tables,
                                std::string_view sqlite_extra, std::string_view postgres_extra) {
  portable = Trimmed(portable);
  std::string sqlite = RenderSchema(portable, Engine::kSqlite);
  if (!sqlite_extra.empty()) {
    sqlite += ";\n";
    sqlite += sqlite_extra;
  }
  std::string postgres = RenderSchema(portable, Engine::kPostgres);
  for (const std::string_view table : tenant_tables) {
    postgres += ";\n";
    postgres += Trimmed(TenantTablePolicySql(table));
  }
  if (!postgres_extra.empty()) {
    postgres += ";\n";
    postgres += postgres_extra;
  }
  texts_.push_back(std::move(sqlite));
  texts_.push_back(std::move(postgres));
  entries_.push_back(Entry{version, name});
  Rebuild();
  return *this;
}

MigrationSet::MigrationSet(const MigrationSet& other)
    : entries_(other.entries_), texts_(other.texts_) {
  Rebuild();
}

MigrationSet& MigrationSet::operator=(const MigrationSet& other) {
  if (this != &other) {
    entries_ = other.entries_;
    texts_ = other.texts_;
    Rebuild();
  }
  return *this;
}

void MigrationSet::Rebuild() {
  list_.clear();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    list_.push_back(
        Migration{entries_[i].version, entries_[i].name, texts_[2 * i], texts_[2 * i + 1]});
  }
}

}  // namespace alcove::store
