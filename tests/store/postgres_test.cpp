// PostgreSQL-only promises: encryption is mandatory (C13) and row-level security is a
// second wall between tenants (C20).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "core/config.hpp"
#include "store/migrations.hpp"
#include "store/open_db.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/tenant_tables.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::store {
namespace {

using testing::PgTestSchema;

Result<std::unique_ptr<Db>> Open(const std::string& url, std::size_t pool = 4) {
  PostgresOptions o;
  o.url = url;
  o.max_connections = pool;
  return OpenPostgres(o);
}

// claim: C13
TEST(PostgresC13, RefusesUrlsThatDoNotRequireEncryption) {
  for (const char* url :
       {"postgresql://alcove@127.0.0.1:1/db", "postgresql://alcove@127.0.0.1:1/db?sslmode=disable",
        "postgresql://alcove@127.0.0.1:1/db?sslmode=allow",
        "postgresql://alcove@127.0.0.1:1/db?sslmode=prefer",
        "host=127.0.0.1 port=1 dbname=db sslmode=prefer"}) {
    auto db = Open(url);
    ASSERT_FALSE(db) << url;
    EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition) << url;
    EXPECT_NE(db.error().internal.find("sslmode=verify-full"), std::string::npos)
        << db.error().internal;
    EXPECT_NE(db.error().internal.find("C13"), std::string::npos);
  }
  EXPECT_TRUE(CheckPostgresUrl("postgresql://a@h/db?sslmode=verify-full"));
  EXPECT_TRUE(CheckPostgresUrl("postgresql://a@h/db?sslmode=verify-ca"));
  EXPECT_TRUE(CheckPostgresUrl("postgresql://a@h/db?sslmode=require"));
  EXPECT_FALSE(CheckPostgresUrl("postgresql://a@h/db?sslmode=verify-full&bogus=1"));
}

// claim: C13
TEST(PostgresC13, OpenDbRefusesAnUnencryptedConfiguration) {
  Config config;
  config.data_dir = "/nonexistent";
  config.database.url = "postgresql://alcove@127.0.0.1:1/alcove?sslmode=disable";
  auto db = OpenDb(config);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(db.error().internal.find("encrypted"), std::string::npos) << db.error().internal;
}

// A loopback "server" that answers PostgreSQL's SSLRequest with 'N' (no SSL), like a
// server running with ssl=off.
class NoSslServer {
 public:
  NoSslServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 4) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("NoSslServer: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      unsigned char request[8];
      std::size_t got = 0;
      while (got < sizeof request) {
        const ssize_t n = ::read(c, request + got, sizeof request - got);
        if (n <= 0) {
          break;
        }
        got += static_cast<std::size_t>(n);
      }
      ssl_requested_ = got == 8 && request[4] == 0x04 && request[5] == 0xd2 && request[6] == 0x16 &&
                       request[7] == 0x2f;  // 80877103
      const char no = 'N';
      (void)::write(c, &no, 1);
      unsigned char rest[256];
      while (::read(c, rest, sizeof rest) > 0) {
      }
      ::close(c);
    });
  }
  ~NoSslServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  bool ssl_requested() const { return ssl_requested_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  bool ssl_requested_ = false;
  std::thread thread_;
};

// claim: C13
TEST(PostgresC13, RefusesAServerThatDoesNotOfferSsl) {
  std::optional<NoSslServer> server(std::in_place);
  const std::string url = "postgresql://alcove:pw@127.0.0.1:" + std::to_string(server->port()) +
                          "/alcove?sslmode=require&connect_timeout=5";
  auto db = Open(url);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(db.error().internal.find("SSL"), std::string::npos) << db.error().internal;
  server.reset();  // joins the thread before reading what it saw
}

// claim: C13
TEST(PostgresC13, RefusesAnUnencryptedSessionEvenWhenLibpqAcceptsIt) {
  ALCOVE_REQUIRE_PG(urls);
  // Over a Unix socket libpq ignores sslmode=require: the session works but is not
  // encrypted, and the driver's own check refuses it.
  auto db = Open(urls.socket);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(db.error().internal.find("not using SSL"), std::string::npos) << db.error().internal;
}

