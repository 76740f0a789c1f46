// The recordings' housekeeping (recordings.hpp): keys and blobs of recordings deleted with
// a client, orphan recording keys, audio past its retention.
#include <spdlog/spdlog.h>

#include <utility>

#include "recordings/internal.hpp"
#include "recordings/recordings.hpp"

namespace alcove::recordings {

namespace {

// Recording keys younger than this may belong to a recording being created right now.
constexpr Micros kOrphanKeyMargin = 10 * 60 * kMicrosPerSecond;
constexpr Micros kDay = 24LL * 3600 * kMicrosPerSecond;

// The tenants with recording keys: data_keys is the key ring's table (no row-level
// security); each tenant's rows are then read in that tenant's own transaction.
Result<std::vector<store::TenantId>> RecordingTenants(store::Db& db) {
  ALCOVE_TRY_ASSIGN(auto tx, db.Begin());
  const store::Value p[] = {std::string(kRecordingKeyPurpose)};
  ALCOVE_TRY_ASSIGN(const auto rows,
                    tx->Query("SELECT DISTINCT tenant_id FROM data_keys WHERE purpose = $1 AND "
                              "tenant_id > 0",
                              p));
  std::vector<store::TenantId> out;
  for (const auto& r : rows) {
    out.push_back(r.Int(0));
  }
  return out;
}

}  // namespace

void Recordings::Housekeeping(Micros now) {
  std::vector<Pending> pending;
  {
    const std::lock_guard lock(pending_mu_);
    pending.swap(pending_);
  }
  for (Pending& p : pending) {
    // A deletion that rolled back left its rows: then the key and blob are still in use.
    auto tx = db_.BeginTenant(p.tenant);
    if (!tx) {
      const std::lock_guard lock(pending_mu_);
      pending_.push_back(std::move(p));
      continue;
    }
    const store::Value q[] = {p.tenant, p.what.key ? static_cast<std::int64_t>(*p.what.key) : -1,
                              p.what.blob.value_or(""), p.what.upload.value_or("")};
    auto used = (*tx)->Query(
        "SELECT count(*) FROM recordings WHERE tenant_id = $1 AND (key_id = $2 OR blob_id = $3 "
        "OR upload_id = $4)",
        q);
    tx->reset();
    if (!used) {
      const std::lock_guard lock(pending_mu_);
      pending_.push_back(std::move(p));
      continue;
    }
    if (used->front().Int(0) == 0) {
      DestroyKeyAndBlob(p.tenant, p.what);
    }
  }
  if (auto n = SweepOrphanKeys(now - kOrphanKeyMargin); !n) {
    spdlog::warn("sweeping orphan recording keys failed: {}", n.error().internal);
  } else if (*n > 0) {
    spdlog::info("destroyed {} orphan recording key(s)", *n);
  }
  if (auto n = ApplyRetention(now); !n) {
    spdlog::warn("deleting audio past its retention failed: {}", n.error().internal);
  } else if (*n > 0) {
    spdlog::info("deleted the audio of {} transcribed recording(s) past retention", *n);
  }
}

Result<std::int64_t> Recordings::SweepOrphanKeys(Micros created_before) {
  ALCOVE_TRY_ASSIGN(const auto tenants, RecordingTenants(db_));
  std::int64_t destroyed = 0;
  for (const store::TenantId tenant : tenants) {
    std::vector<crypto::KeyId> orphans;
    {
      ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
      const store::Value p[] = {tenant, std::string(kRecordingKeyPurpose), created_before};
      ALCOVE_TRY_ASSIGN(
          const auto rows,
          tx->Query("SELECT DISTINCT d.family FROM data_keys d WHERE d.tenant_id = $1 AND "
                    "d.purpose = $2 AND d.created_at < $3 AND NOT EXISTS (SELECT 1 FROM "
                    "recordings r WHERE r.tenant_id = $1 AND r.key_id = d.family)",
                    p));
      for (const auto& r : rows) {
        orphans.push_back(static_cast<crypto::KeyId>(r.Int(0)));
      }
    }
    for (const crypto::KeyId key : orphans) {
      if (auto st = keys_.DestroyDek(tenant, key); !st && st.error().code != ErrorCode::kNotFound) {
        spdlog::error("sweeping an orphan recording key {} failed (retried next time): {}", key,
                      st.error().internal);
        continue;
      }
      ++destroyed;
    }
  }
  return destroyed;
}

Result<std::int64_t> Recordings::ApplyRetention(Micros now) {
  ALCOVE_TRY_ASSIGN(const auto tenants, RecordingTenants(db_));
  std::int64_t deleted = 0;
  for (const store::TenantId tenant : tenants) {
    std::vector<std::pair<std::string, std::string>> due;  // recording, blob
    {
      ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
      const store::Value p[] = {tenant, now, kDay};
      ALCOVE_TRY_ASSIGN(
          const auto rows,
          tx->Query("SELECT r.id, r.blob_id FROM recordings r JOIN recording_transcripts t ON "
                    "t.recording_id = r.id AND t.tenant_id = r.tenant_id WHERE r.tenant_id = $1 "
                    "AND r.blob_id IS NOT NULL AND t.status = 'done' AND t.completed_at + "
                    "COALESCE((SELECT s.keep_audio_days FROM recording_settings s WHERE "
                    "s.tenant_id = $1), 0) * $3 <= $2",
                    p));
      for (const auto& r : rows) {
        due.emplace_back(r.Text(0), r.Text(1));
      }
    }
    for (const auto& [recording, blob] : due) {
      ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
      const store::Value p[] = {now, recording, tenant, blob};
      ALCOVE_TRY_ASSIGN(const auto n,
                        tx->Execute("UPDATE recordings SET blob_id = NULL, audio_deleted_at = "
                                       "$1 WHERE id = $2 AND tenant_id = $3 AND blob_id = $4",
                                       p));
      ALCOVE_TRY(tx->Commit());
      if (n == 1) {
        DestroyKeyAndBlob(tenant, Destroyed{.key = std::nullopt, .blob = blob, .upload = std::nullopt});
        ++deleted;
      }
    }
  }
  return deleted;
}

}  // namespace alcove::recordings
