// audit::Checkpointer (checkpoint_signer.hpp): signs every commit's tree head, and only
// heads that extend what it signed before (claim C44).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "audit/checkpoint_signer.hpp"
#include "audit/log.hpp"

namespace alcove::audit {
namespace {

// Commits reported ahead of the checked head that are kept waiting for their predecessors.
constexpr std::size_t kMaxWaiting = 4096;
// How long a commit waits for the commits before it to report before it asks for a round,
// and how long in all before it gives up (the background round covers it then).
constexpr auto kAskForRound = std::chrono::milliseconds(50);
constexpr auto kCoverDeadline = std::chrono::seconds(2);

}  // namespace

Checkpointer::Checkpointer(store::Db& db, const crypto::SigningKey& key, std::filesystem::path file,
                           const Clock& clock, CheckpointerOptions options)
    : db_(db),
      key_(key),
      file_(std::move(file)),
      latest_file_(LatestCheckpointPath(file_)),
      clock_(clock),
      options_(std::move(options)),
      origin_(LogOrigin(key.public_key())),
      checked_root_(EmptyRoot()) {}

Result<std::unique_ptr<Checkpointer>> Checkpointer::Create(store::Db& db,
                                                           const crypto::SigningKey& key,
                                                           std::filesystem::path file,
                                                           const Clock& clock,
                                                           CheckpointerOptions options) {
  auto last = ReadLastCheckpoint(file);
  if (!last) {
    return std::unexpected(last.error());
  }
  auto latest = ReadLatestCheckpointFile(LatestCheckpointPath(file));
  if (!latest) {
    return std::unexpected(latest.error());
  }
  std::unique_ptr<Checkpointer> c(
      new Checkpointer(db, key, std::move(file), clock, std::move(options)));
  if (*last) {
    c->history_size_ = (*last)->checkpoint.size;
    c->latest_ = std::move(*last);
  }
  if (*latest && (!c->latest_ || (*latest)->checkpoint.size > c->latest_->checkpoint.size)) {
    c->latest_ = std::move(*latest);
  }
  if (c->latest_) {
    c->checked_size_ = c->latest_->checkpoint.size;
    c->checked_root_ = c->latest_->checkpoint.root;
  }
  c->history_time_ = clock.Now();
  return c;
}

Checkpointer::~Checkpointer() { JoinThread(); }

void Checkpointer::JoinThread() {
  std::unique_lock lock(mu_);
  if (thread_.joinable()) {
    stopping_ = true;
    lock.unlock();
    wake_.notify_all();
    thread_.join();
  }
}

Status Checkpointer::Anchor(const SignedCheckpoint& cp) {
  if (!VerifyCheckpointSignature(cp, kCheckpointKeyName, key_.public_key()) ||
      cp.checkpoint.origin != origin_) {
    return Fail(ErrorCode::kInvalidArgument,
                "the witness holds a checkpoint that is not signed by this log's key");
  }
  std::unique_lock lock(mu_);
  stored_.wait(lock, [this] { return !signing_; });
  const std::uint64_t local = SignedSizeLocked();
  if (!latest_ || cp.checkpoint.size > local) {
    // The witness saw more than the local files hold: that is the head to extend.
    latest_ = cp;
    checked_size_ = cp.checkpoint.size;
    checked_root_ = cp.checkpoint.root;
    waiting_.clear();
    return {};
  }
  if (cp.checkpoint.size == 0) {
    return {};
  }
  const Hash local_root = latest_->checkpoint.root;
  lock.unlock();
  std::optional<std::string> refusal;
  if (cp.checkpoint.size == local) {
    if (cp.checkpoint.root != local_root) {
      refusal = "the witness holds another checkpoint of size " + std::to_string(local) +
                " than the local one: the log was rewritten";
    }
  } else {
    auto tx = db_.Begin();
    if (!tx) {
      return std::unexpected(tx.error());
    }
    auto proof = ConsistencyProofBetween(**tx, cp.checkpoint.size, local);
    if (!proof && proof.error().code != ErrorCode::kInternal &&
        proof.error().code != ErrorCode::kInvalidArgument) {
      return std::unexpected(proof.error());
    }
    if (!proof ||
        !VerifyConsistency(cp.checkpoint.size, local, cp.checkpoint.root, local_root, *proof)) {
      refusal = "the local checkpoint (size " + std::to_string(local) +
                ") does not extend the witness's (size " + std::to_string(cp.checkpoint.size) +
                "): the log was rewritten";
    }
  }
  if (refusal) {
    lock.lock();
    RefuseLocked(*refusal);
  }
  return {};
}

Result<bool> Checkpointer::Tick() { return Round(false); }
Result<bool> Checkpointer::Flush() { return Round(true); }

bool Checkpointer::HistoryDueLocked(std::uint64_t size, Micros now, bool flush) const {
  if (size <= history_size_) {
    return false;
  }
  return flush || size - history_size_ >= options_.every_events ||
         now - history_time_ >= options_.every;
}

void Checkpointer::RefuseLocked(const std::string& why) {
  if (!refusal_) {
    refusal_ = why;
    spdlog::error(
        "audit: REFUSING to sign checkpoints: {}; no event committed from now on is covered "
        "by a signed checkpoint until this is resolved (the last signed checkpoint has size "
        "{}); run `alcove audit verify` with the witness",
        why, SignedSizeLocked());
    last_reminder_ = std::chrono::steady_clock::now();
    uncovered_since_reminder_ = 0;
  }
  // What was checked beyond the signed head is no longer trusted.
  checked_size_ = SignedSizeLocked();
  checked_root_ = latest_ ? latest_->checkpoint.root : EmptyRoot();
  waiting_.clear();
  stored_.notify_all();
}

void Checkpointer::RemindLocked() {
  const auto now = std::chrono::steady_clock::now();
  if (refusal_ && now - last_reminder_ >= std::chrono::minutes(1)) {
    spdlog::error("audit: still refusing to sign checkpoints ({} commit(s) uncovered since the "
                  "last message): {}",
                  uncovered_since_reminder_, *refusal_);
    last_reminder_ = now;
    uncovered_since_reminder_ = 0;
  }
}

void Checkpointer::ChainLocked() {
  while (!waiting_.empty() && !refusal_) {
    auto it = waiting_.begin();
    const CommittedHead h = it->second;
    if (h.from_size > checked_size_) {
      break;
    }
    waiting_.erase(it);
    if (h.from_size < checked_size_) {
      // Passed over by a round's proof: it must lie inside what the round checked.
      if (h.size > checked_size_) {
        RefuseLocked("a commit from size " + std::to_string(h.from_size) + " to " +
                     std::to_string(h.size) + " overlaps the checked tree of size " +
                     std::to_string(checked_size_) + ": the stored tree was changed");
      }
      continue;
    }
    if (h.from_root != checked_root_) {
      RefuseLocked("a commit started from a stored tree of size " + std::to_string(h.from_size) +
                   " whose root is not the one checked: events were rewritten");
      return;
    }
    checked_size_ = h.size;
    checked_root_ = h.root;
  }
  stored_.notify_all();
}

void Checkpointer::AddLocked(const CommittedHead& h) {
  if (refusal_) {
    return;
  }
  if (h.from_size < checked_size_) {
    // Only a commit inside sizes a round passed over may report late; any other started
    // from a tree smaller than one checked before: events were removed or rewritten.
    const bool late = h.from_size >= jumped_from_ && h.size <= jumped_to_;
    if (!late) {
      RefuseLocked("a commit started from a stored tree of " + std::to_string(h.from_size) +
                   " events, fewer than the " + std::to_string(checked_size_) +
                   " already checked: events were removed or rewritten");
    }
    return;
  }
  if (const auto it = waiting_.find(h.from_size); it != waiting_.end()) {
    if (it->second.from_root != h.from_root || it->second.size != h.size ||
        it->second.root != h.root) {
      RefuseLocked("two commits started from a stored tree of size " +
                   std::to_string(h.from_size) + ": the stored tree was rewound");
    }
    return;
  }
  if (waiting_.size() < kMaxWaiting) {
    waiting_.emplace(h.from_size, h);
  }
  ChainLocked();
}

Status Checkpointer::StoreLocked(std::unique_lock<std::mutex>& lock, std::uint64_t size,
                                 const Hash& root, bool history, Micros now) {
  signing_ = true;
  lock.unlock();
  const Checkpoint cp{.origin = origin_, .size = size, .root = root};
  const std::string note = SignCheckpoint(key_, cp);
  // The latest file first: it always covers at least what the history file does.
  Status st = ReplaceCheckpointFile(latest_file_, note);
  if (st && history) {
    st = AppendCheckpointFile(file_, note);
  }
  auto parsed = ParseSignedCheckpoint(note);
  lock.lock();
  signing_ = false;
  stored_.notify_all();
  if (!st) {
    return st;
  }
  ++signed_count_;
  if (parsed) {
    latest_ = std::move(*parsed);
  }
  if (history) {
    history_size_ = size;
    history_time_ = now;
  }
  if (options_.on_stored) {
    lock.unlock();
    options_.on_stored(note, size, history);
    lock.lock();
  }
  return {};
}

Status Checkpointer::AppendLatestLocked(std::unique_lock<std::mutex>& lock, Micros now) {
  signing_ = true;
  const SignedCheckpoint latest = *latest_;
  lock.unlock();
  Status st = AppendCheckpointFile(file_, latest.text);
  lock.lock();
  signing_ = false;
  stored_.notify_all();
  if (!st) {
    return st;
  }
  history_size_ = latest.checkpoint.size;
  history_time_ = now;
  if (options_.on_stored) {
    lock.unlock();
    options_.on_stored(latest.text, latest.checkpoint.size, true);
    lock.lock();
  }
  return {};
}

Status Checkpointer::Cover(const CommittedHead& head) {
  std::unique_lock lock(mu_);
  AddLocked(head);
  const auto start = std::chrono::steady_clock::now();
  bool asked = false;
  for (;;) {
    if (refusal_) {
      ++uncovered_since_reminder_;
      RemindLocked();
      return Fail(ErrorCode::kFailedPrecondition, "audit checkpoint refused: " + *refusal_);
    }
    if (SignedSizeLocked() >= head.size) {
      return {};
    }
    if (signing_) {
      stored_.wait(lock);
      continue;
    }
    if (checked_size_ >= head.size) {
      // Lead: sign the largest checked head, which covers this one.
      const Micros now = clock_.Now();
      return StoreLocked(lock, checked_size_, checked_root_,
                         HistoryDueLocked(checked_size_, now, false), now);
    }
    // A commit before this one has not reported yet, or was made elsewhere (another
    // process): wait, then ask the background thread for a round, which checks the stored
    // tree with a consistency proof.
    const auto now = std::chrono::steady_clock::now();
    if (now - start >= kCoverDeadline) {
      return Fail(ErrorCode::kUnavailable,
                  "audit checkpoint: the tree up to size " + std::to_string(head.size) +
                      " could not be checked yet; the background round covers it");
    }
    if (!asked && now - start >= kAskForRound) {
      round_wanted_ = true;
      wake_.notify_all();
      asked = true;
    }
    stored_.wait_until(lock, start + (asked ? kCoverDeadline : kAskForRound));
  }
}

void Checkpointer::Committed(const CommittedHead& head) {
  auto st = Cover(head);
  std::lock_guard lock(mu_);
  if (st || refusal_) {
    return;  // a refusal has its own error line
  }
  ++failures_since_warning_;
  const auto now = std::chrono::steady_clock::now();
  if (last_warning_ == std::chrono::steady_clock::time_point{} ||
      now - last_warning_ >= std::chrono::minutes(1)) {
    spdlog::warn("audit checkpoint after a commit failed ({} time(s) since the last warning): {}",
                 failures_since_warning_, st.error().internal);
    last_warning_ = now;
    failures_since_warning_ = 0;
  }
}

Result<bool> Checkpointer::Round(bool flush) {
  std::unique_lock lock(mu_);
  // A few tries: commits that are checked while the proof is read make it stale.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (refusal_) {
      RemindLocked();
      return false;
    }
    const std::uint64_t base_size = checked_size_;
    const Hash base_root = checked_root_;
    lock.unlock();
    Result<ExtensionCheck> check = [&]() -> Result<ExtensionCheck> {
      auto tx = db_.Begin();
      if (!tx) {
        return std::unexpected(tx.error());
      }
      return CheckExtends(**tx, base_size, base_root);
    }();
    lock.lock();
    if (!check) {
      return std::unexpected(check.error());
    }
    stored_.wait(lock, [this] { return !signing_; });
    if (refusal_) {
      continue;
    }
    if (check->refusal) {
      RefuseLocked(*check->refusal);
      return false;
    }
    const std::uint64_t size = check->head.size();
    if (size > checked_size_) {
      if (checked_size_ != base_size) {
        continue;  // commits moved the checked head meanwhile: check from there
      }
      if (jumped_to_ <= base_size) {
        jumped_from_ = base_size;
      }
      jumped_to_ = size;
      checked_size_ = size;
      checked_root_ = check->head.root();
      ChainLocked();
      if (refusal_) {
        return false;
      }
    }
    break;
  }
  const Micros now = clock_.Now();
  const std::uint64_t covered = SignedSizeLocked();
  if (checked_size_ > covered) {
    const std::uint64_t size = checked_size_;
    const bool history = HistoryDueLocked(size, now, flush);
    if (auto st = StoreLocked(lock, size, checked_root_, history, now); !st) {
      return std::unexpected(st.error());
    }
    return history;
  }
  if (latest_ && HistoryDueLocked(covered, now, flush)) {
    if (auto st = AppendLatestLocked(lock, now); !st) {
      return std::unexpected(st.error());
    }
    return true;
  }
  return false;
}

void Checkpointer::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock held(mu_);
    while (!stopping_) {
      wake_.wait_for(held, options_.poll, [this] { return stopping_ || round_wanted_; });
      if (stopping_) {
        break;
      }
      round_wanted_ = false;
      held.unlock();
      if (auto r = Tick(); !r) {
        spdlog::warn("audit checkpoint: {}", r.error().internal);
      }
      held.lock();
    }
  });
}

void Checkpointer::Stop() {
  JoinThread();
  if (auto r = Flush(); !r) {
    spdlog::error("audit checkpoint at shutdown: {}", r.error().internal);
  }
}

std::optional<SignedCheckpoint> Checkpointer::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::uint64_t Checkpointer::signed_count() const {
  std::lock_guard lock(mu_);
  return signed_count_;
}

std::optional<std::string> Checkpointer::refusal() const {
  std::lock_guard lock(mu_);
  return refusal_;
}

}  // namespace alcove::audit
