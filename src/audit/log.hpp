#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/event.hpp"
#include "audit/merkle.hpp"
#include "audit/receipt.hpp"
#include "core/error.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::audit {

// The audit log's tables (versions 200–299; docs/audit.md § Schema):
//   audit_events (seq, id, tenant_id, at, action, event, leaf_hash): one row per event,
//     seq = leaf index from 0, event = canonical bytes, tenant_id 0 for system events;
//   audit_nodes (level, idx, hash): every complete subtree of level >= 1, for proofs;
//   audit_head (one = 1, size, frontier): the tree size and its compact range.
// The database refuses UPDATE and DELETE of audit_events and audit_nodes (SQLite
// triggers; PostgreSQL: no UPDATE/DELETE/TRUNCATE privilege for the app role, and
// triggers for every role), and INSERT OR REPLACE over an existing row (SQLite trigger).
// The audit tables are not row-level-security tenant tables: every append reads and
// extends the one tree that all tenants share, and an inclusion proof for one tenant's
// event needs hashes of others' (hashes only). Tenant reads are scoped in the SQL of
// ListEvents and ProofFor.
std::span<const store::Migration> AuditMigrations();

// The tree as the database holds it.
struct TreeHead {
  CompactRange range;
  std::uint64_t size() const { return range.size(); }
  Hash root() const { return range.Root(); }
};

// Reads audit_head. kInternal if it is malformed.
Result<TreeHead> ReadHead(store::Transaction& tx);

// What one committed transaction did to the tree: it read the head (from_size, from_root)
// and appended up to (size, root). The end extends the start by construction (the leaves
// were appended to the compact range whose root is from_root).
struct CommittedHead {
  std::uint64_t from_size = 0;
  Hash from_root{};
  std::uint64_t size = 0;
  Hash root{};
};

// Appends events to the one Merkle tree of the log (claim C40).
// Thread-safety: every method but SetCommitListener may be called from any thread; Append
// each with its own transaction. Appends are single-writer: on SQLite the transaction
// already holds the write lock (BEGIN IMMEDIATE); on PostgreSQL Append locks the head row
// (SELECT ... FOR UPDATE) until the caller's transaction ends, so sequence numbers are
// dense and the order of leaves is the order of commits.
class Log {
 public:
  // The most events one group commit of RecordRead(s) appends (a larger RecordReads call
  // is still committed whole, in a transaction of its own).
  static constexpr std::size_t kMaxBatch = 256;

  explicit Log(store::Engine engine) : engine_(engine) {}
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends `event` in the caller's transaction `tx`: it becomes visible only if `tx`
  // commits, and disappears with everything else if `tx` rolls back — never a change
  // without its event, never an event for a change that did not happen. Assigns the
  // next sequence number and a random id. Errors: kInvalidArgument from Validate; the
  // database's errors (then `tx` is spoilt: the caller's change cannot commit either).
  Result<LoggedEvent> Append(store::Transaction& tx, const Event& event) const;

  // For reads and exports, whose data leaves the server instead of changing a row:
  // appends `event` and commits it before returning. CONTRACT: call it after the data has
  // been read and before any of it is sent; send nothing if it fails. Thus no client data
  // leaves the server without a committed event saying so (an event for data that was
  // then not delivered, e.g. a dropped connection, is possible; the reverse is not).
  //
  // Group commit: concurrent calls on this Log with the same `db` share one transaction
  // and one commit (at most kMaxBatch events). A caller queues its event; the first in
  // the queue when no batch is running leads: it takes the waiting events, appends them
  // in order (Append, one statement sequence per event), commits, and wakes the others
  // with their own LoggedEvent. The transaction is confined to the events' tenant when
  // they all have the same one (not 0), and is otherwise unconfined (Db::Begin): the audit
  // tables are not row-level-security tenant tables, so it may append for any tenant.
  // Errors: kInvalidArgument from Validate, for this caller alone (its event never joins
  // a batch); otherwise the batch's error — when its transaction cannot begin, an append
  // fails or the commit fails, every caller in the batch gets that error and none of its
  // events is in the log. A success always means the event is committed.
  // REQUIRES: the calling thread holds no transaction (SQLite allows one per thread).
  Result<LoggedEvent> RecordRead(store::Db& db, const Event& event) const;

  // RecordRead for the several events of one read (a page that shows several objects):
  // all of them are committed, in order and in one transaction, or none. Returns their
  // LoggedEvents in the order of `events` (none, without touching the database, when
  // `events` is empty). Errors: kInvalidArgument when any event fails Validate (then none
  // is appended); otherwise as RecordRead.
  // REQUIRES: as RecordRead.
  Result<std::vector<LoggedEvent>> RecordReads(store::Db& db, std::span<const Event> events) const;

  // How many RecordRead(s) calls are queued for a group commit that has not begun (a
  // snapshot; for tests and metrics).
  std::size_t waiting() const;

  // Called once a transaction that appended has committed (store::Transaction::OnCommit;
  // never for one that rolled back), on the committing thread, with the tree head it
  // started from (as read from audit_head under the write lock by its first append) and
  // the head it committed. The server's Checkpointer checks that the start is the head it
  // last checked and signs the end before the caller's Commit returns (claim C44). Set
  // once before use; the Log must then outlive the transactions it appends in.
  using CommitListener = std::function<void(const CommittedHead& head)>;
  void SetCommitListener(CommitListener listener) { listener_ = std::move(listener); }

 private:
  struct Waiter;  // one queued RecordReads call (log.cpp)

