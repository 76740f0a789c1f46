#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "audit/checkpoint.hpp"
#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "crypto/tokens.hpp"
#include "hours/hours.hpp"
#include "hours/supervisor_directory.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "mail/queue.hpp"
#include "store/db.hpp"

namespace alcove::hours {

// Signing weekly logs (issue #15, C27 C28 C42 C53; docs/signing.md): submitting a week to
// one of the associate's supervisors mails that supervisor a signing link; the link and
// the supervisor's PIN sign the week (Hours::RecordSignature) or return it with a comment.
//
// A signing link is a row of `signing_links` (migration 606) and a token of purpose
// kSigningPurpose (crypto::TokenIssuer: 256 bits, stored only as its SHA-256, C27) whose
// subject is the row's id. The row binds the link to the weekly log, to the SHA-256 of
// the week's canonical content at submission and to the supervisor (the associate's link
// to them and their account). A link works once (the token is consumed in the signing's
// own transaction), for 7 days, only with the supervisor's PIN; the 5th wrong PIN locks it
// (audited: auth.magic_link.refused of object signing_link, reason locked). Submitting the week again (after a withdrawal, a return
// or an amendment) ends the week's older links; withdrawing it ends them too.
//
// Every refusal is an error whose internal message starts with a token (SigningRefusalOf)
// the web layer answers with: "link_gone" 410 (used, expired, ended or unknown: one same
// answer), "link_locked" 423, "week_changed" 409 (the log changed since submission),
// "other_week" 409 (the link is for another week than the one the page showed),
// "wrong_pin" 401 (SignOutcome::tries_left says how many remain), "pin_not_set" 409.
// Thread-safety: every method may be called from any thread.

inline constexpr std::string_view kSigningPurpose = "hours.signing";
inline constexpr Micros kSigningLinkLifetime = 7LL * 24 * 3600 * kMicrosPerSecond;
inline constexpr int kMaxWrongPins = 5;

// The refusal an error of Signing stands for (see above), or nullopt.
std::optional<std::string_view> SigningRefusalOf(const Error& error);

// What the holder of a signing link sees (C29: aggregates only — no alias, no session,
// no date finer than the week).
struct SigningView {
  std::string week_id;
  Day week_start{};
  std::string setting_name;
  WeekTotals totals;
  std::string associate_name;
  std::string supervisor_name;
  Micros expires_at = 0;
  int tries_left = kMaxWrongPins;
};

enum class Decision { kSign, kReturn };

struct SignRequest {
  Decision decision = Decision::kSign;
  crypto::SecretString pin;
  crypto::PhiString comment;  // return only; may be empty
  // The week the page showed, if it says: a link for another week is refused.
  std::optional<std::string> week_id;
};

// What a signing attempt did. A wrong PIN is an outcome, not an error: its count was
// written (the 5th is the link_locked error instead).
struct SignOutcome {
  enum class Kind { kSigned, kReturned, kWrongPin };
  Kind kind = Kind::kSigned;
  Decision decision = Decision::kSign;
  store::TenantId tenant = 0;  // the week's (the associate's) tenant
  std::string week_id;
  std::optional<Signature> signature;  // kSigned
  int tries_left = kMaxWrongPins;      // wrong PINs the link still takes
  std::string words;                   // kWrongPin: "That PIN is not right. ..."
};

// The associate's signature of a week, for its page and API: the record, who signed (by
// name) and the receipt text once a checkpoint covers the event.
struct SignatureShown {
  Signature signature;
  std::string supervisor_name;
  std::optional<std::string> receipt;  // audit::FormatReceipt; nullopt: not covered yet
};

// What the public verify page shows of a receipt.
struct ReceiptFacts {
  bool valid = false;
  std::string problem;  // why not, in words (when !valid)
  std::string event_id;
  std::string action;
  std::int64_t time = 0;
  std::uint64_t tree_size = 0;
  std::uint64_t seq = 0;
  // For a signature.made event: of a weekly log (week_id) or of an experience-verification
  // summary (summary_id, with the period's days).
  std::string week_id;
  std::string summary_id;
  std::string period_from;
  std::string period_to;
  std::string supervisor_id;
  std::string content_sha256;
};

struct SigningDeps {
  store::Db& db;
  const audit::Log& log;
  const Clock& clock;
  mail::Queue& mail;
  std::string public_origin;  // "https://host[:port]": links are on it
  // The latest signed checkpoint covering `covering` events, or nullopt (ModuleDeps).
  std::function<std::optional<audit::SignedCheckpoint>(std::uint64_t covering)> checkpoint;
  std::string verifier_key;
  // An account's display name (identity keeps names sealed), for the signing page and
  // the signature: the associate's and the supervisor's.
  std::function<Result<std::string>(std::string_view account_id)> account_name;
};

class Signing {
 public:
  // Borrows `hours`, the directory's functions' owners and everything in `deps`.
  Signing(Hours& hours, SupervisorDirectory directory, SigningDeps deps);

