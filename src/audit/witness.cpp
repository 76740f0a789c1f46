#include "audit/witness.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "audit/checkpoint_signer.hpp"

namespace alcove::audit {
namespace {

constexpr std::size_t kMaxWitnessAnswer = kMaxNoteBytes;

std::unexpected<Error> BadWitness(const std::string& what) {
  return Fail(ErrorCode::kInvalidArgument,
              "audit.witness " + what +
                  " (accepted: an absolute path of an existing directory outside the data "
                  "directory, or an https:// URL)");
}

// True when `inner` is `outer` or inside it; both canonical.
bool IsWithin(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) {
      continue;  // a trailing separator
    }
    if (i == inner.end() || *i != *o) {
      return false;
    }
  }
  return true;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t bytes = size * n;
  if (out->size() + bytes > kMaxWitnessAnswer) {
    return 0;  // aborts the transfer
  }
  out->append(data, bytes);
  return bytes;
}

std::unique_ptr<CURL, CurlDeleter> NewHandle(const WitnessTarget& target,
                                             const HttpsWitnessOptions& options,
                                             std::string* body) {
  static const bool initialised = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)initialised;
  std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
  if (!c) {
    return c;
  }
  CURL* h = c.get();
  curl_easy_setopt(h, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!target.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, target.ca_file.c_str());
  }
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
  return c;
}

// Runs the transfer; the HTTP status, or kUnavailable naming the witness (not its URL).
Result<long> Perform(CURL* h, const WitnessTarget& target) {
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return Fail(ErrorCode::kUnavailable,
                "audit witness " + target.Describe() + ": " + curl_easy_strerror(rc),
                "the audit witness is unreachable");
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace

std::string WitnessTarget::Describe() const {
  if (!directory.empty()) {
    return directory.string();
  }
  // "https://host[:port]" only.
  const auto host_start = url.find("://");
  if (host_start == std::string::npos) {
    return "https URL";
  }
  std::string_view rest = std::string_view(url).substr(host_start + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    rest.remove_prefix(at + 1);
  }
  return "https://" + std::string(rest);
}

Result<WitnessTarget> ParseWitness(std::string_view setting, std::string_view ca_file,
                                   const std::filesystem::path& data_dir) {
  WitnessTarget target;
  if (setting.empty()) {
    return target;
  }
  target.ca_file = std::string(ca_file);
  if (setting.starts_with("https://")) {
    const std::string_view rest = setting.substr(8);
    const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
    if (host.empty() ||
        std::any_of(setting.begin(), setting.end(), [](char c) { return c <= ' ' || c == 0x7f; })) {
      return BadWitness("is not a usable https:// URL");
    }
    std::error_code ec;
    if (!target.ca_file.empty() && !std::filesystem::is_regular_file(target.ca_file, ec)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "audit.witness_ca_file `" + target.ca_file + "` is not a readable file");
    }
    target.url = std::string(setting);
    return target;
  }
  if (setting.find("://") != std::string_view::npos) {
    return BadWitness("must be an https:// URL (checkpoints travel over TLS only) or a directory");
  }
  const std::filesystem::path dir(setting);
  if (!dir.is_absolute()) {
    return BadWitness("must be an absolute path, not `" + std::string(setting) + "`");
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return BadWitness("`" + dir.string() + "` is not an existing directory");
  }
  const auto witness = std::filesystem::canonical(dir, ec);
  const auto data = std::filesystem::weakly_canonical(data_dir, ec);
  if (witness.empty() || data.empty()) {
    return BadWitness("`" + dir.string() + "` cannot be resolved");
  }
  if (IsWithin(witness, data)) {
    return BadWitness("`" + dir.string() + "` is inside the data directory " + data.string() +
                      "; the witness must be outside it, so that whoever can rewrite the data "
                      "directory cannot rewrite the witness");
  }
  target.directory = witness;
  return target;
}

