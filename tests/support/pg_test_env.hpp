#pragma once

#include <memory>
#include <optional>
#include <string>

#include "store/db.hpp"

namespace alcove::testing {

// The throwaway PostgreSQL cluster of scripts/pg-test-cluster, found through
// TEST_PG_OWNER_URL / TEST_PG_APP_URL / TEST_PG_SOCKET_URL.
struct PgUrls {
  std::string owner;
  std::string app;
  std::string socket;
};

// The URLs, or nullopt when the variables are missing.
std::optional<PgUrls> FindPgUrls();

// True when a missing cluster is a failure rather than a reason to skip: under CI
// (CI=true) or `make test` (scripts/test sets TEST_PG_REQUIRED=1).
bool PgRequired();

// What a test says when the cluster is missing.
inline constexpr const char* kPgMissing =
    "PostgreSQL test cluster not found: run `eval \"$(scripts/pg-test-cluster start BUILD)\"` "
    "first (make test does)";

// `url` with one more query parameter.
std::string WithParam(const std::string& url, const std::string& param);

// In the owner's transaction `tx`: lifts FORCE ROW LEVEL SECURITY from every table of
// the current schema that has it (every module's tenant tables), so that pg_dump of a
// throwaway test schema holds every row. Returns how many tables; -1 on an error.
int LiftForcedRowSecurity(store::Transaction& tx);

// A fresh schema of its own in the test database, so tests can run in parallel and
// migrate from scratch; dropped (CASCADE) on destruction. OwnerUrl/AppUrl connect with
// search_path set to it.
class PgTestSchema {
 public:
  explicit PgTestSchema(PgUrls urls);
  PgTestSchema(const PgTestSchema&) = delete;
  PgTestSchema& operator=(const PgTestSchema&) = delete;
  ~PgTestSchema();
  const std::string& name() const { return name_; }
  std::string OwnerUrl() const;
  std::string AppUrl() const;
  const PgUrls& urls() const { return urls_; }

 private:
  PgUrls urls_;
  std::string name_;
};

}  // namespace alcove::testing

// Skips (developer run) or fails (CI, make test) the current test when the cluster is
// missing; otherwise declares `var` as the PgUrls.
#define ALCOVE_REQUIRE_PG(var)                        \
  auto var##_found = ::alcove::testing::FindPgUrls(); \
  if (!var##_found) {                                 \
    if (::alcove::testing::PgRequired()) {            \
      FAIL() << ::alcove::testing::kPgMissing;        \
    }                                                 \
    GTEST_SKIP() << ::alcove::testing::kPgMissing;    \
  }                                                   \
  const ::alcove::testing::PgUrls& var = *var##_found
