// Signing links and the signing itself (issue #15, C27 C28 C42 C53; docs/signing.md).
#include "hours/signing.hpp"

#include <fmt/format.h>

#include <array>

#include "audit/query.hpp"
#include "audit/receipt.hpp"
#include "hours/internal.hpp"
#include "hours/signing_internal.hpp"
#include "identity/unit_of_work.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

namespace {

constexpr std::string_view kLinkGone = "link_gone";
constexpr std::string_view kLinkLocked = "link_locked";
constexpr std::string_view kOtherWeek = "other_week";
constexpr std::string_view kWrongPin = "wrong_pin";
constexpr std::string_view kPinNotSet = "pin_not_set";
constexpr std::string_view kLinkWeekChanged = "week_changed";

std::unexpected<Error> Refusal(ErrorCode code, std::string_view token, std::string_view internal,
                               std::string words) {
  return Fail(code, fmt::format("{}: {}", token, internal), std::move(words));
}

// One same answer for a used, expired, ended or unknown link (C28).
std::unexpected<Error> Gone(std::string_view why) {
  return Refusal(ErrorCode::kFailedPrecondition, kLinkGone, why,
                 "This signing link cannot be used any more: it was used already, it expired "
                 "(a link works for 7 days) or a newer link replaced it. Ask the associate to "
                 "submit the week again: you will get a new link by email.");
}

std::unexpected<Error> Locked() {
  return Refusal(ErrorCode::kFailedPrecondition, kLinkLocked, "locked after wrong PINs",
                 "This signing link is locked: the PIN was wrong 5 times. Ask the associate to "
                 "submit the week again: you will get a new link by email.");
}

std::unexpected<Error> WeekChanged() {
  return Refusal(ErrorCode::kFailedPrecondition, kLinkWeekChanged,
                 "week differs from its submission",
                 "This week changed after it was submitted, so this link no longer signs it. "
                 "Ask the associate to submit the week again: you will get a new link.");
}

constexpr std::string_view kLinkColumns =
    "id, weekly_log_id, content_sha256, supervisor_link_id, supervisor_account_id, "
    "associate_account_id, wrong_pins, expires_at, used_at, ended_at, locked_at";

}  // namespace

std::optional<std::string_view> SigningRefusalOf(const Error& error) {
  // summary_changed: hours::SummarySigning's (summary_signing.hpp).
  static constexpr std::array<std::string_view, 7> kTokens = {
      kLinkGone, kLinkLocked, kOtherWeek, kWrongPin, kPinNotSet, kLinkWeekChanged,
      "summary_changed"};
  if (error.code != ErrorCode::kFailedPrecondition) {
    return std::nullopt;
  }
  const std::string_view text = error.internal;
  for (const std::string_view token : kTokens) {
    if (text.size() > token.size() && text.starts_with(token) && text[token.size()] == ':') {
      return token;
    }
  }
  return std::nullopt;
}

struct Signing::Link {
  std::string id;
  store::TenantId tenant = 0;
  std::string week_id;
  std::string content_sha256;
  std::string supervisor_link_id;
  std::string supervisor_account_id;
  std::string associate_account_id;
  int wrong_pins = 0;
  Micros expires_at = 0;
};

Signing::Signing(Hours& hours, SupervisorDirectory directory, SigningDeps deps)
    : hours_(hours),
      directory_(std::move(directory)),
      deps_(std::move(deps)),
      tokens_(deps_.db, deps_.clock) {}

Result<std::vector<ActiveSupervisor>> Signing::Supervisors(const identity::TherapistScope& who) {
  return directory_.list(who);
}

namespace {

// Ends the week's links not used yet (a newer submission, a withdrawal).
Status EndLinks(store::Transaction& tx, store::TenantId tenant, std::string_view week_id,
                Micros now) {
  const store::Value p[] = {tenant, std::string(week_id), now};
  ALCOVE_TRY(tx.Execute("UPDATE signing_links SET ended_at = $3 WHERE tenant_id = $1 AND "
                        "weekly_log_id = $2 AND used_at IS NULL AND ended_at IS NULL",
                        p));
  return {};
}

}  // namespace

