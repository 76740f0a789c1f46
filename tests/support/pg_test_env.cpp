#include "support/pg_test_env.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "store/ids.hpp"
#include "store/postgres/postgres_db.hpp"

namespace alcove::testing {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    return std::nullopt;
  }
  return std::string(v);
}

void RunAsOwner(const std::string& owner_url, const std::string& sql) {
  store::PostgresOptions o;
  o.url = owner_url;
  o.max_connections = 1;
  auto db = store::OpenPostgres(o);
  if (!db) {
    throw std::runtime_error("test schema: " + db.error().internal);
  }
  auto tx = (*db)->Begin();
  if (!tx || !(*tx)->ExecuteScript(sql) || !(*tx)->Commit()) {
    throw std::runtime_error("test schema: cannot run " + sql);
  }
}

}  // namespace

std::optional<PgUrls> FindPgUrls() {
  auto owner = Env("TEST_PG_OWNER_URL");
  auto app = Env("TEST_PG_APP_URL");
  auto socket = Env("TEST_PG_SOCKET_URL");
  if (!owner || !app || !socket) {
    return std::nullopt;
  }
  return PgUrls{*owner, *app, *socket};
}

bool PgRequired() {
  auto ci = Env("CI");
  auto required = Env("TEST_PG_REQUIRED");
  return (ci && *ci == "true") || (required && *required == "1");
}

std::string WithParam(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

PgTestSchema::PgTestSchema(PgUrls urls) : urls_(std::move(urls)), name_("t_" + store::NewId()) {
  RunAsOwner(urls_.owner, "CREATE SCHEMA " + name_);
}

PgTestSchema::~PgTestSchema() {
  try {
    RunAsOwner(urls_.owner, "DROP SCHEMA " + name_ + " CASCADE");
  } catch (const std::exception&) {
    // the cluster is thrown away after the run anyway
  }
}

std::string PgTestSchema::OwnerUrl() const {
  return WithParam(urls_.owner, "options=-csearch_path%3D" + name_);
}

std::string PgTestSchema::AppUrl() const {
  return WithParam(urls_.app, "options=-csearch_path%3D" + name_);
}

int LiftForcedRowSecurity(store::Transaction& tx) {
  auto forced =
      tx.Query("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = current_schema() AND c.relforcerowsecurity");
  if (!forced) {
    return -1;
  }
  for (const auto& row : *forced) {
    if (!tx.Execute("ALTER TABLE " + row.Text(0) + " NO FORCE ROW LEVEL SECURITY")) {
      return -1;
    }
  }
  return static_cast<int>(forced->size());
}

}  // namespace alcove::testing
