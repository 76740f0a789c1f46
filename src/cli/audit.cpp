#include "cli/audit.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <utility>

#include "audit/receipt.hpp"
#include "core/encoding.hpp"
#include "core/files.hpp"
#include "store/open_db.hpp"
#include "web/audit_routes.hpp"

namespace alcove::cli {
namespace {

// Reading a receipt: receipts are a few KiB.
constexpr std::size_t kMaxReceiptFile = 64 * 1024;

// The newest checkpoint of the data directory: the history file's last or the ".latest"
// file's, whichever covers more; none if neither exists.
Result<std::optional<audit::SignedCheckpoint>> NewestLocalCheckpoint(const Config& config) {
  const auto file = audit::CheckpointFilePath(config.data_dir);
  auto last = audit::ReadLastCheckpoint(file);
  if (!last) {
    return std::unexpected(last.error());
  }
  auto latest = audit::ReadLatestCheckpointFile(audit::LatestCheckpointPath(file));
  if (!latest) {
    return std::unexpected(latest.error());
  }
  if (*latest && (!*last || (*latest)->checkpoint.size > (*last)->checkpoint.size)) {
    return latest;
  }
  return last;
}

// A source over a history file, streamed.
Result<audit::CheckpointSource> HistorySource(const std::filesystem::path& file, std::string label,
                                              audit::CheckpointSource::Kind kind) {
  auto reader = audit::CheckpointFileReader::Open(file);
  if (!reader) {
    return std::unexpected(reader.error());
  }
  std::shared_ptr<audit::CheckpointFileReader> shared(std::move(*reader));
  return audit::CheckpointSource{
      .label = std::move(label), .numbered = true, .kind = kind, .next = [shared] {
        return shared->Next();
      }};
}

// A source of at most one checkpoint.
audit::CheckpointSource OneCheckpointSource(std::optional<audit::SignedCheckpoint> cp,
                                            std::string label, audit::CheckpointSource::Kind kind) {
  return audit::CheckpointSource{
      .label = std::move(label),
      .numbered = false,
      .kind = kind,
      .next = [cp = std::move(cp)]() mutable -> Result<std::optional<audit::SignedCheckpoint>> {
        return std::exchange(cp, std::nullopt);
      }};
}

// The sources `alcove audit verify` checks the log against: the data directory's history
// and latest files, and the witness's checkpoints when there is a witness.
Result<std::vector<audit::CheckpointSource>> VerifySources(const Config& config,
                                                           const audit::WitnessTarget& witness) {
  using Kind = audit::CheckpointSource::Kind;
  std::vector<audit::CheckpointSource> sources;
  const auto file = audit::CheckpointFilePath(config.data_dir);
  auto history = HistorySource(file, "checkpoint", Kind::kHistory);
  if (!history) {
    return std::unexpected(history.error());
  }
  sources.push_back(std::move(*history));
  auto latest = audit::ReadLatestCheckpointFile(audit::LatestCheckpointPath(file));
  if (!latest) {
    return std::unexpected(latest.error());
  }
  sources.push_back(OneCheckpointSource(
      std::move(*latest), "latest checkpoint (audit/checkpoints.latest)", Kind::kLatest));
  if (!witness.directory.empty()) {
    const auto wfile = witness.directory / "checkpoints";
    auto whistory = HistorySource(wfile, "witness checkpoint", Kind::kWitness);
    if (!whistory) {
      return std::unexpected(whistory.error());
    }
    sources.push_back(std::move(*whistory));
    auto wlatest = audit::ReadLatestCheckpointFile(audit::LatestCheckpointPath(wfile));
    if (!wlatest) {
      return std::unexpected(wlatest.error());
    }
    sources.push_back(
        OneCheckpointSource(std::move(*wlatest), "witness's latest checkpoint", Kind::kWitness));
  } else if (!witness.url.empty()) {
    auto note = audit::FetchLatestCheckpoint(witness);
    if (!note) {
      return std::unexpected(note.error());
    }
    std::optional<audit::SignedCheckpoint> cp;
    if (*note) {
      auto parsed = audit::ParseSignedCheckpoint(**note);
      if (!parsed) {
        return Fail(ErrorCode::kInvalidArgument,
                    "the witness " + witness.Describe() +
                        " answered a malformed checkpoint: " + parsed.error().internal);
      }
      cp = std::move(*parsed);
    }
    sources.push_back(
        OneCheckpointSource(std::move(cp), "witness's latest checkpoint", Kind::kWitness));
  }
  return sources;
}

// The newest checkpoint the witness holds, read at start-up; none when it holds none or
// cannot be read (logged: its checkpoints are then checked by `alcove audit verify` only).
std::optional<audit::SignedCheckpoint> WitnessHead(const audit::WitnessTarget& witness) {
  Result<std::optional<audit::SignedCheckpoint>> held = std::optional<audit::SignedCheckpoint>{};
  if (!witness.directory.empty()) {
    held = audit::ReadLatestCheckpointFile(
        audit::LatestCheckpointPath(witness.directory / "checkpoints"));
  } else if (auto note = audit::FetchLatestCheckpoint(witness); !note) {
    held = std::unexpected(note.error());
  } else if (*note) {
    auto parsed = audit::ParseSignedCheckpoint(**note);
    if (!parsed) {
      held = std::unexpected(parsed.error());
    } else {
      held = std::optional<audit::SignedCheckpoint>(std::move(*parsed));
    }
  }
  if (!held) {
    spdlog::warn("audit witness {}: cannot read what it holds at start-up: {}",
                 witness.Describe(), held.error().internal);
    return std::nullopt;
  }
  return std::move(*held);
}

std::string RootText(const audit::Hash& root) { return Base64Encode(root); }

// Operator reads of the whole log must see one snapshot while the server appends: SQLite's
// transaction holds the write lock already; PostgreSQL needs REPEATABLE READ (its first
// statement, before the snapshot is taken).
Status OneSnapshot(store::Transaction& tx, store::Engine engine) {
  if (engine != store::Engine::kPostgres) {
    return {};
  }
  if (auto r = tx.Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !r) {
    return std::unexpected(r.error());
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<AuditRuntime>> AuditRuntime::Start(const Config& config, store::Db& db,
                                                          const Clock& clock) {
  // A data directory made before the audit log existed has no audit/ yet: create the key
  // then, but only while the log is empty. With events and no key, refuse: the key was
  // lost or removed, and a new one must not quietly replace it.
  std::error_code ec;
  if (!std::filesystem::exists(audit::AuditDir(config.data_dir), ec)) {
    auto tx = db.Begin();
    if (!tx) {
      return std::unexpected(tx.error());
    }
    auto head = audit::ReadHead(**tx);
    if (!head) {
      return std::unexpected(head.error());
    }
    tx->reset();
    if (head->size() == 0) {
      if (auto st = audit::CreateAuditFiles(config.data_dir); !st) {
        return std::unexpected(st.error());
      }
      spdlog::info("created the audit checkpoint key {}",
                   audit::SigningKeyPath(config.data_dir).string());
    }
  }
  auto key = crypto::SigningKey::Load(audit::SigningKeyPath(config.data_dir));
  if (!key) {
    return Fail(key.error().code, "the audit signing key: " + key.error().internal);
  }
  auto witness =
      audit::ParseWitness(config.audit.witness, config.audit.witness_ca_file, config.data_dir);
  if (!witness) {
    return std::unexpected(witness.error());
  }
  std::unique_ptr<AuditRuntime> rt(new AuditRuntime(std::move(*key), db.engine()));
  audit::CheckpointerOptions options;
  if (!witness->empty()) {
    rt->witness_ = audit::WitnessSender::ForTarget(*witness, {});
    options.on_stored = [sender = rt->witness_.get()](const std::string& note, std::uint64_t size,
                                                      bool history) {
      sender->Offer(note, size, history);
    };
    spdlog::info("audit checkpoints go to the witness {}", witness->Describe());
  }
  auto cp = audit::Checkpointer::Create(db, *rt->key_, audit::CheckpointFilePath(config.data_dir),
                                        clock, std::move(options));
  if (!cp) {
    return Fail(ErrorCode::kFailedPrecondition,
                cp.error().internal + "; run `alcove audit verify` and restore the file");
  }
  rt->checkpointer_ = std::move(*cp);
  if (rt->witness_) {
    // What the witness holds is what the log must extend, and the sender never offers it
    // less (after a restart, or when the local files were rewound).
    if (auto held = WitnessHead(*witness)) {
      rt->witness_->Held(held->checkpoint.size);
      if (auto st = rt->checkpointer_->Anchor(*held); !st) {
        spdlog::error("audit witness {}: {}", witness->Describe(), st.error().internal);
      }
    }
  }
  // The stored tree against the signed head, before the first request.
  if (auto r = rt->checkpointer_->Tick(); !r) {
    spdlog::warn("audit checkpoint at start-up: {}", r.error().internal);
  }
  if (rt->witness_) {
    // A witness added since the last checkpoint (or one that missed it) catches up.
    if (auto latest = rt->checkpointer_->Latest(); latest && !rt->checkpointer_->refusal()) {
      rt->witness_->Offer(latest->text, latest->checkpoint.size, false);
    }
  }
  audit::Checkpointer* checkpointer = rt->checkpointer_.get();
  rt->log_.SetCommitListener(
      [checkpointer](const audit::CommittedHead& head) { checkpointer->Committed(head); });
  rt->checkpointer_->Start();
  return rt;
}

AuditRuntime::~AuditRuntime() = default;

std::optional<audit::SignedCheckpoint> AuditRuntime::CheckpointCovering(std::uint64_t size) {
  auto latest = checkpointer_->Latest();
  if (!latest || latest->checkpoint.size < size) {
    // Only after a failed checkpoint write: Tick covers the committed head (the history
    // file grows at its own cadence, never per request).
    if (auto st = checkpointer_->Tick(); !st) {
      spdlog::warn("writing a checkpoint for a receipt failed: {}", st.error().internal);
    }
    latest = checkpointer_->Latest();
  }
  return latest;
}

void AuditRuntime::Stop() {
  if (checkpointer_) {
    checkpointer_->Stop();
  }
  if (witness_) {
    witness_->Stop();
  }
}

int AuditVerify(const Config& config, const std::string& witness_setting) {
  auto key = crypto::SigningKey::Load(audit::SigningKeyPath(config.data_dir));
  if (!key) {
    fmt::print(stderr, "alcove audit verify: {}\n", key.error().internal);
    return 2;
  }
  auto witness =
      audit::ParseWitness(witness_setting.empty() ? config.audit.witness : witness_setting,
                          config.audit.witness_ca_file, config.data_dir);
  if (!witness) {
    fmt::print(stderr, "alcove audit verify: {}\n", witness.error().internal);
    return 2;
  }
  auto sources = VerifySources(config, *witness);
  if (!sources) {
    fmt::print(stderr, "alcove audit verify: {}\n", sources.error().internal);
    return 2;
  }
  auto db = store::OpenDb(config);
  if (!db) {
    fmt::print(stderr, "alcove audit verify: {}\n", db.error().internal);
    return 2;
  }
  auto tx = (*db)->Begin();
  if (!tx) {
    fmt::print(stderr, "alcove audit verify: {}\n", tx.error().internal);
    return 2;
  }
  if (auto st = OneSnapshot(**tx, (*db)->engine()); !st) {
    fmt::print(stderr, "alcove audit verify: {}\n", st.error().internal);
    return 2;
  }
  auto outcome = audit::VerifyLogAgainst(**tx, *sources, (*key)->public_key());
  if (!outcome) {
    fmt::print(stderr, "alcove audit verify: cannot read the audit log: {}\n",
               outcome.error().internal);
    return 2;
  }
  if (!outcome->ok) {
    if (outcome->first_bad_seq) {
      fmt::print(stderr, "alcove audit verify: FAILED at seq {}: {}\n", *outcome->first_bad_seq,
                 outcome->problem);
    } else {
      fmt::print(stderr, "alcove audit verify: FAILED: {}\n", outcome->problem);
    }
    return 1;
  }
  std::string last_cp = "none";
  if (outcome->last_checkpoint) {
    last_cp = fmt::format("size {} root {}", outcome->last_checkpoint->size,
                          RootText(outcome->last_checkpoint->root));
  }
  std::string extra;
  if (outcome->newest) {
    extra += fmt::format("; newest checkpoint size {}", outcome->newest->size);
  }
  if (!witness->empty()) {
    extra += fmt::format("; witness {}: {} checkpoints", witness->Describe(),
                         outcome->witness_checkpoints);
  }
  fmt::print("audit log OK: {} events, first {}, last {}; {} checkpoints, last {}{}\n",
             outcome->events, outcome->events ? FormatRfc3339(outcome->first_time) : "-",
             outcome->events ? FormatRfc3339(outcome->last_time) : "-", outcome->checkpoints,
             last_cp, extra);
  return 0;
}

int AuditProve(const Config& config, std::uint64_t seq) {
  auto key = crypto::SigningKey::Load(audit::SigningKeyPath(config.data_dir));
  if (!key) {
    fmt::print(stderr, "alcove audit prove: {}\n", key.error().internal);
    return 1;
  }
  auto newest = NewestLocalCheckpoint(config);
  if (!newest) {
    fmt::print(stderr, "alcove audit prove: {}\n", newest.error().internal);
    return 1;
  }
  auto db = store::OpenDb(config);
  if (!db) {
    fmt::print(stderr, "alcove audit prove: {}\n", db.error().internal);
    return 1;
  }
  auto tx = (*db)->Begin();
  if (!tx) {
    fmt::print(stderr, "alcove audit prove: {}\n", tx.error().internal);
    return 1;
  }
  const store::Value p[] = {static_cast<std::int64_t>(std::min<std::uint64_t>(
      seq, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))};
  auto rows = (*tx)->Query("SELECT id, tenant_id FROM audit_events WHERE seq = $1", p);
  if (!rows || rows->empty()) {
    fmt::print(stderr, "alcove audit prove: there is no event with seq {}\n", seq);
    return 1;
  }
  const std::string id = rows->at(0).Text(0);
  const store::TenantId tenant = rows->at(0).Int(1);
  std::optional<audit::SignedCheckpoint> cp = std::move(*newest);
  if (!cp || cp->checkpoint.size <= seq) {
    // No checkpoint covers the event yet (a server stopped before it could write one):
    // sign the head now into the latest file; the history file keeps its cadence.
    // Only a head that extends the newest signed one (C44).
    auto check = audit::CheckExtends(**tx, cp ? cp->checkpoint.size : 0,
                                     cp ? cp->checkpoint.root : audit::EmptyRoot());
    if (!check) {
      fmt::print(stderr, "alcove audit prove: {}\n", check.error().internal);
      return 1;
    }
    if (check->refusal) {
      fmt::print(stderr, "alcove audit prove: refusing to sign a checkpoint: {}; run alcove audit verify\n",
                 *check->refusal);
      return 1;
    }
    const audit::TreeHead* head = &check->head;
    const audit::Checkpoint fresh{audit::LogOrigin((*key)->public_key()), head->size(),
                                  head->root()};
    const std::string note = audit::SignCheckpoint(**key, fresh);
    if (auto st = audit::ReplaceCheckpointFile(
            audit::LatestCheckpointPath(audit::CheckpointFilePath(config.data_dir)), note);
        !st) {
      fmt::print(stderr, "alcove audit prove: {}\n", st.error().internal);
      return 1;
    }
    cp = *audit::ParseSignedCheckpoint(note);
  }
  auto receipt = audit::ProofFor(
      **tx, tenant, id, *cp, audit::VerifierKey(audit::kCheckpointKeyName, (*key)->public_key()));
  if (!receipt) {
    fmt::print(stderr, "alcove audit prove: {}\n", receipt.error().internal);
    return 1;
  }
  fmt::print("{}", audit::FormatReceipt(*receipt));
  return 0;
}

int AuditCheck(const std::filesystem::path& receipt_file, const std::string& expected_key) {
  auto text = ReadSmallFile(receipt_file, kMaxReceiptFile);
  if (!text) {
    fmt::print(stderr, "alcove audit check: {}\n", text.error().internal);
    return 1;
  }
  auto receipt = audit::ParseReceipt(*text);
  if (!receipt) {
    fmt::print(stderr, "alcove audit check: {}\n", receipt.error().internal);
    return 1;
  }
  auto check = audit::CheckReceipt(*receipt, expected_key);
  if (!check) {
    fmt::print(stderr, "alcove audit check: the receipt does NOT hold: {}\n",
               check.error().internal);
    return 1;
  }
  fmt::print("receipt OK: event seq {} (id {}, {}, {}) is in log {} of {} events, signed by {}\n",
             check->seq, check->event_id, check->action, FormatRfc3339(check->time), check->origin,
             check->tree_size, check->verifier_key);
  return 0;
}

int AuditExport(const Config& config) {
  auto db = store::OpenDb(config);
  if (!db) {
    fmt::print(stderr, "alcove audit export: {}\n", db.error().internal);
    return 2;
  }
  auto tx = (*db)->Begin();
  if (!tx) {
    fmt::print(stderr, "alcove audit export: {}\n", tx.error().internal);
    return 2;
  }
  if (auto st = OneSnapshot(**tx, (*db)->engine()); !st) {
    fmt::print(stderr, "alcove audit export: {}\n", st.error().internal);
    return 2;
  }
  constexpr std::int64_t kBatch = 4096;
  std::int64_t after = -1;
  for (;;) {
    const store::Value p[] = {after, kBatch};
    auto rows = (*tx)->Query(
        "SELECT seq, event, leaf_hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2", p);
    if (!rows) {
      fmt::print(stderr, "alcove audit export: {}\n", rows.error().internal);
      return 2;
    }
    for (const auto& row : *rows) {
      auto logged = audit::DecodeEvent(row.Blob(1));
      if (!logged) {
        fmt::print(stderr, "alcove audit export: seq {} does not decode; run alcove audit verify\n",
                   row.Int(0));
        return 1;
      }
      boost::json::object line = web::AuditEventJson(*logged);
      line["leaf_hash"] = HexEncode(row.Blob(2));
      fmt::print("{}\n", boost::json::serialize(line));
      after = row.Int(0);
    }
    if (static_cast<std::int64_t>(rows->size()) < kBatch) {
      break;
    }
  }
  return 0;
}

}  // namespace alcove::cli
