#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace alcove {

// Runs jobs on one background thread, in the order they were posted, so that work whose
// duration must not be observable by a requester (looking an account up, issuing a
// link, sending mail) happens off the request path. Post only appends to a bounded
// queue: its cost is the same whatever the job will do.
//
// A job that throws is logged (spdlog warn, with the queue's name and the exception's
// type only: a message might carry data) and the worker goes on with the next.
// Thread-safety: Post, Pending and WaitIdle may be called from any thread. Destruction
// stops accepting jobs, runs those already queued, and joins the worker.
class WorkQueue {
 public:
  // `name` is for log lines; `capacity` >= 1.
  WorkQueue(std::string name, std::size_t capacity);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  ~WorkQueue();

  // kResourceExhausted when `capacity` jobs are already waiting, kUnavailable once the
  // queue is shutting down.
  Status Post(std::function<void()> job);

  // Jobs waiting (not counting one running).
  std::size_t Pending() const;

  // Blocks until nothing is waiting or running (tests, orderly shutdown).
  void WaitIdle();

 private:
  void Run();

  const std::string name_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> jobs_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread worker_;  // last: starts after the members it uses exist
};

}  // namespace alcove
