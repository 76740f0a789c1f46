#pragma once

// One job's run (jobs.hpp), and the helpers jobs.cpp shares with it. Not an interface.

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "ai/jobs.hpp"

namespace alcove::ai {

// Jobs of `tenant` where column `where` = `id`, newest first.
Result<std::vector<Job>> LoadJobs(store::Transaction& tx, store::TenantId tenant,
                                  std::string_view where, std::string_view id);

// The transcript's segments as JSON, [{"start_ms":..,"end_ms":..,"text":".."}, ...],
// written straight into wiped memory.
crypto::PhiString SegmentsJson(const std::vector<Segment>& segments);

// A draft's text for the summary: a first line saying where it came from (and that it is
// extractive when it is), then each section under its name.
crypto::PhiString DraftText(const Draft& draft, Micros recording_created_at);

struct JobRunner {
  store::Db& db;
  recordings::Recordings& recordings;
  const Providers& providers;
  const Clock& clock;
  identity::UnitOfWork& work;
  const std::atomic<bool>& stop;
  store::TenantId tenant = 0;
  std::string job_id;

  // True when the job must run again (stopped by shutdown).
  bool Run();
};

}  // namespace alcove::ai