  // The associate's active supervisors (the directory's list).
  Result<std::vector<ActiveSupervisor>> Supervisors(const identity::TherapistScope& who);

  // Submits the week to the associate's active supervisor link `supervisor_link_id`
  // (kNotFound "supervisor" for an unknown, ended or another tenant's link, and for a
  // link of another work setting than the week's), issues a
  // signing link for its content now, ends the week's older links and mails the new one
  // (MailKind::kSupervisorSigningLink, https://ORIGIN/sign#token=T: the link only, C53).
  // Errors as Hours::SubmitWeek; a mail that cannot be queued is kUnavailable after the
  // submission (the associate can submit again for a new link once withdrawn).
  Result<WeeklyLog> Submit(const identity::TherapistScope& who, std::string_view week_id,
                           std::string_view supervisor_link_id, const identity::Caller& caller);
  // Hours::WithdrawWeek, and the week's links end.
  Result<WeeklyLog> Withdraw(const identity::TherapistScope& who, std::string_view week_id,
                             const identity::Caller& caller);

  // The week a link is for, if the link can still be used (refusals as above, without
  // wrong_pin). Uses nothing up.
  Result<SigningView> View(const crypto::SecretString& token);
  // Signs or returns the link's week with the supervisor's PIN (argon2id, off the
  // request's transaction). A wrong PIN counts against the link; the 5th locks it.
  // Signing: Hours::RecordSignature with the supervisor's account id and caller.ip, the
  // token consumed and the link marked used in the same transaction. Returning: the
  // comment sealed first (Hours::SealComment), then MarkReturned, a
  // weekly_log.status_changed event (actor: the supervisor) and the token consumed, in
  // one transaction.
  Result<SignOutcome> Sign(const crypto::SecretString& token, const SignRequest& request,
                           const identity::Caller& caller);

  // The latest signature of the associate's week, its supervisor's name and receipt.
  // kNotFound for a week never signed and another tenant's.
  // Without `with_receipt` the receipt is not looked for (lists of weeks).
  Result<SignatureShown> GetSignature(const identity::TherapistScope& who,
                                      std::string_view week_id, bool with_receipt = true);
  // The receipt of the signature.made event `event_id` of `tenant`, if a checkpoint
  // covers it now.
  Result<std::optional<std::string>> ReceiptOf(store::TenantId tenant, std::string_view event_id);

  // Checks a receipt's text against this server's verifier key (audit::CheckReceipt) and
  // says what it proves; never an error for a bad receipt (valid = false, problem).
  ReceiptFacts CheckReceiptText(std::string_view text) const;

  const std::string& verifier_key() const { return deps_.verifier_key; }

 private:
  struct Link;
  // The link of `token` and its token record, refused unless it can still be used.
  Result<Link> UsableLink(const crypto::SecretString& token);

  Hours& hours_;
  SupervisorDirectory directory_;
  SigningDeps deps_;
  crypto::TokenIssuer tokens_;
};

}  // namespace alcove::hours
