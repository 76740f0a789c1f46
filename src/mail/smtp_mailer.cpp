#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "mail/mailer.hpp"

namespace alcove::mail {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// The upload source: the rendered message, handed to curl in pieces.
struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t ReadChunk(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

void GlobalInitOnce() {
  static const bool kDone = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)kDone;
}

}  // namespace

Result<std::unique_ptr<SmtpMailer>> SmtpMailer::Create(SmtpOptions options, Sender from,
                                                       const Clock& clock) {
  const std::string_view url = options.url;
  const bool ok = (url.starts_with("smtps://") && url.size() > 8) ||
                  (url.starts_with("smtp://") && url.size() > 7);
  if (!ok || url.find_first_of(" \r\n") != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "mail.smtp_url must be smtps://host[:port] (TLS) or smtp://host[:port] "
                "(STARTTLS, required)");
  }
  GlobalInitOnce();
  return std::make_unique<SmtpMailer>(Checked{}, std::move(options), std::move(from), clock);
}

Status SmtpMailer::Send(const Message& message) {
  const std::string_view kind = MailKindName(message.kind());
  auto text = RenderRfc5322(message, from_, clock_.Now(), RandomToken(16));
  if (!text) {
    return std::unexpected(text.error());
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    return Fail(ErrorCode::kInternal, fmt::format("{} mail: curl_easy_init failed", kind),
                "The mail could not be sent.");
  }
  std::unique_ptr<curl_slist, SlistDeleter> rcpt(
      curl_slist_append(nullptr, fmt::format("<{}>", message.to()).c_str()));
  const std::string mail_from = fmt::format("<{}>", from_.address());
  Upload upload{*text};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // Never plaintext: smtp:// must upgrade with STARTTLS or the transfer fails before
  // MAIL FROM; smtps:// is TLS from the first byte.
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadChunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text->size()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count() * 1000));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count() * 1000));

  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    // curl's error name and the reply code only: curl's error buffer and the server's
    // reply text may echo the recipient.
    return Fail(ErrorCode::kUnavailable,
                fmt::format("{} mail: SMTP send failed: {} (server reply {})", kind,
                            curl_easy_strerror(rc), reply),
                "The mail could not be sent.");
  }
  return {};
}

}  // namespace alcove::mail