Result<WeeklyLog> Signing::Submit(const identity::TherapistScope& who, std::string_view week_id,
                                  std::string_view supervisor_link_id,
                                  const identity::Caller& caller) {
  // 404 for another tenant's week first (C20).
  ALCOVE_TRY_ASSIGN(const WeeklyLog current, hours_.GetWeek(who, week_id));
  auto supervisor = directory_.active(who.tenant(), supervisor_link_id);
  if (!supervisor) {
    if (supervisor.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound, "supervisor link not active",
                  "No such supervisor: they may not have accepted your invitation yet, or the "
                  "link to them was ended. Pick one of your supervisors.");
    }
    return std::unexpected(supervisor.error());
  }
  // A link for one work setting takes that setting's weeks only.
  if (!supervisor->setting_id.empty() && supervisor->setting_id != current.setting_id) {
    return Fail(ErrorCode::kNotFound, "supervisor link of another setting",
                "This supervisor supervises you at another work setting: pick the supervisor "
                "of this week's setting.");
  }
  ALCOVE_TRY_ASSIGN(WeeklyLog week,
                    hours_.SubmitWeek(who, week_id, supervisor->link_id, caller));
  const Micros now = deps_.clock.Now();
  const std::string link_id = store::NewId();
  crypto::SecretString token;
  {
    ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(who.tenant()));
    ALCOVE_TRY(EndLinks(*tx, who.tenant(), week.id, now));
    const store::Value p[] = {link_id,
                              who.tenant(),
                              week.id,
                              week.content_sha256,
                              supervisor->link_id,
                              supervisor->account_id,
                              who.account_id(),
                              now,
                              now + kSigningLinkLifetime};
    ALCOVE_TRY(tx->Execute(
        "INSERT INTO signing_links (id, tenant_id, weekly_log_id, content_sha256, "
        "supervisor_link_id, supervisor_account_id, associate_account_id, wrong_pins, "
        "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
        p));
    ALCOVE_TRY_ASSIGN(token, tokens_.Issue(*tx, kSigningPurpose, kSigningLinkLifetime,
                                           crypto::TokenUse::kSingle, link_id, who.tenant()));
    ALCOVE_TRY(tx->Commit());
  }
  // The link only (C53): the token in the fragment, which never reaches a server log.
  ALCOVE_TRY_ASSIGN(auto message,
                    mail::Message::Make(mail::MailKind::kSupervisorSigningLink, supervisor->email,
                                        deps_.public_origin + "/sign#token=" + token.reveal(),
                                        deps_.public_origin));
  if (auto queued = deps_.mail.Enqueue(std::move(message)); !queued) {
    return Fail(ErrorCode::kUnavailable,
                "signing link mail not queued: " + queued.error().internal,
                "The week is submitted, but the email to your supervisor could not be sent. "
                "Withdraw the week and submit it again in a few minutes.");
  }
  return week;
}

Result<WeeklyLog> Signing::Withdraw(const identity::TherapistScope& who, std::string_view week_id,
                                    const identity::Caller& caller) {
  ALCOVE_TRY_ASSIGN(WeeklyLog week, hours_.WithdrawWeek(who, week_id, caller));
  ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(who.tenant()));
  ALCOVE_TRY(EndLinks(*tx, who.tenant(), week.id, deps_.clock.Now()));
  ALCOVE_TRY(tx->Commit());
  return week;
}

Result<Signing::Link> Signing::UsableLink(const crypto::SecretString& token) {
  auto record = tokens_.Find(kSigningPurpose, token);
  if (!record) {
    if (record.error().code == ErrorCode::kUnauthenticated) {
      return Gone("unknown token");
    }
    return std::unexpected(record.error());
  }
  if (!record->tenant || !store::IsValidId(record->subject)) {
    return Gone("token without a link");
  }
  const Micros now = deps_.clock.Now();
  if (record->used_at) {
    return Gone("token used");
  }
  if (now >= record->expires_at) {
    return Gone("token expired");
  }
  ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(*record->tenant));
  const store::Value p[] = {*record->tenant, record->subject};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query(fmt::format("SELECT {} FROM signing_links WHERE tenant_id = $1 AND "
                                          "id = $2",
                                          kLinkColumns),
                              p));
  if (rows.empty()) {
    return Gone("link row missing");
  }
  const store::Row& r = rows.front();
  if (!r.IsNull(8)) {
    return Gone("link used");
  }
  if (!r.IsNull(9)) {
    return Gone("link ended");
  }
  if (now >= r.Int(7)) {
    return Gone("link expired");
  }
  if (!r.IsNull(10)) {
    return Locked();
  }
  return Link{.id = r.Text(0),
              .tenant = *record->tenant,
              .week_id = r.Text(1),
              .content_sha256 = r.Text(2),
              .supervisor_link_id = r.Text(3),
              .supervisor_account_id = r.Text(4),
              .associate_account_id = r.Text(5),
              .wrong_pins = static_cast<int>(r.Int(6)),
              .expires_at = r.Int(7)};
}

