#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/password_hasher.hpp"
#include "hours/supervisor_directory.hpp"
#include "identity/identity.hpp"
#include "identity/principal.hpp"
#include "mail/queue.hpp"
#include "store/blob_store.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"
#include "web/app.hpp"

namespace alcove::measures {
class Measures;
}  // namespace alcove::measures
namespace alcove::recordings {
class Recordings;
}  // namespace alcove::recordings
namespace alcove::ai {
struct Providers;
class Jobs;
}  // namespace alcove::ai

namespace alcove::cli {

// What a domain module's service may borrow; made once by `alcove serve` (and by the
// tests' app harness). All outlive every module instance.
class ModuleInstance;
struct ModuleDeps {
  store::Db& db;
  crypto::KeyRing& keys;
  const audit::Log& log;
  const Clock& clock;
  // Accounts (supervisors are accounts of their own tenant), argon2id (PINs, C25), mail
  // (links only, C53) and the origin links in mail are on.
  identity::Identity& identity;
  crypto::PasswordHasher& hasher;
  mail::Queue& mail;
  std::string public_origin;
  // The latest signed audit checkpoint, signing one first if it does not cover `covering`
  // events (receipts, C42); nullopt when none can be had. And the checkpoints' verifier key.
  std::function<std::optional<audit::SignedCheckpoint>(std::uint64_t covering)> checkpoint;
  std::string verifier_key;
  // A module made earlier in the list, by name, or null (set by ModuleSet: a module
  // built on another, as schedule on practice, finds it here).
  std::function<ModuleInstance*(std::string_view)> earlier;
  // The associates' supervisors as hours sees them (hours/supervisor_directory.hpp), when
  // given (a test's fake); null: the hours module's own (hours::Supervision::Directory).
  const hours::SupervisorDirectory* supervisor_directory = nullptr;
  // Where recordings' ciphertext goes (store/blob_store.hpp): the server's is
  // DATA_DIR/blobs. Required by the recordings module.
  store::BlobStore* blobs = nullptr;
  // The AI providers (ai/provider.hpp), made by serve from the configuration (ai.*); null:
  // every AI job is off (the tests' default; a test may lend fakes). `ai_workers` threads
  // run the jobs (0: none; a test runs them with ai::Jobs::RunNext).
  const ai::Providers* ai_providers = nullptr;
  unsigned ai_workers = 0;
};

// A running domain module: its service and what the server asks of it.
class ModuleInstance {
 public:
  virtual ~ModuleInstance() = default;
  // Its routes (through the facade, so every one declares its audience).
  virtual std::unique_ptr<web::RouteSet> AddRoutes(web::RouteKit& kit,
                                                   web::IdentityServices& identity,
                                                   const web::Templates& templates) = 0;
  // Once a minute from the server's housekeeping thread (sweepers). Errors are logged.
  virtual void Housekeeping(Micros /*now*/) {}
  // Client aliases by id for the audit page's words ("You viewed J.D.'s record").
  virtual void AddAliases(const identity::Principal& /*who*/,
                          std::map<std::string, std::string>& /*out*/) {}
};

// One entry of the module list: a name, its migrations, and how to make it (null for
// modules that have tables but no service of their own here, e.g. the key ring).
struct Module {
  std::string_view name;
  std::span<const store::Migration> (*migrations)();
  std::function<std::unique_ptr<ModuleInstance>(const ModuleDeps&)> make;
};

// Every module, bottom layer first (version ranges: store 1-99, key ring 100-149, tokens
// 150-199, audit 200-299, identity 300-399, practice 400-499, schedule 500-599, hours 600-699,
// measures 700-799, portal 800-899,
// recordings 900-999, ai 1000-1099). Adding a domain module is its folder and one line here
// (docs/adding-a-module.md). `alcove init` and `alcove serve` apply the migrations of all of them;
// serve makes each instance, adds its routes and runs its housekeeping; the tests walk the same
// list.
const std::vector<Module>& Modules();

// The domain modules' running instances, made from Modules() in order.
class ModuleSet {
 public:
  explicit ModuleSet(const ModuleDeps& deps);
  // For web::AppOptions::modules: each instance's routes.
  std::vector<web::RouteAdder> RouteAdders(web::IdentityServices& identity);
  void Housekeeping(Micros now);
  std::map<std::string, std::string> Aliases(const identity::Principal& who);
  // The instance of `name` (tests), or null.
  ModuleInstance* Find(std::string_view name);
  // Later modules go first: one built on another stops before it (AI workers before the
  // recordings they read).
  ~ModuleSet();
  ModuleSet(const ModuleSet&) = delete;
  ModuleSet& operator=(const ModuleSet&) = delete;

 private:
  std::vector<std::pair<std::string_view, std::unique_ptr<ModuleInstance>>> instances_;
};

// Part "api" of the measures (tests): the measures module's service in `set` (the one the
// routes use, with its flag notice), or null.
measures::Measures* MeasuresOf(ModuleSet& set);
// The recordings module's service in `set` (tests), or null.
recordings::Recordings* RecordingsOf(ModuleSet& set);
// The AI module's jobs in `set` (tests), or null.
ai::Jobs* AiJobsOf(ModuleSet& set);

}  // namespace alcove::cli
