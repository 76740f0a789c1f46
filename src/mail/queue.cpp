#include "mail/queue.hpp"

#include <spdlog/spdlog.h>

namespace alcove::mail {

Queue::Queue(Mailer& mailer, std::size_t capacity) : mailer_(mailer), work_("mail", capacity) {}

Status Queue::Enqueue(Message message) {
  return work_.Post([this, message = std::move(message)] {
    const Status st = mailer_.Send(message);
    if (!st) {
      // The kind and the internal error only: never the recipient, the link or the body.
      spdlog::warn("mail ({}) not sent: {}", MailKindName(message.kind()), st.error().internal);
    }
  });
}

}  // namespace alcove::mail
