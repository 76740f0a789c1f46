#include "cli/audit.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "audit/receipt.hpp"
#include "core/encoding.hpp"
#include "core/files.hpp"
#include "store/open_db.hpp"
#include "web/audit_routes.hpp"

namespace alcove::cli {
namespace {

// Reading a receipt: receipts are a few KiB.
constexpr std::size_t kMaxReceiptFile = 64 * 1024;

struct KeyAndCheckpoints {
  std::unique_ptr<crypto::SigningKey> key;
  std::vector<audit::SignedCheckpoint> checkpoints;
};

Result<KeyAndCheckpoints> LoadKeyAndCheckpoints(const Config& config) {
  auto key = crypto::SigningKey::Load(audit::SigningKeyPath(config.data_dir));
  if (!key) {
    return std::unexpected(key.error());
  }
  auto cps = audit::ReadCheckpointFile(audit::CheckpointFilePath(config.data_dir));
  if (!cps) {
    return std::unexpected(cps.error());
  }
  return KeyAndCheckpoints{std::move(*key), std::move(*cps)};
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
  std::unique_ptr<AuditRuntime> rt(new AuditRuntime(std::move(*key), db.engine()));
  auto cp =
      audit::Checkpointer::Create(db, *rt->key_, audit::CheckpointFilePath(config.data_dir), clock);
  if (!cp) {
    return Fail(ErrorCode::kFailedPrecondition,
                cp.error().internal + "; run `alcove audit verify` and restore the file");
  }
  rt->checkpointer_ = std::move(*cp);
  audit::Checkpointer* checkpointer = rt->checkpointer_.get();
  rt->log_.SetAppendListener([checkpointer](std::uint64_t size) { checkpointer->Notify(size); });
  rt->checkpointer_->Start();
  return rt;
}

AuditRuntime::~AuditRuntime() = default;

void AuditRuntime::Stop() {
  if (checkpointer_) {
    checkpointer_->Stop();
  }
}

int AuditVerify(const Config& config) {
  auto files = LoadKeyAndCheckpoints(config);
  if (!files) {
    fmt::print(stderr, "alcove audit verify: {}\n", files.error().internal);
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
  auto outcome = audit::VerifyLog(**tx, files->checkpoints, files->key->public_key());
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
  fmt::print("audit log OK: {} events, first {}, last {}; {} checkpoints, last {}\n",
             outcome->events, outcome->events ? FormatRfc3339(outcome->first_time) : "-",
             outcome->events ? FormatRfc3339(outcome->last_time) : "-", outcome->checkpoints,
             last_cp);
  return 0;
}

int AuditProve(const Config& config, std::uint64_t seq) {
  auto files = LoadKeyAndCheckpoints(config);
  if (!files) {
    fmt::print(stderr, "alcove audit prove: {}\n", files.error().internal);
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
  std::optional<audit::SignedCheckpoint> cp;
  if (!files->checkpoints.empty() && files->checkpoints.back().checkpoint.size > seq) {
    cp = files->checkpoints.back();
  } else {
    // No checkpoint covers the event yet: sign one now, as the server would within 60 s.
    auto head = audit::ReadHead(**tx);
    if (!head) {
      fmt::print(stderr, "alcove audit prove: {}\n", head.error().internal);
      return 1;
    }
    const audit::Checkpoint fresh{audit::LogOrigin(files->key->public_key()), head->size(),
                                  head->root()};
    const std::string note = audit::SignCheckpoint(*files->key, fresh);
    if (auto st = audit::AppendCheckpointFile(audit::CheckpointFilePath(config.data_dir), note);
        !st) {
      fmt::print(stderr, "alcove audit prove: {}\n", st.error().internal);
      return 1;
    }
    cp = *audit::ParseSignedCheckpoint(note);
  }
  auto receipt =
      audit::ProofFor(**tx, tenant, id, *cp,
                      audit::VerifierKey(audit::kCheckpointKeyName, files->key->public_key()));
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
