#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "audit/event.hpp"
#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "store/db.hpp"

namespace alcove::identity {

// What a change did, for its audit event: the action and the object, plus details (ids
// and counts only: audit::Details refuses anything else).
struct AuditNote {
  audit::Action action{};
  std::string object_type;
  std::string object_id;
  audit::Details details;
};

// A value and the audit note of the change that made it.
template <typename T>
struct Audited {
  T value;
  AuditNote note;
};

// A value and the audit notes of a change that is several audited acts at once (a week
// of session logs typed in one form: one event per session).
template <typename T>
struct AuditedEach {
  T value;
  std::vector<AuditNote> notes;
};

// The two shapes every domain module's data access takes (docs/adding-a-module.md):
//
// Write: one transaction confined to the caller's tenant (Db::BeginTenant: row-level
// security on PostgreSQL), the module's work in it, the audit event appended in the
// same transaction, one commit. The event exists exactly when the change does (C40);
// on any error the transaction rolls back and nothing of it remains.
//
// Read: for data that leaves the server, one committed audit event before it is
// returned (audit::Log::RecordRead), naming what was shown. A page that shows several
// objects records one event for all of them.
//
// Borrows everything. Thread-safety: as the database; any thread, no shared state.
class UnitOfWork {
 public:
  UnitOfWork(store::Db& db, const audit::Log& log, const Clock& clock)
      : db_(db), log_(log), clock_(clock) {}

  // `work(tx)` returns Result<Audited<T>>; Write returns its value after the commit.
  // REQUIRES: the calling thread holds no transaction.
  template <Role kRole, typename Work>
  auto Write(const Scope<kRole>& who, const Caller& caller, Work&& work)
      -> Result<decltype(std::declval<Work>()(std::declval<store::Transaction&>())->value)> {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto done, std::forward<Work>(work)(*tx));
    ALCOVE_TRY(log_.Append(*tx, EventOf(who, caller, done.note)));
    ALCOVE_TRY(tx->Commit());
    return std::move(done.value);
  }

  // As Write, for work that returns Result<AuditedEach<T>>: every note becomes one event,
  // appended in order in the same transaction before its one commit, so the events exist
  // exactly when the change does. A change with no note is refused (kInternal, nothing
  // committed): every change is audited.
  // REQUIRES: the calling thread holds no transaction.
  template <Role kRole, typename Work>
  auto WriteEach(const Scope<kRole>& who, const Caller& caller, Work&& work)
      -> Result<decltype(std::declval<Work>()(std::declval<store::Transaction&>())->value)> {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto done, std::forward<Work>(work)(*tx));
    if (done.notes.empty()) {
      return Fail(ErrorCode::kInternal, "a change without an audit note was not committed");
    }
    for (const AuditNote& note : done.notes) {
      ALCOVE_TRY(log_.Append(*tx, EventOf(who, caller, note)));
    }
    ALCOVE_TRY(tx->Commit());
    return std::move(done.value);
  }

  // Records, and commits, the read described by `note` before anything is returned.
  template <Role kRole>
  Status Read(const Scope<kRole>& who, const Caller& caller, const AuditNote& note) {
    ALCOVE_TRY(log_.RecordRead(db_, EventOf(who, caller, note)));
    return {};
  }

  store::Db& db() { return db_; }

 private:
  template <Role kRole>
  audit::Event EventOf(const Scope<kRole>& who, const Caller& caller, const AuditNote& note) {
    audit::Event e = EventFor(clock_.Now(), note.action, who.tenant(), who.account_id(), caller,
                              note.object_type, note.object_id);
    e.details = note.details;
    return e;
  }

  store::Db& db_;
  const audit::Log& log_;
  const Clock& clock_;
};

// The details of a change to something of one client: {"client": id}.
audit::Details ClientDetails(std::string_view client_id);

}  // namespace alcove::identity
