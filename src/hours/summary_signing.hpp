#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "crypto/tokens.hpp"
#include "hours/signing.hpp"
#include "hours/supervisor_directory.hpp"
#include "hours/types.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "mail/queue.hpp"
#include "store/db.hpp"

namespace alcove::hours {

// The supervisor's electronic signature of an experience-verification summary (issue
// #15, C27 C28 C42 C53; docs/signing.md § The verification summary). The associate asks
// one of their supervisors to sign the summary of a period; the supervisor gets a
// signing link by mail (https://ORIGIN/sign/summary#token=T: the link only), opens it,
// sees the summary and signs it with their PIN.
//
// What is signed is the SHA-256 of the summary's canonical content
// (forms::ContentSha256), which the web layer computes (hours cannot see forms) when the
// associate asks and again whenever the link is opened or used: a summary whose content
// changed since it was asked for (a session added, a week signed, a name changed) is
// refused, "summary_changed" (409), exactly as a changed week is. A link is a row of
// `summary_signing_links` (migration 609) and a token of purpose kSummarySigningPurpose
// (256 bits, stored only as its SHA-256, single use, 7 days) whose subject is the row's
// id; asking again for the same supervisor ends the older links not used yet. Wrong PINs
// count as for weeks: the 5th locks the link (audited: auth.magic_link.refused of object
// summary_signing_link, reason locked). The refusals are those of hours::Signing
// (SigningRefusalOf: link_gone 410, link_locked 423, wrong_pin 401, pin_not_set 409)
// and summary_changed 409.
//
// The signature is an audit event (C40, C42): signature.made of object
// verification_summary (the link row's id), actor the supervisor, with details
// supervisor (account id), supervisor_link, content_sha256, from and to (the period's
// days); its receipt (Signing::ReceiptOf) proves it offline. The row keeps the time,
// the supervisor's IP address and the event's id.
// Thread-safety: every method may be called from any thread.

inline constexpr std::string_view kSummarySigningPurpose = "hours.summary_signing";

// The period a summary covers, as the associate asked for it (both days included).
struct SummaryPeriod {
  Day from{};
  Day to{};
};

enum class SummaryLinkStatus { kWaiting, kSigned, kExpired, kLocked, kEnded };
std::string_view SummaryLinkStatusName(SummaryLinkStatus s);  // "waiting", "signed", ...

// A request to sign, as the associate sees it.
struct SummaryRequest {
  std::string id;
  std::string supervisor_link_id;
  SummaryPeriod period;
  std::string content_sha256;
  SummaryLinkStatus status = SummaryLinkStatus::kWaiting;
  Micros asked_at = 0;
  Micros expires_at = 0;
  // Once signed: when, from where, the event (its receipt) and the signer's account.
  std::optional<Micros> signed_at;
  std::string ip;
  std::string event_id;
  std::string supervisor_account_id;
};

// What the holder of a summary signing link may see and what the web layer needs to
// rebuild the summary: the associate (as a therapist scope of their tenant), the
// supervisor link and the period. Names are the accounts' current ones.
struct SummaryLinkView {
  std::string id;
  store::TenantId tenant = 0;
  std::string associate_account_id;
  std::string supervisor_link_id;
  std::string supervisor_account_id;
  SummaryPeriod period;
  std::string content_sha256;  // as asked for
  Micros expires_at = 0;
  int tries_left = kMaxWrongPins;
  std::string associate_name;
  std::string supervisor_name;
};

struct SummarySignOutcome {
  bool wrong_pin = false;
  int tries_left = kMaxWrongPins;
  std::string words;                        // wrong_pin: "That PIN is not right. ..."
  std::optional<SummaryRequest> signature;  // signed
  store::TenantId tenant = 0;
};

class SummarySigning {
 public:
  // Borrows what `deps` borrows (the database, the log, the clock, mail, names) and the
  // directory's functions' owners. Receipts come from Signing::ReceiptOf.
  SummarySigning(SupervisorDirectory directory, SigningDeps deps);

  // Asks the associate's active supervisor link `supervisor_link_id` to sign the summary
  // of `period` whose content hash is `content_sha256`; ends the link's older requests
  // not used yet and mails the supervisor the new link (C53). kNotFound "supervisor" for a
  // link that is not the caller's active one; kInvalidArgument for a hash that is not
  // 64 hex digits; kUnavailable when the mail cannot be queued (the request stands: ask
  // again for a new mail).
  Result<SummaryRequest> Request(const identity::TherapistScope& who,
                                 std::string_view supervisor_link_id, const SummaryPeriod& period,
                                 std::string_view content_sha256, const identity::Caller& caller);
  // The caller's requests to the supervisor link, newest first (any status; the caller's
  // tenant only, another's link answers an empty list).
  Result<std::vector<SummaryRequest>> List(const identity::TherapistScope& who,
                                           std::string_view supervisor_link_id);
  // One request of the caller's tenant; kNotFound otherwise.
  Result<SummaryRequest> Get(const identity::TherapistScope& who, std::string_view id);

  // The link a token stands for, if it can still be used (refusals as above; it does not
  // compare the content: the caller rebuilds the summary and compares). Uses nothing up.
  Result<SummaryLinkView> Open(const crypto::SecretString& token);
  // Signs with the supervisor's PIN, if `current_sha256` (the summary rebuilt now) is the
  // one asked for (else summary_changed): the token consumed, the row marked signed and
  // the signature.made event appended in one transaction.
  Result<SummarySignOutcome> Sign(const crypto::SecretString& token,
                                  const crypto::SecretString& pin, std::string_view current_sha256,
                                  const identity::Caller& caller);

 private:
  SupervisorDirectory directory_;
  SigningDeps deps_;
  crypto::TokenIssuer tokens_;
};

}  // namespace alcove::hours