// claim: C13
TEST(PostgresC13, ConnectsOverTls13WithVerifyFull) {
  ALCOVE_REQUIRE_PG(urls);
  auto db = Open(urls.app);
  ASSERT_TRUE(db) << db.error().internal;
  auto tx = (*db)->Begin();
  ASSERT_TRUE(tx);
  auto rows =
      (*tx)->Query("SELECT ssl::int, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  ASSERT_TRUE(rows) << rows.error().internal;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).Int(0), 1);
  EXPECT_EQ(rows->at(0).Text(1), "TLSv1.3");
}

TEST(Postgres, OpenDbTakesThePasswordFromTheNamedVariable) {
  ALCOVE_REQUIRE_PG(urls);
  // postgresql://alcove_app:PASSWORD@host...: move the password to the environment.
  const std::size_t colon = urls.app.find(':', std::string("postgresql://").size());
  const std::size_t at = urls.app.find('@');
  ASSERT_NE(colon, std::string::npos);
  ASSERT_NE(at, std::string::npos);
  const std::string password = urls.app.substr(colon + 1, at - colon - 1);
  Config config;
  config.data_dir = "/nonexistent";
  config.database.url = urls.app.substr(0, colon) + urls.app.substr(at);
  config.database.password_env = "TEST_PG_STORE_PASSWORD";
  ::unsetenv("TEST_PG_STORE_PASSWORD");
  auto missing = OpenDb(config);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().internal.find("TEST_PG_STORE_PASSWORD"), std::string::npos);
  ::setenv("TEST_PG_STORE_PASSWORD", password.c_str(), 1);
  auto db = OpenDb(config);
  ::unsetenv("TEST_PG_STORE_PASSWORD");
  ASSERT_TRUE(db) << db.error().internal;
  EXPECT_EQ((*db)->engine(), Engine::kPostgres);
  EXPECT_TRUE(CheckSessionRole(**db));
}

// The tenant table of the C20 tests, declared the way modules declare theirs.
const std::string& NotesPostgres() {
  static const std::string sql =
      "CREATE TABLE notes (id BIGINT PRIMARY KEY, tenant_id BIGINT NOT NULL, body TEXT NOT "
      "NULL);" +
      TenantTablePolicySql("notes");
  return sql;
}

std::vector<Migration> NotesMigrations() {
  std::vector<Migration> all(StoreMigrations().begin(), StoreMigrations().end());
  all.push_back({9000, "test_notes",
                 "CREATE TABLE notes (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, body "
                 "TEXT NOT NULL) STRICT",
                 NotesPostgres()});
  return all;
}

class PostgresRls : public ::testing::Test {
 protected:
  void SetUp() override {
    ALCOVE_REQUIRE_PG(urls);
    schema_ = std::make_unique<PgTestSchema>(urls);
    auto owner = Open(schema_->OwnerUrl());
    ASSERT_TRUE(owner) << owner.error().internal;
    const auto migrations = NotesMigrations();
    auto st = ApplyMigrations(**owner, migrations);
    ASSERT_TRUE(st) << st.error().internal;
    // One connection, so every transaction reuses the session of the one before.
    auto app = Open(schema_->AppUrl(), 1);
    ASSERT_TRUE(app) << app.error().internal;
    app_ = std::move(*app);
    for (const TenantId t : {1, 2}) {
      auto tx = app_->BeginTenant(t);
      ASSERT_TRUE(tx) << tx.error().internal;
      for (std::int64_t i = 0; i < 3; ++i) {
        const Value p[] = {t * 100 + i, t, std::string("note of tenant ") + std::to_string(t)};
        auto n = (*tx)->Execute("INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, $3)", p);
        ASSERT_TRUE(n) << n.error().internal;
      }
      ASSERT_TRUE((*tx)->Commit());
    }
  }

  std::int64_t CountAs(std::optional<TenantId> tenant, const char* where = "") {
    auto tx = tenant ? app_->BeginTenant(*tenant) : app_->Begin();
    EXPECT_TRUE(tx);
    auto rows = (*tx)->Query(std::string("SELECT count(*) FROM notes ") + where);
    EXPECT_TRUE(rows) << rows.error().internal;
    return rows ? rows->at(0).Int(0) : -1;
  }

  std::unique_ptr<PgTestSchema> schema_;
  std::unique_ptr<Db> app_;
};

// claim: C20
TEST_F(PostgresRls, C20_TenantCannotReadAnotherTenantsRowsWithoutAFilter) {
  EXPECT_EQ(CountAs(1), 3);
  EXPECT_EQ(CountAs(2), 3);
  EXPECT_EQ(CountAs(1, "WHERE tenant_id = 2"), 0);
  auto tx = app_->BeginTenant(1);
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT id FROM notes WHERE id = 200");
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty());
}

// claim: C20
TEST_F(PostgresRls, C20_TenantCannotUpdateOrDeleteAnotherTenantsRows) {
  {
    auto tx = app_->BeginTenant(1);
    ASSERT_TRUE(tx);
    auto updated = (*tx)->Execute("UPDATE notes SET body = 'overwritten'");
    ASSERT_TRUE(updated);
    EXPECT_EQ(*updated, 3);  // its own three, not tenant 2's
    auto deleted = (*tx)->Execute("DELETE FROM notes WHERE tenant_id = 2");
    ASSERT_TRUE(deleted);
    EXPECT_EQ(*deleted, 0);
    ASSERT_TRUE((*tx)->Commit());
  }
  // Moving its own row to the other tenant is refused by WITH CHECK.
  {
    auto tx = app_->BeginTenant(1);
    ASSERT_TRUE(tx);
    auto moved = (*tx)->Execute("UPDATE notes SET tenant_id = 2 WHERE id = 100");
    ASSERT_FALSE(moved);
    EXPECT_EQ(moved.error().code, ErrorCode::kPermissionDenied) << moved.error().internal;
  }
  EXPECT_EQ(CountAs(2), 3);
  auto tx = app_->BeginTenant(2);
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT count(*) FROM notes WHERE body = 'overwritten'");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->at(0).Int(0), 0);
}