Result<SigningView> Signing::View(const crypto::SecretString& token) {
  ALCOVE_TRY_ASSIGN(const Link link, UsableLink(token));
  auto week = hours_.WeekForSigning(link.tenant, link.week_id);
  if (!week) {
    if (week.error().code == ErrorCode::kNotFound || RefusalOf(week.error())) {
      return Gone("week gone");
    }
    return std::unexpected(week.error());
  }
  if (week->status != WeekStatus::kSubmitted || week->content_sha256 != link.content_sha256) {
    return WeekChanged();
  }
  ALCOVE_TRY_ASSIGN(std::string associate, deps_.account_name(link.associate_account_id));
  ALCOVE_TRY_ASSIGN(std::string supervisor, deps_.account_name(link.supervisor_account_id));
  return SigningView{.week_id = week->id,
                     .week_start = week->week_start,
                     .setting_name = week->setting_name,
                     .totals = week->totals,
                     .associate_name = std::move(associate),
                     .supervisor_name = std::move(supervisor),
                     .expires_at = link.expires_at,
                     .tries_left = kMaxWrongPins - link.wrong_pins};
}

Result<SignOutcome> Signing::Sign(const crypto::SecretString& token, const SignRequest& request,
                                  const identity::Caller& caller) {
  ALCOVE_TRY(View(token));  // a link that can be used, for its week as submitted
  ALCOVE_TRY_ASSIGN(const Link link, UsableLink(token));
  if (request.week_id && *request.week_id != link.week_id) {
    return Refusal(ErrorCode::kFailedPrecondition, kOtherWeek, "link of another week",
                   "This link was for another week than the one on the page. Open the link "
                   "from the email again.");
  }
  if (request.pin.reveal().empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no PIN", "Type your signing PIN.");
  }
  ALCOVE_TRY_ASSIGN(const PinCheck check,
                    directory_.verify_pin(link.supervisor_account_id, request.pin));
  const Micros now = deps_.clock.Now();
  if (check == PinCheck::kNotSet) {
    return signing_internal::PinNotSet(deps_.public_origin);
  }
  if (check == PinCheck::kMismatch) {
    const std::pair<std::string_view, std::string_view> week[] = {{"week", link.week_id}};
    auto wrong = signing_internal::CountWrongPin(deps_.db, deps_.log, now, caller,
                                                 {.table = "signing_links",
                                                  .object_type = "signing_link",
                                                  .tenant = link.tenant,
                                                  .link_id = link.id,
                                                  .supervisor_account = link.supervisor_account_id,
                                                  .details = week});
    if (!wrong) {
      return wrong.error().code == ErrorCode::kConflict ? Gone("link changed meanwhile")
                                                        : std::unexpected(wrong.error());
    }
    if (wrong->locked) {
      return Locked();
    }
    return SignOutcome{.kind = SignOutcome::Kind::kWrongPin,
                       .decision = request.decision,
                       .tenant = link.tenant,
                       .week_id = link.week_id,
                       .tries_left = wrong->tries_left,
                       .words = std::move(wrong->words)};
  }

  std::vector<std::uint8_t> sealed;
  if (request.decision == Decision::kReturn) {
    ALCOVE_TRY_ASSIGN(sealed, hours_.SealComment(link.tenant, link.week_id, request.comment));
  }
  ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(link.tenant));
  if (!tokens_.Consume(*tx, kSigningPurpose, token)) {
    return Gone("token consumed meanwhile");
  }
  {
    const store::Value p[] = {link.tenant, link.id, now};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx->Execute("UPDATE signing_links SET used_at = $3 WHERE tenant_id = $1 "
                                  "AND id = $2 AND used_at IS NULL AND ended_at IS NULL AND "
                                  "locked_at IS NULL",
                                  p));
    if (n != 1) {
      return Gone("link used, ended or locked meanwhile");
    }
  }
  SignOutcome out{.kind = request.decision == Decision::kSign ? SignOutcome::Kind::kSigned
                                                              : SignOutcome::Kind::kReturned,
                  .decision = request.decision,
                  .tenant = link.tenant,
                  .week_id = link.week_id,
                  .tries_left = kMaxWrongPins - link.wrong_pins};
  // Both refuse a week that is no longer submitted or whose content changed.
  auto refused = [](const Error& e) -> std::unexpected<Error> {
    const auto refusal = RefusalOf(e);
    if (refusal == "week_changed" || refusal == "week_not_submitted") {
      return WeekChanged();
    }
    return std::unexpected(e);
  };
  if (request.decision == Decision::kSign) {
    auto sig = hours_.RecordSignature(*tx, link.tenant, link.week_id, link.supervisor_account_id,
                                      link.content_sha256, caller);
    if (!sig) {
      return refused(sig.error());
    }
    out.signature = std::move(*sig);
  } else {
    if (auto st = Hours::MarkReturned(*tx, link.tenant, link.week_id, link.content_sha256,
                                      sealed, now);
        !st) {
      return refused(st.error());
    }
    const identity::AuditNote note = internal::StatusNote(link.week_id, "submitted", "returned");
    audit::Event e = identity::EventFor(now, note.action, link.tenant, link.supervisor_account_id,
                                        caller, note.object_type, note.object_id);
    e.details = note.details;
    ALCOVE_TRY(deps_.log.Append(*tx, e));
  }
  ALCOVE_TRY(tx->Commit());
  return out;
}

