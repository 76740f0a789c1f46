#include "mail/queue.hpp"

#include <spdlog/spdlog.h>

namespace alcove::mail {

Queue::Queue(Mailer& mailer, std::size_t capacity)
    : mailer_(mailer), capacity_(capacity == 0 ? 1 : capacity), worker_([this] { Run(); }) {}

Queue::~Queue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

Status Queue::Enqueue(Message message) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return Fail(ErrorCode::kUnavailable, "mail queue: shutting down",
                  "The mail could not be sent.");
    }
    if (queue_.size() >= capacity_) {
      return Fail(ErrorCode::kResourceExhausted,
                  fmt::format("mail queue: full ({} messages waiting)", queue_.size()),
                  "Too many messages are waiting; try again in a minute.");
    }
    queue_.push_back(std::move(message));
  }
  wake_.notify_one();
  return {};
}

std::size_t Queue::Pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Queue::WaitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !sending_; });
}

void Queue::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      return;  // stopping, and everything was sent
    }
    Message message = std::move(queue_.front());
    queue_.pop_front();
    sending_ = true;
    lock.unlock();
    const Status st = mailer_.Send(message);
    if (!st) {
      spdlog::warn("mail ({}) not sent: {}", MailKindName(message.kind()), st.error().internal);
    }
    lock.lock();
    sending_ = false;
    if (queue_.empty()) {
      idle_.notify_all();
    }
  }
}

}  // namespace alcove::mail