// claim: C20
TEST_F(PostgresRls, C20_TenantCannotInsertRowsForAnotherTenant) {
  auto tx = app_->BeginTenant(1);
  ASSERT_TRUE(tx);
  const Value p[] = {std::int64_t{999}, std::int64_t{2}};
  auto n = (*tx)->Execute("INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'planted')", p);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::kPermissionDenied) << n.error().internal;
  tx->reset();
  EXPECT_EQ(CountAs(2), 3);
}

// claim: C20
TEST_F(PostgresRls, C20_WithoutATenantNoTenantRowIsVisibleOrWritable) {
  // The session's previous transactions set app.tenant_id LOCALly: nothing leaks.
  EXPECT_EQ(CountAs(std::nullopt), 0);
  auto tx = app_->Begin();
  ASSERT_TRUE(tx);
  auto n = (*tx)->Execute("INSERT INTO notes (id, tenant_id, body) VALUES (5, 1, 'x')");
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::kPermissionDenied);
}

// claim: C20
TEST_F(PostgresRls, C20_AppRoleCannotBypassOrDisableTheWall) {
  auto tx = app_->Begin();
  ASSERT_TRUE(tx);
  auto role = (*tx)->Query(
      "SELECT rolsuper::int, rolbypassrls::int FROM pg_roles WHERE rolname = current_user");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->at(0).Int(0), 0);
  EXPECT_EQ(role->at(0).Int(1), 0);
  auto table = (*tx)->Query(
      "SELECT relrowsecurity::int, relforcerowsecurity::int FROM pg_class WHERE relname = "
      "'notes' AND relnamespace = current_schema()::regnamespace");
  ASSERT_TRUE(table) << table.error().internal;
  EXPECT_EQ(table->at(0).Int(0), 1);
  EXPECT_EQ(table->at(0).Int(1), 1);
  EXPECT_FALSE((*tx)->Execute("ALTER TABLE notes DISABLE ROW LEVEL SECURITY"));
  tx->reset();
  auto tx2 = app_->Begin();
  ASSERT_TRUE(tx2);
  EXPECT_FALSE((*tx2)->Execute("DROP POLICY tenant_isolation ON notes"));
  tx2->reset();
  auto tx3 = app_->Begin();
  ASSERT_TRUE(tx3);
  // row_security=off does not switch the policy off: the query is refused instead.
  ASSERT_TRUE((*tx3)->Query("SELECT set_config('row_security', 'off', true)"));
  auto all = (*tx3)->Query("SELECT count(*) FROM notes");
  ASSERT_FALSE(all);
  tx3->reset();
  EXPECT_TRUE(CheckSessionRole(*app_));
}

// claim: C20
TEST_F(PostgresRls, C20_OwnerIsSubjectToThePolicyToo) {
  auto owner = Open(schema_->OwnerUrl());
  ASSERT_TRUE(owner);
  auto tx = (*owner)->BeginTenant(1);
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT count(*) FROM notes");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->at(0).Int(0), 3);  // FORCE ROW LEVEL SECURITY
}

TEST(PostgresMigrations, AppRoleCannotRunMigrations) {
  ALCOVE_REQUIRE_PG(urls);
  PgTestSchema schema(urls);
  auto owner = Open(schema.OwnerUrl());
  ASSERT_TRUE(owner);
  ASSERT_TRUE(ApplyMigrations(**owner, StoreMigrations()));
  auto app = Open(schema.AppUrl());
  ASSERT_TRUE(app);
  // Nothing pending: the app role may check the schema at start-up.
  EXPECT_TRUE(ApplyMigrations(**app, StoreMigrations()));
  const auto pending = NotesMigrations();
  auto st = ApplyMigrations(**app, pending);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().internal.find("migration 9000"), std::string::npos) << st.error().internal;
}

TEST(Postgres, TenantTablePolicySqlRefusesOddNames) {
  EXPECT_THROW(TenantTablePolicySql("notes; DROP TABLE x"), std::logic_error);
  EXPECT_THROW(TenantTablePolicySql("Notes"), std::logic_error);
  EXPECT_THROW(TenantTablePolicySql(""), std::logic_error);
  const std::string sql = TenantTablePolicySql("client_notes");
  EXPECT_NE(sql.find("FORCE ROW LEVEL SECURITY"), std::string::npos);
  EXPECT_NE(sql.find("NULLIF(current_setting('app.tenant_id', true), '')::bigint"),
            std::string::npos);
  EXPECT_NE(sql.find("WITH CHECK"), std::string::npos);
}

}  // namespace
}  // namespace alcove::store