Status WriteWitnessDirectory(const std::filesystem::path& dir, std::string_view note, bool history,
                             const std::vector<Hash>* proof) {
  const auto file = dir / "checkpoints";
  auto incoming = ParseSignedCheckpoint(note);
  if (!incoming) {
    return Fail(ErrorCode::kInvalidArgument,
                "audit witness: a malformed checkpoint: " + incoming.error().internal);
  }
  auto held = ReadLatestCheckpointFile(LatestCheckpointPath(file));
  if (!held) {
    return std::unexpected(held.error());
  }
  if (*held) {
    const Checkpoint& h = (*held)->checkpoint;
    const Checkpoint& n = incoming->checkpoint;
    const std::string sizes =
        " (size " + std::to_string(n.size) + "; the witness holds size " + std::to_string(h.size) + ")";
    if (h.origin != n.origin) {
      return Fail(ErrorCode::kConflict, "audit witness " + dir.string() +
                                            " holds the checkpoints of another log");
    }
    if (n.size < h.size) {
      return Fail(ErrorCode::kConflict,
                  "audit witness " + dir.string() + ": refused a smaller checkpoint" + sizes);
    }
    if (n.size == h.size && n.root != h.root) {
      return Fail(ErrorCode::kConflict, "audit witness " + dir.string() +
                                            ": refused another root at the same size" + sizes);
    }
    if (proof != nullptr && n.size > h.size && h.size > 0 &&
        !VerifyConsistency(h.size, n.size, h.root, n.root, *proof)) {
      return Fail(ErrorCode::kConflict, "audit witness " + dir.string() +
                                            ": refused a checkpoint that does not extend its own" +
                                            sizes);
    }
  }
  if (auto st = ReplaceCheckpointFile(LatestCheckpointPath(file), note); !st) {
    return st;
  }
  if (history) {
    return AppendCheckpointFile(file, note);
  }
  return {};
}

Status PostCheckpoint(const WitnessTarget& target, std::string_view note,
                      const HttpsWitnessOptions& options) {
  std::string answer;
  auto c = NewHandle(target, options, &answer);
  if (!c) {
    return Fail(ErrorCode::kUnavailable, "audit witness: cannot start libcurl");
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Content-Type: text/plain; charset=utf-8"));
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, note.data());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(note.size()));
  auto status = Perform(c.get(), target);
  if (!status) {
    return std::unexpected(status.error());
  }
  if (*status == 409) {
    return Fail(ErrorCode::kConflict,
                "audit witness " + target.Describe() +
                    " answered HTTP 409: it holds a checkpoint this one does not extend",
                "the audit witness refused the checkpoint");
  }
  if (*status < 200 || *status > 299) {
    return Fail(ErrorCode::kUnavailable,
                "audit witness " + target.Describe() + " answered HTTP " + std::to_string(*status),
                "the audit witness refused the checkpoint");
  }
  return {};
}

Result<std::optional<std::string>> FetchLatestCheckpoint(const WitnessTarget& target,
                                                         const HttpsWitnessOptions& options) {
  std::string answer;
  auto c = NewHandle(target, options, &answer);
  if (!c) {
    return Fail(ErrorCode::kUnavailable, "audit witness: cannot start libcurl");
  }
  curl_easy_setopt(c.get(), CURLOPT_HTTPGET, 1L);
  auto status = Perform(c.get(), target);
  if (!status) {
    if (answer.size() >= kMaxWitnessAnswer) {
      return Fail(ErrorCode::kInvalidArgument,
                  "audit witness " + target.Describe() + ": the answer is larger than 64 KiB");
    }
    return std::unexpected(status.error());
  }
  if (*status == 404) {
    return std::optional<std::string>{};
  }
  if (*status != 200) {
    return Fail(ErrorCode::kUnavailable, "audit witness " + target.Describe() + " answered HTTP " +
                                             std::to_string(*status) + " to GET");
  }
  return std::optional<std::string>(std::move(answer));
}

