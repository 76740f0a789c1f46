// The real binary on PostgreSQL (issues #6 and #7: "every one also on PostgreSQL"): a
// server migrated by the owner role and serving as the app role (row-level security on),
// with the database-backed rate-limit store, driven over HTTPS through sign-up, magic
// links, sessions, records and rate limits; then a pg_dump of its schema holds no token,
// address, name or record content.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <string>

#include "store/postgres/postgres_db.hpp"
#include "support/browser.hpp"
#include "support/pg_test_env.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

// postgresql://user:password@host... -> {postgresql://user@host..., password}.
std::pair<std::string, std::string> SplitPassword(const std::string& url) {
  const auto scheme = url.find("://") + 3;
  const auto at = url.find('@', scheme);
  const auto colon = url.find(':', scheme);
  if (at == std::string::npos || colon == std::string::npos || colon > at) {
    return {url, ""};
  }
  return {url.substr(0, colon) + url.substr(at), url.substr(colon + 1, at - colon - 1)};
}

std::string Dump(const PgTestSchema& schema) {
  {
    // pg_dump refuses tables whose rows row-level security would hide; the owner lifts
    // FORCE on this throwaway schema so that the dump holds every row.
    store::PostgresOptions owner;
    owner.url = schema.OwnerUrl();
    auto db = store::OpenPostgres(owner);
    EXPECT_TRUE(db) << db.error().internal;
    auto tx = (*db)->Begin();
    EXPECT_TRUE(tx);
    for (const char* t : {"clients", "notes", "note_versions", "note_addenda", "drafts",
                          "summaries", "conceptualizations", "practice_settings"}) {
      EXPECT_TRUE((*tx)->Execute(std::string("ALTER TABLE ") + t + " NO FORCE ROW LEVEL SECURITY"));
    }
    EXPECT_TRUE((*tx)->Commit());
  }
  const std::string cmd = "/usr/lib/postgresql/15/bin/pg_dump --no-owner --schema=" +
                          schema.name() + " '" + schema.urls().owner + "' 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  char buf[65536];
  std::size_t n = 0;
  while (p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  if (p != nullptr) {
    EXPECT_EQ(pclose(p), 0) << out.substr(0, 400);
  }
  return out;
}

TEST(PostgresServer, C20C23C24C26C27C30C01SignInAndRecordsThroughTheBinary) {
  ALCOVE_REQUIRE_PG(urls);
  PgTestSchema schema(urls);
  const auto [app_url, app_password] = SplitPassword(schema.AppUrl());
  const auto [owner_url, owner_password] = SplitPassword(schema.OwnerUrl());
  ServerProcess::Options options;
  options.env = {
      {"ALCOVE_DATABASE_URL", app_url},
      {"ALCOVE_DATABASE_PASSWORD_ENV", "PG_APP_PASSWORD"},
      {"PG_APP_PASSWORD", app_password},
      {"ALCOVE_DATABASE_MIGRATION_URL", owner_url},
      {"ALCOVE_DATABASE_MIGRATION_PASSWORD_ENV", "PG_OWNER_PASSWORD"},
      {"PG_OWNER_PASSWORD", owner_password},
      {"ALCOVE_RATE_LIMITS_STORE", "database"},
      {"ALCOVE_RATE_LIMITS_MAGIC_LINK", "2 per 1h burst 2"},
      // Every request here comes from 127.0.0.1: the per-IP budget must not be the limit.
      {"ALCOVE_RATE_LIMITS_SIGN_IN", "1000 per 1h burst 1000"},
  };
  ServerProcess server(options);
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  const std::string a_email = "pg.therapist.a@example.org";
  const std::string b_email = "pg.therapist.b@example.org";
  Browser a(server.origin(), server.certificate(), "PgBrowserA/1.0");
  Browser b(server.origin(), server.certificate(), "PgBrowserB/1.0");
  ASSERT_TRUE(SignUp(a, outbox, a_email, "Quentin Pgmarker"));
  ASSERT_TRUE(SignUp(b, outbox, b_email, "Rosalind Other"));
  const std::string a_csrf = CsrfToken(a);
  ASSERT_FALSE(a_csrf.empty());

  // Records (C01, C20): A's client and note; B gets 404 for them.
  const HttpResult client = a.PostJson(
      "/api/v1/clients", json::object{{"name", "Ulysses Pgname"}, {"notes", "pg-marker-profile"}},
      {"X-CSRF-Token: " + a_csrf});
  ASSERT_EQ(client.status, 201) << client.body;
  const std::string client_id = StringAt(JsonOf(client), "id");
  EXPECT_EQ(StringAt(JsonOf(client), "alias"), "U.P.");
  const HttpResult note = a.PostJson(
      "/api/v1/clients/" + client_id + "/notes",
      json::object{{"session_date", "2026-11-20"},
                   {"format", "soap"},
                   {"content", json::object{{"subjective", "pg-marker-subjective"}}}},
      {"X-CSRF-Token: " + a_csrf});
  ASSERT_EQ(note.status, 201) << note.body;
  const HttpResult notes = a.Get("/api/v1/clients/" + client_id + "/notes");
  ASSERT_EQ(notes.status, 200);
  EXPECT_NE(notes.body.find("pg-marker-subjective"), std::string::npos);
  EXPECT_EQ(b.Get("/api/v1/clients/" + client_id).status, 404);
  EXPECT_EQ(b.Get("/api/v1/clients/" + client_id + "/notes").status, 404);
  EXPECT_EQ(b.Get("/api/v1/clients/00000000000000000000000000000000").body.substr(0, 40),
            b.Get("/api/v1/clients/" + client_id).body.substr(0, 40));

  // C26: A's second link (A's address: 2 per hour) does not work in B's browser, then does
  // in A's.
  std::string token;
  ASSERT_TRUE(RequestLink(a, outbox, a_email, &token));
  EXPECT_EQ(Consume(b, token).status, 401);
  Browser a2 = a;  // the same browser profile, signing in again
  EXPECT_EQ(Consume(a2, token).status, 200);
  EXPECT_EQ(Consume(a2, token).status, 401) << "single use";

  // C30 with the database store: A's address has 2 links an hour for browsers A never
  // used (A's own browser has a budget of its own, C32); the sign-up spent one, so a
  // stranger gets one more and then 429, as for an unknown address.
  Browser stranger(server.origin(), server.certificate());
  EXPECT_EQ(
      stranger.PostJson("/api/v1/auth/magic-link", json::object{{"email", a_email}}).status, 202);
  const HttpResult third =
      stranger.PostJson("/api/v1/auth/magic-link", json::object{{"email", a_email}});
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_TRUE(third.Header("Retry-After"));
  Browser visitor(server.origin(), server.certificate());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(visitor.PostJson("/api/v1/auth/magic-link", json::object{{"email", "nobody@example.org"}})
                  .status,
              202);
  }
  const HttpResult unknown_third =
      visitor.PostJson("/api/v1/auth/magic-link", json::object{{"email", "nobody@example.org"}});
  EXPECT_EQ(unknown_third.status, 429);
  EXPECT_EQ(unknown_third.body, third.body);

  // C24: A's session cookie with B's device cookie is refused, and A's session dies.
  Browser thief = a;
  thief.SetCookie(kDeviceCookie, *b.Cookie(kDeviceCookie));
  EXPECT_EQ(thief.Get("/api/v1/me").status, 401);
  EXPECT_EQ(a.Get("/api/v1/me").status, 401);

  // C23: a2 revokes B? No: a2 lists and revokes its own other sessions (none left but
  // itself), and logout ends it on the next request.
  const std::string a2_csrf = CsrfToken(a2);
  const HttpResult sessions = a2.Get("/api/v1/sessions");
  ASSERT_EQ(sessions.status, 200);
  EXPECT_EQ(JsonOf(sessions).as_array().size(), 1u);
  EXPECT_EQ(a2.Request("POST", "/api/v1/auth/logout", std::nullopt, {"X-CSRF-Token: " + a2_csrf})
                .status,
            204);
  Browser a2_replay = a2;
  EXPECT_EQ(a2_replay.Get("/api/v1/me").status, 401);

  // The audit log of the tenant, and a clean stop.
  const HttpResult audit = b.Get("/api/v1/audit?limit=5");
  EXPECT_EQ(audit.status, 200);
  EXPECT_EQ(server.Stop(), 0) << server.Stderr();

  // C01, C27, C50: the schema holds no token, address, name or content.
  const std::string dump = Dump(schema);
  ASSERT_NE(dump.find("CREATE TABLE"), std::string::npos);
  ASSERT_NE(dump.find(client_id), std::string::npos) << "self-check: the dump has the rows";
  for (const std::string& secret :
       {token, a_email, b_email, std::string("Pgmarker"), std::string("Ulysses"),
        std::string("Pgname"), std::string("pg-marker-profile"),
        std::string("pg-marker-subjective"), *b.Cookie(kSessionCookie),
        *b.Cookie(kDeviceCookie)}) {
    EXPECT_EQ(dump.find(secret), std::string::npos) << "stored in the clear";
  }
  const std::string log = server.Stderr();
  for (const std::string marker : {"Pgmarker", "Ulysses", "pg-marker", "pg.therapist"}) {
    EXPECT_EQ(log.find(marker), std::string::npos) << marker << " in the server log";
  }
}

}  // namespace
}  // namespace alcove::testing
