#pragma once

#include <cstddef>

#include "core/error.hpp"
#include "core/work_queue.hpp"
#include "mail/mailer.hpp"
#include "mail/message.hpp"

namespace alcove::mail {

// Sends mail off the request path: Enqueue only appends to a bounded queue and wakes one
// worker thread, so a caller's latency (and what it can observe) does not depend on
// whether, or how slowly, mail is sent. The worker sends messages in order; a failed
// Send is logged (spdlog warn) with the kind and the error's internal message — never
// the recipient, the link or the body — and the message is dropped (the flows that send
// mail let the user ask again).
//
// Thread-safety: Enqueue, Pending and WaitIdle may be called from any thread.
// Destruction stops accepting messages, sends what is queued, and joins the worker.
class Queue {
 public:
  // Borrows `mailer`, which must outlive the queue. `capacity` >= 1.
  explicit Queue(Mailer& mailer, std::size_t capacity = 1000);

  // Queues `message` and returns at once. kResourceExhausted when `capacity` messages are
  // already waiting, kUnavailable once the queue is shutting down.
  Status Enqueue(Message message);

  // Messages waiting (not counting one being sent).
  std::size_t Pending() const { return work_.Pending(); }

  // Blocks until nothing is waiting or being sent (for tests and orderly shutdown).
  void WaitIdle() { work_.WaitIdle(); }

 private:
  Mailer& mailer_;
  WorkQueue work_;  // last: its worker may use the members above until it is joined
};

}  // namespace alcove::mail