std::unique_ptr<WitnessSender> WitnessSender::ForTarget(const WitnessTarget& target,
                                                        Options options) {
  Deliver deliver;
  if (!target.directory.empty()) {
    deliver = [dir = target.directory](const std::string& note, bool history) {
      return WriteWitnessDirectory(dir, note, history);
    };
  } else {
    deliver = [target](const std::string& note, bool) { return PostCheckpoint(target, note); };
  }
  return std::make_unique<WitnessSender>(std::move(deliver), target.Describe(), options);
}

WitnessSender::WitnessSender(Deliver deliver, std::string description, Options options)
    : deliver_(std::move(deliver)), description_(std::move(description)), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

WitnessSender::~WitnessSender() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    pending_.reset();
  }
  changed_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void WitnessSender::Offer(std::string note, std::uint64_t size, bool history) {
  {
    std::lock_guard lock(mu_);
    if (pending_ && size < pending_size_) {
      // A newer one is queued already: it goes to the history in this one's place.
      pending_history_ = pending_history_ || history;
      return;
    }
    if (size < delivered_size_ || size < held_size_ || (size == delivered_size_ && !history)) {
      return;
    }
    pending_history_ = pending_history_ || history;
    pending_ = std::move(note);
    pending_size_ = size;
    ++offers_;
  }
  changed_.notify_all();
}

void WitnessSender::Run() {
  std::unique_lock lock(mu_);
  auto backoff = options_.initial_backoff;
  std::chrono::steady_clock::time_point deadline{};
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || pending_.has_value(); });
    if (!pending_) {
      return;  // stopping with nothing left
    }
    if (stopping_ && deadline == std::chrono::steady_clock::time_point{}) {
      deadline = std::chrono::steady_clock::now() + options_.stop_deadline;
    }
    const std::string note = *pending_;
    const std::uint64_t size = pending_size_;
    const bool history = pending_history_;
    const std::uint64_t taken = offers_;
    lock.unlock();
    const Status st = deliver_(note, history);
    lock.lock();
    if (st) {
      delivered_size_ = std::max(delivered_size_, size);
      if (offers_ == taken) {  // nothing offered meanwhile (not even the same note again)
        pending_.reset();
        pending_history_ = false;
      }
      backoff = options_.initial_backoff;
      changed_.notify_all();
      continue;
    }
    if (st.error().code == ErrorCode::kConflict) {
      // Refused as not extending what the witness holds: retrying cannot help.
      spdlog::error("audit witness {}: the checkpoint of size {} was refused: {}", description_,
                    size, st.error().internal);
      ++failures_;
      if (offers_ == taken) {
        pending_.reset();
        pending_history_ = false;
      }
      changed_.notify_all();
      continue;
    }
    ++failures_;
    ++failures_since_warning_;
    const auto now = std::chrono::steady_clock::now();
    if (last_warning_ == std::chrono::steady_clock::time_point{} ||
        now - last_warning_ >= options_.warn_every) {
      spdlog::warn("audit witness {}: delivery failed ({} time(s) since the last warning): {}",
                   description_, failures_since_warning_, st.error().internal);
      last_warning_ = now;
      failures_since_warning_ = 0;
    }
    if (stopping_) {
      if (deadline == std::chrono::steady_clock::time_point{}) {
        deadline = now + options_.stop_deadline;
      }
      if (now >= deadline) {
        spdlog::error("audit witness {}: checkpoint of size {} not delivered before shutdown",
                      description_, pending_size_);
        return;
      }
      changed_.wait_for(
          lock,
          std::min(backoff, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
    } else {
      // A new Offer does not cut the backoff short: a failing witness is not hammered.
      changed_.wait_for(lock, backoff, [this] { return stopping_; });
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void WitnessSender::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void WitnessSender::Held(std::uint64_t size) {
  std::lock_guard lock(mu_);
  held_size_ = std::max(held_size_, size);
}

std::uint64_t WitnessSender::delivered_size() const {
  std::lock_guard lock(mu_);
  return delivered_size_;
}

bool WitnessSender::WaitDelivered(std::uint64_t size, std::chrono::milliseconds bound) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, bound, [&] { return delivered_size_ >= size; });
}

std::uint64_t WitnessSender::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

}  // namespace alcove::audit
