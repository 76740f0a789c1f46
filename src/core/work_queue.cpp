#include "core/work_queue.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <typeinfo>

namespace alcove {

WorkQueue::WorkQueue(std::string name, std::size_t capacity)
    : name_(std::move(name)), capacity_(capacity == 0 ? 1 : capacity), worker_([this] { Run(); }) {}

WorkQueue::~WorkQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

Status WorkQueue::Post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return Fail(ErrorCode::kUnavailable, name_ + " queue is shutting down",
                  "the server is shutting down");
    }
    if (jobs_.size() >= capacity_) {
      return Fail(ErrorCode::kResourceExhausted, name_ + " queue is full",
                  "the server is busy; try again in a minute");
    }
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return {};
}

std::size_t WorkQueue::Pending() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void WorkQueue::WaitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return jobs_.empty() && !running_; });
}

void WorkQueue::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) {
      return;  // stopping, and everything queued has run
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    running_ = true;
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::warn("{} job failed: exception {}", name_, typeid(e).name());
    } catch (...) {
      spdlog::warn("{} job failed: unknown exception", name_);
    }
    job = nullptr;  // destroy captures outside the lock
    lock.lock();
    running_ = false;
    if (jobs_.empty()) {
      idle_.notify_all();
    }
  }
}

}  // namespace alcove
