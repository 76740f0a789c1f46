#pragma once

// The database the hours benchmarks run against (hours_summary_bench.cpp,
// hours_import_bench.cpp): SQLite in a temporary directory with the production settings,
// every module's migrations, a master key file, the key ring, the audit log, the hours
// service, tenant 1 and an AMFT associate's profile. Removed when the program ends.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "audit/log.hpp"
#include "cli/database.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "hours/hours.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace alcove::bench {

struct HoursBenchDb {
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<crypto::KeyRing> ring;
  std::unique_ptr<audit::Log> log;
  std::unique_ptr<hours::Hours> hours;
  identity::TherapistScope who = *identity::TherapistScope::From(
      identity::Principal{.account_id = "0123456789abcdef0123456789abcdef",
                          .tenant = 1,
                          .role = identity::Role::kTherapist,
                          .session_id = "s"});
};

[[noreturn]] inline void DieOfBench(const char* bench, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", bench, what.c_str());
  std::exit(1);
}

// `bench` names the program in errors and the temporary directory.
inline HoursBenchDb OpenHoursBenchDb(const char* bench, hours::Day degree_date,
                                     const identity::Caller& caller) {
  HoursBenchDb x;
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (std::string("alcove-") + bench + "-XXXXXX"))
          .string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    DieOfBench(bench, "mkdtemp failed");
  }
  x.dir = tmpl;
  static std::filesystem::path to_remove;
  to_remove = x.dir;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(to_remove, ec);
  });
  auto db = store::OpenSqlite(x.dir / store::kSqliteFileName);
  if (!db) {
    DieOfBench(bench, db.error().internal);
  }
  x.db = std::move(*db);
  if (auto st = store::ApplyMigrations(*x.db, cli::AllMigrations()); !st) {
    DieOfBench(bench, st.error().internal);
  }
  const auto key_file = x.dir / "master.key";
  if (!crypto::CreateMasterKeyFile(key_file)) {
    DieOfBench(bench, "cannot create the master key file");
  }
  auto ring = crypto::KeyRing::OpenWithKeyFile(*x.db, key_file, SystemClock::Instance());
  if (!ring) {
    DieOfBench(bench, ring.error().internal);
  }
  x.ring = std::move(*ring);
  x.log = std::make_unique<audit::Log>(x.db->engine());
  x.hours = std::make_unique<hours::Hours>(*x.db, *x.ring, *x.log, SystemClock::Instance(),
                                           hours::Lookups{});
  auto tx = x.db->Begin();
  const store::Value p[] = {x.who.tenant(), SystemClock::Instance().Now()};
  if (!tx || !(*tx)->Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", p) ||
      !(*tx)->Commit()) {
    DieOfBench(bench, "cannot create the tenant");
  }
  if (auto st = x.hours->SetProfile(
          x.who, hours::Profile{.track = hours::Track::kAmft, .degree_date = degree_date}, caller);
      !st) {
    DieOfBench(bench, st.error().internal);
  }
  return x;
}

}  // namespace alcove::bench
