// Mail leaves the request path: a caller's latency does not depend on sending (C53 flows).
#include "mail/queue.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <latch>
#include <memory>
#include <sstream>
#include <vector>

namespace alcove::mail {
namespace {

constexpr std::string_view kOrigin = "https://alcove.example.org";

Message Make(int i) {
  return *Message::Make(MailKind::kSignInLink, "therapist@example.org",
                        "https://alcove.example.org/auth/magic?t=secret" + std::to_string(i),
                        kOrigin);
}

// Blocks in Send until released.
class BlockingMailer final : public Mailer {
 public:
  Status Send(const Message& message) override {
    if (!entered_once_.exchange(true)) {
      entered_.count_down();  // a latch may not count below zero
    }
    release_.wait();
    std::lock_guard lock(mu_);
    sent_.push_back(message.link());
    return {};
  }
  void WaitUntilSending() { entered_.wait(); }
  void Release() { release_.count_down(); }
  std::vector<std::string> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  std::atomic<bool> entered_once_{false};
  std::latch entered_{1};
  std::latch release_{1};
  std::mutex mu_;
  std::vector<std::string> sent_;
};

class FailingMailer final : public Mailer {
 public:
  Status Send(const Message& message) override {
    ++calls;
    return Fail(ErrorCode::kUnavailable,
                fmt::format("{} mail: SMTP send failed: Couldn't connect to server (server "
                            "reply 0)",
                            MailKindName(message.kind())));
  }
  std::atomic<int> calls{0};
};

// claim: C53
TEST(MailQueueC53, EnqueueReturnsWhileTheMailerIsStillSending) {
  BlockingMailer mailer;
  {
    Queue queue(mailer, 10);
    ASSERT_TRUE(queue.Enqueue(Make(1)));
    mailer.WaitUntilSending();  // the worker is now blocked inside Send
    // If Enqueue waited for the mailer, these calls would never return.
    ASSERT_TRUE(queue.Enqueue(Make(2)));
    ASSERT_TRUE(queue.Enqueue(Make(3)));
    EXPECT_EQ(queue.Pending(), 2u);
    EXPECT_TRUE(mailer.sent().empty());
    mailer.Release();
    queue.WaitIdle();
    EXPECT_EQ(queue.Pending(), 0u);
  }
  const auto sent = mailer.sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_TRUE(sent[0].ends_with("secret1"));  // in order
  EXPECT_TRUE(sent[2].ends_with("secret3"));
}

TEST(MailQueue, AFullQueueRefusesInsteadOfWaiting) {
  BlockingMailer mailer;
  Queue queue(mailer, 2);
  ASSERT_TRUE(queue.Enqueue(Make(1)));
  mailer.WaitUntilSending();
  ASSERT_TRUE(queue.Enqueue(Make(2)));
  ASSERT_TRUE(queue.Enqueue(Make(3)));
  auto full = queue.Enqueue(Make(4));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ErrorCode::kResourceExhausted);
  mailer.Release();
  queue.WaitIdle();
  EXPECT_EQ(mailer.sent().size(), 3u);
}

// claim: C53
TEST(MailQueueC53, FailuresAreLoggedWithoutRecipientOrLink) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "mail-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  FailingMailer mailer;
  {
    Queue queue(mailer);
    ASSERT_TRUE(queue.Enqueue(Make(7)));
    queue.WaitIdle();
  }
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous);
  EXPECT_EQ(mailer.calls.load(), 1);
  const std::string text = log.str();
  EXPECT_NE(text.find("mail (sign-in link) not sent"), std::string::npos) << text;
  EXPECT_EQ(text.find("secret7"), std::string::npos) << text;
  EXPECT_EQ(text.find("therapist@"), std::string::npos) << text;
  EXPECT_EQ(text.find("https://"), std::string::npos) << text;
}

TEST(MailQueue, DestructionSendsWhatIsQueued) {
  BlockingMailer mailer;
  auto queue = std::make_unique<Queue>(mailer, 10);
  ASSERT_TRUE(queue->Enqueue(Make(1)));
  ASSERT_TRUE(queue->Enqueue(Make(2)));
  mailer.Release();
  queue.reset();
  EXPECT_EQ(mailer.sent().size(), 2u);
}

}  // namespace
}  // namespace alcove::mail
