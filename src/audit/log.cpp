#include "audit/log.hpp"

#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <map>
#include <memory>

#include "audit/checkpoint_signer.hpp"
#include "core/encoding.hpp"
#include "store/ids.hpp"
#include "store/schema.hpp"
#include "store/tenant_tables.hpp"

namespace alcove::audit {
namespace {

using store::Bytes;
using store::Value;

constexpr std::string_view kTablesV200 = R"sql(
CREATE TABLE audit_events (
  seq {int} PRIMARY KEY CHECK (seq >= 0),
  id TEXT NOT NULL UNIQUE,
  tenant_id {int} NOT NULL CHECK (tenant_id >= 0),
  at {int} NOT NULL,
  action TEXT NOT NULL,
  event {bytes} NOT NULL,
  leaf_hash {bytes} NOT NULL
){strict};
CREATE INDEX audit_events_by_tenant ON audit_events (tenant_id, seq);
CREATE TABLE audit_nodes (
  level INTEGER NOT NULL CHECK (level >= 1),
  idx {int} NOT NULL CHECK (idx >= 0),
  hash {bytes} NOT NULL,
  PRIMARY KEY (level, idx)
){strict};
CREATE TABLE audit_head (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  size {int} NOT NULL CHECK (size >= 0),
  frontier {bytes} NOT NULL
){strict};
INSERT INTO audit_head (one, size, frontier) VALUES (1, 0, {empty_bytes})
)sql";

// Append-only, enforced by the database: SQLite triggers...
constexpr std::string_view kSqliteGuardsV200 = R"sql(
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
WHEN EXISTS (SELECT 1 FROM audit_events WHERE seq = NEW.seq OR id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_nodes_no_update BEFORE UPDATE ON audit_nodes
BEGIN SELECT RAISE(ABORT, 'audit_nodes is append-only'); END;
CREATE TRIGGER audit_nodes_no_delete BEFORE DELETE ON audit_nodes
BEGIN SELECT RAISE(ABORT, 'audit_nodes is append-only'); END;
CREATE TRIGGER audit_nodes_no_replace BEFORE INSERT ON audit_nodes
WHEN EXISTS (SELECT 1 FROM audit_nodes WHERE level = NEW.level AND idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'audit_nodes is append-only'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END;
CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
WHEN EXISTS (SELECT 1 FROM audit_head)
BEGIN SELECT RAISE(ABORT, 'audit_head has one row'); END;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.size <= OLD.size
BEGIN SELECT RAISE(ABORT, 'audit_head only grows'); END;
)sql";

// ...and on PostgreSQL triggers for every role plus no UPDATE/DELETE/TRUNCATE privilege
// for the app role.
constexpr std::string_view kPostgresGuardsV200 = R"sql(
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only (%)', TG_TABLE_NAME;
END
$fn$;
CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.size <= OLD.size THEN
    RAISE EXCEPTION 'audit_head only grows';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_nodes_append_only BEFORE UPDATE OR DELETE ON audit_nodes
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_nodes_no_truncate BEFORE TRUNCATE ON audit_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_head_grows BEFORE UPDATE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_nodes FROM alcove_app;
REVOKE INSERT, DELETE, TRUNCATE ON audit_head FROM alcove_app;
GRANT SELECT, INSERT ON audit_events, audit_nodes TO alcove_app;
GRANT SELECT, UPDATE ON audit_head TO alcove_app;
)sql";

constexpr std::int64_t kVerifyBatch = 4096;

Bytes ToBytes(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

Result<Hash> ToHash(const Bytes& b, std::string_view what) {
  if (b.size() != Hash{}.size()) {
    return Fail(ErrorCode::kInternal, std::string(what) + " is not 32 bytes");
  }
  Hash h{};
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

Result<StoredEvent> ToStored(const store::Row& row) {
  // Columns: seq, event, leaf_hash.
  StoredEvent s;
  s.bytes = row.Blob(1);
  auto logged = DecodeEvent(s.bytes);
  if (!logged) {
    return Fail(ErrorCode::kInternal, "audit event " + std::to_string(row.Int(0)) +
                                          " does not decode: run alcove "
                                          "audit verify");
  }
  s.logged = std::move(*logged);
  auto h = ToHash(row.Blob(2), "a leaf hash");
  if (!h) {
    return std::unexpected(h.error());
  }
  s.leaf_hash = *h;
  return s;
}

std::string Range(std::uint64_t a, std::uint64_t b) {
  return a + 1 == b ? "seq " + std::to_string(a)
                    : "seq " + std::to_string(a) + ".." + std::to_string(b - 1);
}

}  // namespace

std::span<const store::Migration> AuditMigrations() {
  static const store::MigrationSet set = store::MigrationSet().Add(
      200, "audit_log", kTablesV200, {}, kSqliteGuardsV200, kPostgresGuardsV200);
  return set.migrations();
}

Result<TreeHead> ReadHead(store::Transaction& tx) {
  auto rows = tx.Query("SELECT size, frontier FROM audit_head WHERE one = 1");
  if (!rows) {
    return std::unexpected(rows.error());
  }
  if (rows->size() != 1) {
    return Fail(ErrorCode::kInternal, "audit_head is missing");
  }
  const auto size = rows->at(0).Int(0);
  auto range = CompactRange::Deserialize(static_cast<std::uint64_t>(size), rows->at(0).Blob(1));
  if (size < 0 || !range) {
    return Fail(ErrorCode::kInternal, "audit_head is malformed: run alcove audit verify");
  }
  return TreeHead{std::move(*range)};
}

Result<LoggedEvent> Log::Append(store::Transaction& tx, const Event& event) const {
  if (auto st = Validate(event); !st) {
    return std::unexpected(st.error());
  }
  const Event* const one[] = {&event};
  auto logged = AppendValidated(tx, one);
  if (!logged) {
    return std::unexpected(logged.error());
  }
  return std::move(logged->front());
}

Result<std::vector<LoggedEvent>> Log::AppendValidated(store::Transaction& tx,
                                                      std::span<const Event* const> events) const {
  // The head row is the single-writer lock on PostgreSQL; SQLite's transaction already
  // holds the database's write lock.
  auto rows = tx.Query(engine_ == store::Engine::kPostgres
                           ? "SELECT size, frontier FROM audit_head WHERE one = 1 FOR UPDATE"
                           : "SELECT size, frontier FROM audit_head WHERE one = 1");
  if (!rows) {
    return std::unexpected(rows.error());
  }
  if (rows->size() != 1 || rows->at(0).Int(0) < 0) {
    return Fail(ErrorCode::kInternal, "audit_head is missing or malformed");
  }
  auto range = CompactRange::Deserialize(static_cast<std::uint64_t>(rows->at(0).Int(0)),
                                         rows->at(0).Blob(1));
  if (!range) {
    return Fail(ErrorCode::kInternal, "audit_head is malformed: run alcove audit verify");
  }
  const std::uint64_t start_size = range->size();
  const Hash start_root = listener_ ? range->Root() : Hash{};
  std::vector<LoggedEvent> out;
  out.reserve(events.size());
  for (const Event* e : events) {
    const Event& event = *e;
    LoggedEvent logged{.seq = range->size(), .id = store::NewId(), .event = event};
    const auto bytes = EncodeEvent(logged);
    const Hash leaf = LeafHash(bytes);
    const Value insert[] = {
        static_cast<std::int64_t>(logged.seq), logged.id,      event.tenant, event.time,
        std::string(ActionName(event.action)), ToBytes(bytes), ToBytes(leaf)};
    if (auto r = tx.Execute(
            "INSERT INTO audit_events (seq, id, tenant_id, at, action, event, leaf_hash) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            insert);
        !r) {
      return std::unexpected(r.error());
    }
    std::vector<std::pair<SubtreeId, Hash>> completed;
    range->Append(leaf, &completed);
    for (const auto& [id, hash] : completed) {
      const Value node[] = {static_cast<std::int64_t>(id.level),
                            static_cast<std::int64_t>(id.index), ToBytes(hash)};
      if (auto r =
              tx.Execute("INSERT INTO audit_nodes (level, idx, hash) VALUES ($1, $2, $3)", node);
          !r) {
        return std::unexpected(r.error());
      }
    }
    out.push_back(std::move(logged));
  }
  const Value head[] = {static_cast<std::int64_t>(range->size()), range->Serialize()};
  if (auto r = tx.Execute("UPDATE audit_head SET size = $1, frontier = $2 WHERE one = 1", head);
      !r) {
    return std::unexpected(r.error());
  }
  if (listener_) {
    // One hook per transaction, replaced by each append: it reports the head the first
    // append started from and the last head. A later append of the same transaction finds
    // the record of the earlier ones through `current` (this thread's open transaction:
    // the record lives as long as the hook that holds it, so it expires when the
    // transaction commits or rolls back), and continues it only if it starts where it
    // ended.
    thread_local struct {
      const store::Transaction* tx = nullptr;
      std::weak_ptr<CommittedHead> head;
    } current;
    std::shared_ptr<CommittedHead> edge;
    if (current.tx == &tx) {
      edge = current.head.lock();
    }
    if (!edge || edge->size != start_size || edge->root != start_root) {
      edge = std::make_shared<CommittedHead>(
          CommittedHead{.from_size = start_size, .from_root = start_root});
    }
    edge->size = range->size();
    edge->root = range->Root();
    current.tx = &tx;
    current.head = edge;
    tx.OnCommit("alcove.audit.head", [this, edge] { listener_(*edge); });
  }
  return out;
}

// One queued RecordReads call. It lives on its caller's stack: the leader touches it only
// while holding mu_, and the caller returns only after seeing `done` under mu_.
struct Log::Waiter {
  store::Db* db = nullptr;
  std::span<const Event> events;
  Result<std::vector<LoggedEvent>> result;  // set by the leader
  bool done = false;
  std::condition_variable wake;  // done, or this waiter is to lead
};

Result<LoggedEvent> Log::RecordRead(store::Db& db, const Event& event) const {
  auto logged = RecordReads(db, std::span(&event, 1));
  if (!logged) {
    return std::unexpected(logged.error());
  }
  return std::move(logged->front());
}

Result<std::vector<LoggedEvent>> Log::RecordReads(store::Db& db,
                                                  std::span<const Event> events) const {
  for (const Event& event : events) {
    if (auto st = Validate(event); !st) {
      return std::unexpected(st.error());
    }
  }
  if (events.empty()) {
    return std::vector<LoggedEvent>{};
  }
  Waiter self{.db = &db, .events = events};
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  self.wake.wait(
      lock, [&] { return self.done || (!leading_ && !queue_.empty() && queue_.front() == &self); });
  if (self.done) {
    return std::move(self.result);
  }

  // Lead: take the oldest waiters for the same database, this one first, up to kMaxBatch
  // events (always at least this one).
  leading_ = true;
  std::vector<Waiter*> batch;
  std::size_t taken = 0;
  for (auto it = queue_.begin(); it != queue_.end() && taken < kMaxBatch;) {
    Waiter* w = *it;
    if (w->db == &db && (batch.empty() || taken + w->events.size() <= kMaxBatch)) {
      batch.push_back(w);
      taken += w->events.size();
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  lock.unlock();
  // Wakes the batch and hands the lead to the oldest caller still queued; under mu_, so
  // no waiter can return (and destroy itself) before it has been notified.
  auto finish = [&] {
    lock.lock();
    for (Waiter* w : batch) {
      w->done = true;
      if (w != &self) {
        w->wake.notify_one();
      }
    }
    leading_ = false;
    if (!queue_.empty()) {
      queue_.front()->wake.notify_one();
    }
  };
  try {
    CommitBatch(db, batch);
  } catch (...) {
    // A bug below (e.g. a Row accessor's logic_error): the others must not wait forever.
    for (Waiter* w : batch) {
      w->result = Fail(ErrorCode::kInternal, "audit: the group commit failed with an exception",
                       "could not record the access");
    }
    finish();
    throw;
  }
  finish();
  return std::move(self.result);
}

std::size_t Log::waiting() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Log::CommitBatch(store::Db& db, std::span<Waiter* const> batch) const {
  auto fail_all = [&](const Error& error) {
    for (Waiter* w : batch) {
      w->result = std::unexpected(error);
    }
  };
  std::vector<const Event*> events;
  for (const Waiter* w : batch) {
    for (const Event& e : w->events) {
      events.push_back(&e);
    }
  }
  // Confined to the tenant when every event is that one tenant's, as a lone read was.
  const store::TenantId tenant = events.front()->tenant;
  const bool one_tenant = std::all_of(events.begin(), events.end(),
                                      [&](const Event* e) { return e->tenant == tenant; });
  auto tx = one_tenant && tenant != 0 ? db.BeginTenant(tenant) : db.Begin();
  if (!tx) {
    fail_all(tx.error());
    return;
  }
  auto logged = AppendValidated(**tx, events);
  if (!logged) {
    fail_all(logged.error());
    return;
  }
  if (auto st = (*tx)->Commit(); !st) {
    fail_all(st.error());
    return;
  }
  auto next = std::make_move_iterator(logged->begin());
  for (Waiter* w : batch) {
    const auto n = static_cast<std::ptrdiff_t>(w->events.size());
    w->result = std::vector<LoggedEvent>(next, next + n);
    next += n;
  }
}

SubtreeSource DatabaseSubtrees(store::Transaction& tx) {
  return [&tx](SubtreeId id) -> Result<Hash> {
    const Value p[] = {static_cast<std::int64_t>(id.index)};
    Result<std::vector<store::Row>> rows =
        id.level == 0 ? tx.Query("SELECT leaf_hash FROM audit_events WHERE seq = $1", p) : [&] {
          const Value q[] = {static_cast<std::int64_t>(id.level),
                             static_cast<std::int64_t>(id.index)};
          return tx.Query("SELECT hash FROM audit_nodes WHERE level = $1 AND idx = $2", q);
        }();
    if (!rows) {
      return std::unexpected(rows.error());
    }
    if (rows->size() != 1) {
      return Fail(ErrorCode::kInternal, "audit tree node (" + std::to_string(id.level) + ", " +
                                            std::to_string(id.index) +
                                            ") is missing: run alcove audit verify");
    }
    return ToHash(rows->at(0).Blob(0), "an audit tree node");
  };
}

Result<std::vector<StoredEvent>> ListEvents(store::Transaction& tx, store::TenantId tenant,
                                            std::optional<std::uint64_t> before,
                                            std::size_t limit) {
  limit = std::clamp<std::size_t>(limit, 1, 500);
  constexpr auto kNoLimit = std::numeric_limits<std::int64_t>::max();
  const Value p[] = {tenant,
                     before ? static_cast<std::int64_t>(std::min<std::uint64_t>(
                                  *before, static_cast<std::uint64_t>(kNoLimit)))
                            : kNoLimit,
                     static_cast<std::int64_t>(limit)};
  auto rows = tx.Query(
      "SELECT seq, event, leaf_hash FROM audit_events WHERE tenant_id = $1 AND seq < $2 "
      "ORDER BY seq DESC LIMIT $3",
      p);
  if (!rows) {
    return std::unexpected(rows.error());
  }
  std::vector<StoredEvent> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) {
    auto s = ToStored(row);
    if (!s) {
      return std::unexpected(s.error());
    }
    out.push_back(std::move(*s));
  }
  return out;
}

Result<Receipt> ProofFor(store::Transaction& tx, store::TenantId tenant, std::string_view event_id,
                         const SignedCheckpoint& checkpoint, std::string_view verifier_key) {
  if (!store::IsValidId(event_id)) {
    return Fail(ErrorCode::kNotFound, "no such audit event", "not found");
  }
  const Value p[] = {std::string(event_id), tenant};
  auto rows = tx.Query(
      "SELECT seq, event, leaf_hash FROM audit_events WHERE id = $1 AND tenant_id = $2", p);
  if (!rows) {
    return std::unexpected(rows.error());
  }
  if (rows->empty()) {
    return Fail(ErrorCode::kNotFound, "no such audit event", "not found");
  }
  auto stored = ToStored(rows->at(0));
  if (!stored) {
    return std::unexpected(stored.error());
  }
  if (stored->logged.seq >= checkpoint.checkpoint.size) {
    return Fail(
        ErrorCode::kFailedPrecondition,
        "audit event " + std::to_string(stored->logged.seq) + " is not yet covered by a checkpoint",
        "this event is not yet covered by a checkpoint; try again in a minute");
  }
  auto proof = InclusionProof(stored->logged.seq, checkpoint.checkpoint.size, DatabaseSubtrees(tx));
  if (!proof) {
    return std::unexpected(proof.error());
  }
  return Receipt{.event = std::move(stored->bytes),
                 .proof = std::move(*proof),
                 .verifier_key = std::string(verifier_key),
                 .checkpoint_note = checkpoint.text};
}

Result<std::vector<Hash>> ConsistencyProofBetween(store::Transaction& tx, std::uint64_t size1,
                                                  std::uint64_t size2) {
  auto head = ReadHead(tx);
  if (!head) {
    return std::unexpected(head.error());
  }
  if (size1 > size2 || size2 > head->size()) {
    return Fail(ErrorCode::kInvalidArgument, "consistency proof: sizes out of range");
  }
  return ConsistencyProof(size1, size2, DatabaseSubtrees(tx));
}

Result<ExtensionCheck> CheckExtends(store::Transaction& tx, std::uint64_t size, const Hash& root) {
  auto head = ReadHead(tx);
  if (!head) {
    return std::unexpected(head.error());
  }
  ExtensionCheck out{.head = std::move(*head), .refusal = std::nullopt};
  const std::uint64_t now = out.head.size();
  const std::string signed_head = "the last signed checkpoint (size " + std::to_string(size) + ")";
  if (now < size) {
    out.refusal = "the stored audit tree holds " + std::to_string(now) + " events, fewer than " +
                  signed_head + ": events were removed";
  } else if (now == size) {
    if (out.head.root() != root) {
      out.refusal = "the stored audit tree of " + std::to_string(now) +
                    " events has another root than " + signed_head + ": events were rewritten";
    }
  } else if (size > 0) {
    auto proof = ConsistencyProof(size, now, DatabaseSubtrees(tx));
    if (!proof && proof.error().code != ErrorCode::kInternal) {
      return std::unexpected(proof.error());  // the database's, e.g. busy
    }
    if (!proof || !VerifyConsistency(size, now, root, out.head.root(), *proof)) {
      out.refusal = "the stored audit tree of " + std::to_string(now) + " events does not extend " +
                    signed_head + " (" +
                    (proof ? "the consistency proof fails" : "a node of the proof is missing") +
                    "): events up to seq " + std::to_string(size - 1) + " were rewritten";
    }
  }
  return out;
}

CheckpointSource CheckpointsInMemory(std::span<const SignedCheckpoint> checkpoints) {
  return CheckpointSource{
      .label = "checkpoint",
      .numbered = true,
      .kind = CheckpointSource::Kind::kHistory,
      .next = [checkpoints,
               i = std::size_t{0}]() mutable -> Result<std::optional<SignedCheckpoint>> {
        if (i == checkpoints.size()) {
          return std::optional<SignedCheckpoint>{};
        }
        return std::optional<SignedCheckpoint>(checkpoints[i++]);
      }};
}

Result<VerifyOutcome> VerifyLog(store::Transaction& tx,
                                std::span<const SignedCheckpoint> checkpoints,
                                std::span<const std::uint8_t> public_key) {
  CheckpointSource sources[] = {CheckpointsInMemory(checkpoints)};
  return VerifyLogAgainst(tx, sources, public_key);
}

Result<VerifyOutcome> VerifyLogAgainst(store::Transaction& tx, std::span<CheckpointSource> sources,
                                       std::span<const std::uint8_t> public_key) {
  VerifyOutcome out;
  auto fail = [&out](std::optional<std::uint64_t> seq, std::string problem) {
    out.ok = false;
    out.first_bad_seq = seq;
    out.problem = std::move(problem);
    return out;
  };

  // 1. The checkpoints, pulled from each source as the scan reaches them: signed by our
  // key, for our origin, never shrinking within a source.
  const std::string origin = LogOrigin(public_key);
  struct Cursor {
    std::optional<SignedCheckpoint> head;  // the next checkpoint not yet compared
    std::string name;                      // of `head`, with its size
    std::string short_name;                // of `head`, without
    std::size_t count = 0;                 // pulled so far
    std::uint64_t previous_size = 0;
  };
  std::vector<Cursor> cursors(sources.size());
  // Pulls the next checkpoint of source i into its cursor; a problem, or an error.
  auto pull = [&](std::size_t i) -> Result<std::optional<std::string>> {
    auto next = sources[i].next();
    if (!next) {
      return std::unexpected(next.error());
    }
    Cursor& c = cursors[i];
    c.head = std::move(*next);
    if (!c.head) {
      return std::optional<std::string>{};
    }
    ++c.count;
    const auto& cp = *c.head;
    c.short_name = sources[i].label + (sources[i].numbered ? " " + std::to_string(c.count) : "");
    c.name = c.short_name + " (size " + std::to_string(cp.checkpoint.size) + ")";
    if (!VerifyCheckpointSignature(cp, kCheckpointKeyName, public_key)) {
      return std::optional<std::string>(c.name +
                                        ": the signature does not verify with the log's key");
    }
    if (cp.checkpoint.origin != origin) {
      return std::optional<std::string>(c.name + ": the origin is not this log's");
    }
    if (cp.checkpoint.size < c.previous_size) {
      return std::optional<std::string>(c.name + ": smaller than the checkpoint before it");
    }
    c.previous_size = cp.checkpoint.size;
    switch (sources[i].kind) {
      case CheckpointSource::Kind::kHistory:
        ++out.checkpoints;
        out.last_checkpoint = cp.checkpoint;
        break;
      case CheckpointSource::Kind::kWitness:
        ++out.witness_checkpoints;
        break;
      case CheckpointSource::Kind::kLatest:
        break;
    }
    if (!out.newest || cp.checkpoint.size > out.newest->size) {
      out.newest = cp.checkpoint;
    }
    return std::optional<std::string>{};
  };
  for (std::size_t i = 0; i < sources.size(); ++i) {
    auto problem = pull(i);
    if (!problem) {
      return std::unexpected(problem.error());
    }
    if (*problem) {
      return fail(std::nullopt, **problem);
    }
  }

  // 2. The stored subtree nodes (which proofs rely on), loaded first so that each can be
  // compared as soon as the recomputation completes it.
  std::map<std::pair<std::int64_t, std::int64_t>, Hash> stored_nodes;  // (level, idx)
  std::size_t stored_count = 0;
  {
    std::int64_t level_after = 0;
    std::int64_t idx_after = -1;
    for (;;) {
      const Value p[] = {level_after, idx_after, kVerifyBatch};
      auto rows = tx.Query(
          "SELECT level, idx, hash FROM audit_nodes WHERE level > $1 OR (level = $1 AND idx > "
          "$2) ORDER BY level, idx LIMIT $3",
          p);
      if (!rows) {
        return std::unexpected(rows.error());
      }
      for (const auto& row : *rows) {
        const auto level = row.Int(0);
        const auto idx = row.Int(1);
        auto hash = ToHash(row.Blob(2), "a node hash");
        if (level < 1 || level > 63 || idx < 0 || !hash) {
          return fail(std::nullopt, "audit_nodes holds a malformed row (" + std::to_string(level) +
                                        ", " + std::to_string(idx) + ")");
        }
        stored_nodes.emplace(std::make_pair(level, idx), *hash);
        ++stored_count;
        level_after = level;
        idx_after = idx;
      }
      if (static_cast<std::int64_t>(rows->size()) < kVerifyBatch) {
        break;
      }
    }
  }

  // 3. Every row in order, every completed subtree, and the root at every checkpoint size.
  CompactRange range;
  std::uint64_t last_good_cp_size = 0;
  std::size_t computed_count = 0;
  // Compares every checkpoint of the current size, pulling the next of its source.
  auto check_checkpoints = [&]() -> Result<std::optional<VerifyOutcome>> {
    // A mismatch names the events since the last size where every checkpoint matched (one
    // source may match at this size, e.g. a re-signed local file, and another not).
    const std::uint64_t good_before = last_good_cp_size;
    for (std::size_t i = 0; i < cursors.size(); ++i) {
      while (cursors[i].head && cursors[i].head->checkpoint.size == range.size()) {
        if (cursors[i].head->checkpoint.root != range.Root()) {
          return std::optional<VerifyOutcome>(
              fail(good_before, "the root of the first " + std::to_string(range.size()) +
                                    " events differs from signed " + cursors[i].short_name +
                                    ": an event in " + Range(good_before, range.size()) +
                                    " was changed, inserted, removed or re-ordered"));
        }
        last_good_cp_size = range.size();
        auto problem = pull(i);
        if (!problem) {
          return std::unexpected(problem.error());
        }
        if (*problem) {
          return std::optional<VerifyOutcome>(fail(std::nullopt, **problem));
        }
      }
    }
    return std::optional<VerifyOutcome>{};
  };
  if (auto bad = check_checkpoints(); !bad) {
    return std::unexpected(bad.error());
  } else if (*bad) {
    return **bad;
  }
  std::int64_t after = -1;
  for (;;) {
    const Value p[] = {after, kVerifyBatch};
    auto rows = tx.Query(
        "SELECT seq, id, tenant_id, at, action, event, leaf_hash FROM audit_events "
        "WHERE seq > $1 ORDER BY seq LIMIT $2",
        p);
    if (!rows) {
      return std::unexpected(rows.error());
    }
    for (const auto& row : *rows) {
      const auto expected = range.size();
      const auto seq = row.Int(0);
      if (seq != static_cast<std::int64_t>(expected)) {
        return fail(expected, "seq " + std::to_string(expected) +
                                  " is missing (the next event in the table is seq " +
                                  std::to_string(seq) + "): an event was deleted");
      }
      const std::string at = "seq " + std::to_string(expected) + ": ";
      const Bytes& bytes = row.Blob(5);
      auto logged = DecodeEvent(bytes);
      if (!logged) {
        return fail(expected, at + "the event bytes do not decode (" + logged.error().internal +
                                  "): the event was changed");
      }
      if (logged->seq != expected) {
        return fail(expected, at + "the event bytes say seq " + std::to_string(logged->seq) +
                                  ": events were re-ordered or renumbered");
      }
      if (logged->id != row.Text(1) || logged->event.tenant != row.Int(2) ||
          logged->event.time != row.Int(3) || ActionName(logged->event.action) != row.Text(4)) {
        return fail(expected,
                    at + "a column (id, tenant_id, at or action) differs from the event bytes: "
                         "the event was changed");
      }
      const Hash leaf = LeafHash(bytes);
      const Bytes& stored_leaf = row.Blob(6);
      if (!std::equal(leaf.begin(), leaf.end(), stored_leaf.begin(), stored_leaf.end())) {
        return fail(expected, at + "the stored leaf hash is not the hash of the event bytes: "
                                   "the event was changed");
      }
      if (expected == 0) {
        out.first_time = logged->event.time;
      }
      out.last_time = logged->event.time;
      std::vector<std::pair<SubtreeId, Hash>> completed;
      range.Append(leaf, &completed);
      for (const auto& [id, hash] : completed) {
        ++computed_count;
        const auto found = stored_nodes.find(
            std::make_pair(std::int64_t{id.level}, static_cast<std::int64_t>(id.index)));
        const bool present = found != stored_nodes.end();
        if (!present || found->second != hash) {
          const std::uint64_t first = id.index << id.level;
          return fail(first, "the stored tree node over " +
                                 Range(first, first + (std::uint64_t{1} << id.level)) +
                                 (present ? " differs from" : " is missing for") +
                                 " these events: one of them was changed");
        }
      }
      if (auto bad = check_checkpoints(); !bad) {
        return std::unexpected(bad.error());
      } else if (*bad) {
        return **bad;
      }
      after = seq;
    }
    if (static_cast<std::int64_t>(rows->size()) < kVerifyBatch) {
      break;
    }
  }
  out.events = range.size();

  // 4. Truncation: a checkpoint covers more than the table holds. The one that covers the
  // most is named (the first source's on a tie: the history before the witness).
  const Cursor* widest = nullptr;
  for (const Cursor& c : cursors) {
    if (c.head && (widest == nullptr || c.head->checkpoint.size > widest->head->checkpoint.size)) {
      widest = &c;
    }
  }
  if (widest != nullptr) {
    const auto covered = widest->head->checkpoint.size;
    return fail(range.size(), "the log holds " + std::to_string(range.size()) +
                                  " events but signed " + widest->short_name + " covers " +
                                  std::to_string(covered) + ": " + Range(range.size(), covered) +
                                  " were removed");
  }

  // 5. Nothing stored beyond the events, and the head that appends continue from.
  if (stored_count != computed_count) {
    return fail(std::nullopt, "audit_nodes holds " + std::to_string(stored_count) +
                                  " subtrees; the events make " + std::to_string(computed_count));
  }
  auto head = ReadHead(tx);
  if (!head) {
    return fail(std::nullopt, "audit_head: " + head.error().internal);
  }
  if (head->size() != range.size() || head->range.hashes() != range.hashes()) {
    return fail(std::nullopt, "audit_head (size " + std::to_string(head->size()) +
                                  ") does not match the " + std::to_string(range.size()) +
                                  " events");
  }
  out.ok = true;
  return out;
}

}  // namespace alcove::audit