  // Appends `events` in order in `tx`, reading the head once and writing it once.
  // REQUIRES: every event passed Validate.
  Result<std::vector<LoggedEvent>> AppendValidated(store::Transaction& tx,
                                                   std::span<const Event* const> events) const;
  // The leader's work: one transaction for every waiter of `batch`, whose results it sets.
  void CommitBatch(store::Db& db, std::span<Waiter* const> batch) const;

  store::Engine engine_;
  CommitListener listener_;
  // Group commit state. The queue holds the calls not yet taken by a leader, oldest first;
  // `leading_` is true while a leader runs a batch.
  mutable std::mutex mu_;
  mutable std::deque<Waiter*> queue_;  // guarded by mu_
  mutable bool leading_ = false;       // guarded by mu_
};

// A SubtreeSource over the tables, for proofs (level 0: leaf hashes of audit_events;
// above: audit_nodes). kInternal if a needed row is missing.
SubtreeSource DatabaseSubtrees(store::Transaction& tx);

// One event as stored.
struct StoredEvent {
  LoggedEvent logged;
  std::vector<std::uint8_t> bytes;  // canonical
  Hash leaf_hash{};
};

// The newest `limit` (1..500, clamped) events of `tenant` with seq < `before` (all if
// nullopt), newest first. For GET /api/v1/audit. kInternal if a row does not decode.
Result<std::vector<StoredEvent>> ListEvents(store::Transaction& tx, store::TenantId tenant,
                                            std::optional<std::uint64_t> before, std::size_t limit);

// The receipt of event `event_id` of `tenant` against `checkpoint` (normally the latest).
// For GET /api/v1/audit/{id}/proof and `alcove audit prove`.
// Errors: kNotFound when there is no such event in this tenant (another tenant's event
// is not found); kFailedPrecondition when the checkpoint does not cover it yet (the next
// checkpoint comes within 60 s).
Result<Receipt> ProofFor(store::Transaction& tx, store::TenantId tenant, std::string_view event_id,
                         const SignedCheckpoint& checkpoint, std::string_view verifier_key);

// The consistency proof between two tree sizes of the stored log (size1 <= size2 <=
// head size), e.g. between two checkpoints.
Result<std::vector<Hash>> ConsistencyProofBetween(store::Transaction& tx, std::uint64_t size1,
                                                  std::uint64_t size2);

// Whether the stored tree extends the signed head (`size`, `root`) (claim C44): it holds
// at least `size` events and the RFC 6962 consistency proof from `size` to its head, built
// from the stored nodes (O(log n) point reads, never the whole log), verifies against
// `root` and the head's root; at the same size the roots are equal. Every tree extends
// the empty one. `refusal` says what does not hold (a smaller tree, a different root at
// the same size, a proof that fails or a node it needs that is missing); it names sizes
// only. Errors (the Result's) are the database's.
struct ExtensionCheck {
  TreeHead head;                       // the stored head
  std::optional<std::string> refusal;  // none: the head extends (size, root)
};
Result<ExtensionCheck> CheckExtends(store::Transaction& tx, std::uint64_t size, const Hash& root);

// What `alcove audit verify` found.
struct VerifyOutcome {
  bool ok = false;
  std::optional<std::uint64_t> first_bad_seq;  // when a problem is tied to an event
  std::string problem;                         // empty when ok
  std::uint64_t events = 0;
  Micros first_time = 0;
  Micros last_time = 0;
  std::size_t checkpoints = 0;                // of the sources that count (the history)
  std::optional<Checkpoint> last_checkpoint;  // the last of those
  std::size_t witness_checkpoints = 0;        // of the witness's sources
  std::optional<Checkpoint> newest;           // the largest of every source
};

// One sequence of signed checkpoints for VerifyLog, read lazily in its own order (the
// history file, the ".latest" file, a witness's), so a file of any size is checked
// without holding it in memory. `next` yields none at the end; its errors are the
// Result's of VerifyLog.
struct CheckpointSource {
  // How problems name a checkpoint: "<label> N (size S)" when `numbered` (N from 1), else
  // "<label> (size S)".
  std::string label;
  bool numbered = true;
  enum class Kind { kHistory, kLatest, kWitness } kind = Kind::kHistory;
  std::function<Result<std::optional<SignedCheckpoint>>()> next;
};

// A source over checkpoints held in memory, labelled "checkpoint" (tests, receipts).
CheckpointSource CheckpointsInMemory(std::span<const SignedCheckpoint> checkpoints);

// Checks the whole log (CRYPTO-FORMATS.md §5, claims C41 and C44): every checkpoint of
// every source — signed by the log's key, for its origin, sizes never shrinking within a
// source — then every row in seq order — sequence numbers dense from 0, the canonical
// bytes decode and name the row's own seq, id, tenant, time and action, the stored leaf
// hash is the hash of those bytes — the root at every checkpoint's size equals its signed
// root, no checkpoint covers more events than the log holds (a truncated tail is named by
// its first missing seq), every stored node and the head match the recomputed tree. Stops
// at the first problem. Errors (the Result's) are only for a database or a source that
// cannot be read.
// REQUIRES: every statement of `tx` sees one snapshot while a server may be appending:
// any SQLite transaction (it holds the write lock); on PostgreSQL one that began with
// SET TRANSACTION ISOLATION LEVEL REPEATABLE READ (`alcove audit verify` does).
Result<VerifyOutcome> VerifyLogAgainst(store::Transaction& tx, std::span<CheckpointSource> sources,
                                       std::span<const std::uint8_t> public_key);
// VerifyLogAgainst one in-memory source.
Result<VerifyOutcome> VerifyLog(store::Transaction& tx,
                                std::span<const SignedCheckpoint> checkpoints,
                                std::span<const std::uint8_t> public_key);

}  // namespace alcove::audit
