#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace alcove::mail {

// Mail carries links only, never client content (claim C53).
//
// A Message is a kind, a recipient address, a link and, for sign-in mail, a one-time
// code of a fixed alphabet — nothing else. There is no
// parameter for free text: the subject and body are fixed per kind and the link stands
// alone on its own line, so nothing a client wrote can reach an email. Every parameter is
// a std::string_view, which a crypto::Phi<> does not convert to: passing client content
// does not compile (tests/mail/message_test.cpp checks it with a requires-expression).

// One kind per flow of the product that sends mail.
enum class MailKind {
  kSignInLink,             // magic link to sign in
  kSignUpConfirmation,     // confirm a new account's address
  kPortalInvitation,       // a therapist invites a client to the portal
  kQuestionnaireLink,      // a client is asked to fill in a questionnaire
  kSupervisorSigningLink,  // a supervisor is asked to sign a weekly log
  kSupervisorInvitation,   // an associate invites a supervisor
  kSupervisorPinReset,     // a supervisor who forgot their signing PIN sets a new one
  kHoursReminder,          // an associate has past weeks not yet submitted
  kSigningReminder,        // a supervisor has weekly logs waiting for a signature
  kSummarySigningLink,     // a supervisor is asked to sign an experience-verification summary
  // Questionnaires (issue #16, part "api"):
  kMeasureFlag,  // a questionnaire answer needs the therapist's attention (a safety flag)
};

// "sign-in link", "sign-up confirmation", ... (for the console line and logs).
std::string_view MailKindName(MailKind kind);

// The longest link a Message accepts (it must fit on one 7-bit line of RFC 5322).
inline constexpr std::size_t kMaxLinkLength = 900;
// How long a sign-in or sign-up link works; the mail says so, and identity's token
// lifetime is this (IdentityOptions::magic_link_ttl).
inline constexpr int kSignInLinkMinutes = 10;

// The one-time code a sign-in or sign-up mail carries beside its link (C26): 8 characters
// of this alphabet (no 0/O, 1/I/L), shown as "ABCD-EFGH". 31^8 is about 2^39.6: the code
// is guarded by its attempt limit and its binding to the browser that asked, not by its
// length (identity.hpp § Sign-in codes).
inline constexpr std::string_view kSignInCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
inline constexpr std::size_t kSignInCodeLength = 8;
// True iff `code` is kSignInCodeLength characters of kSignInCodeAlphabet.
bool IsSignInCode(std::string_view code);

// True iff `address` is a plain addr-spec we are willing to send to: ASCII only,
// local@domain with a dot-atom local part (at most 64 characters) and a domain of
// letters/digits/hyphen labels, at most 254 characters in all. Deliberately stricter
// than RFC 5321: no quoted local parts, no address literals, no comments.
bool IsAcceptableAddress(std::string_view address);

// The sender, from mail.from: "no-reply@example.org" or "Alcove <no-reply@example.org>".
// The display name may hold printable ASCII except `"`, `\`, `<` and `>`.
class Sender {
 public:
  // kInvalidArgument naming mail.from when it is not of that shape (CR/LF included).
  static Result<Sender> Parse(std::string_view from);
  const std::string& address() const { return address_; }
  // The From header value: `"Display Name" <address>` or `address`.
  std::string HeaderValue() const;

 private:
  Sender(std::string display, std::string address)
      : display_(std::move(display)), address_(std::move(address)) {}
  std::string display_;
  std::string address_;
};

// Thread-safety: immutable after Make; copy freely.
class Message {
 public:
  // The only way to build a Message. `origin` is the configured public origin
  // (Config::PublicOrigin: "https://host[:port]"); `link` must be an https URL on exactly
  // that origin with a path, made only of URL-safe ASCII characters
  // (A-Z a-z 0-9 - . _ ~ / ? = & % + : @ ! $ ' ( ) * , ;), at most kMaxLinkLength long.
  // Errors (kInvalidArgument; messages never repeat the link or the address):
  // an unacceptable recipient (IsAcceptableAddress), an origin that is not https, a link
  // on another origin or scheme, or a link with a forbidden character (CR/LF included).
  // `code`, when not empty, is the one-time code of a sign-in or sign-up mail
  // (IsSignInCode; other kinds carry none): kInvalidArgument otherwise.
  static Result<Message> Make(MailKind kind, std::string_view to, std::string_view link,
                              std::string_view origin, std::string_view code = {});

  MailKind kind() const { return kind_; }
  const std::string& to() const { return to_; }
  const std::string& link() const { return link_; }
  // The one-time code, empty when the mail carries none.
  const std::string& code() const { return code_; }
  // The fixed subject for this kind (ASCII).
  std::string_view subject() const;
  // The fixed body for this kind, lines separated by CRLF, the link alone on one line.
  std::string Body() const;

 private:
  Message(MailKind kind, std::string to, std::string link, std::string code)
      : kind_(kind), to_(std::move(to)), link_(std::move(link)), code_(std::move(code)) {}
  MailKind kind_;
  std::string to_;
  std::string link_;
  std::string code_;
};

// The message as RFC 5322 text with CRLF line endings: From, To, Subject, Date
// (RFC 5322 date-time in UTC, "+0000"), Message-ID (<message_id@sender's domain>),
// MIME-Version 1.0, Content-Type text/plain; charset=utf-8, Content-Transfer-Encoding
// 7bit; an empty line; the body. 7bit always suffices: subject and body are fixed ASCII
// and the link is validated ASCII of at most kMaxLinkLength characters, so every line is
// under RFC 5322's 998. `message_id` must be [0-9a-z] only (RandomToken gives one).
// Errors: kInternal if any header value would contain CR or LF (cannot happen for values
// made by Make and Sender::Parse; checked anyway so that header injection is impossible).
Result<std::string> RenderRfc5322(const Message& message, const Sender& from, Micros date,
                                  std::string_view message_id);

// "Mon, 23 Nov 2026 10:59:02 +0000".
std::string FormatRfc5322Date(Micros t);

// `bytes` random bytes from the kernel (getrandom), as lowercase hex. For Message-IDs and
// outbox file names; not a secret.
std::string RandomToken(std::size_t bytes);

}  // namespace alcove::mail