Result<std::optional<std::string>> Signing::ReceiptOf(store::TenantId tenant,
                                                      std::string_view event_id) {
  const audit::Query query(deps_.db);
  ALCOVE_TRY_ASSIGN(const std::uint64_t seq, query.SeqOf(tenant, event_id));
  if (!deps_.checkpoint) {
    return std::optional<std::string>();
  }
  const auto checkpoint = deps_.checkpoint(seq + 1);
  if (!checkpoint || checkpoint->checkpoint.size <= seq) {
    return std::optional<std::string>();
  }
  auto receipt = query.Proof(tenant, event_id, *checkpoint, deps_.verifier_key);
  if (!receipt) {
    if (receipt.error().code == ErrorCode::kFailedPrecondition) {
      return std::optional<std::string>();
    }
    return std::unexpected(receipt.error());
  }
  return std::optional<std::string>(audit::FormatReceipt(*receipt));
}

Result<SignatureShown> Signing::GetSignature(const identity::TherapistScope& who,
                                             std::string_view week_id, bool with_receipt) {
  ALCOVE_TRY_ASSIGN(Signature sig, hours_.GetSignature(who, week_id));
  // The signer's name as their account has it now; "" for an account that is gone.
  std::string name;
  if (auto n = deps_.account_name(sig.supervisor_id)) {
    name = std::move(*n);
  } else if (n.error().code != ErrorCode::kNotFound) {
    return std::unexpected(n.error());
  }
  std::optional<std::string> receipt;
  if (with_receipt) {
    ALCOVE_TRY_ASSIGN(receipt, ReceiptOf(who.tenant(), sig.event_id));
  }
  return SignatureShown{
      .signature = std::move(sig), .supervisor_name = std::move(name), .receipt = receipt};
}

ReceiptFacts Signing::CheckReceiptText(std::string_view text) const {
  ReceiptFacts facts;
  if (deps_.verifier_key.empty()) {
    facts.problem =
        "This server has no audit checkpoint key, so it cannot check receipts. Check the "
        "receipt with `alcove audit check` and the practice's verifier key instead.";
    return facts;
  }
  // A receipt pasted into a form comes back with CRLF line breaks (HTML forms normalise a
  // textarea's newlines so), or from a file saved on Windows: the lines are the same.
  std::string lines;
  lines.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      lines.push_back(text[i]);
    }
  }
  auto parsed = audit::ParseReceipt(lines);
  if (!parsed) {
    facts.problem = "This is not a receipt of this kind: " + parsed.error().public_message;
    return facts;
  }
  auto checked = audit::CheckReceipt(*parsed, deps_.verifier_key);
  if (!checked) {
    facts.problem =
        "The receipt does not check: its event, its proof or its checkpoint was changed, or "
        "it was not signed by this server's audit key. (" +
        checked.error().public_message + ")";
    return facts;
  }
  auto event = audit::DecodeEvent(parsed->event);
  if (!event) {
    facts.problem = "The receipt's event does not decode.";
    return facts;
  }
  facts.valid = true;
  facts.event_id = checked->event_id;
  facts.action = checked->action;
  facts.time = checked->time;
  facts.tree_size = checked->tree_size;
  facts.seq = checked->seq;
  const auto& d = event->event.details.entries();
  if (event->event.action == audit::Action::kSignatureMade &&
      event->event.object_type == "weekly_log") {
    if (auto it = d.find("week"); it != d.end()) {
      facts.week_id = it->second;
    }
    if (auto it = d.find("supervisor"); it != d.end()) {
      facts.supervisor_id = it->second;
    }
    if (auto it = d.find("content_sha256"); it != d.end()) {
      facts.content_sha256 = it->second;
    }
  }
  // A verification summary's (hours::SummarySigning).
  if (event->event.action == audit::Action::kSignatureMade &&
      event->event.object_type == "verification_summary") {
    facts.summary_id = event->event.object_id;
    for (auto [key, out] : {std::pair{"supervisor", &facts.supervisor_id},
                            std::pair{"content_sha256", &facts.content_sha256},
                            std::pair{"from", &facts.period_from},
                            std::pair{"to", &facts.period_to}}) {
      if (auto it = d.find(key); it != d.end()) {
        *out = it->second;
      }
    }
  }
  return facts;
}

}  // namespace alcove::hours
