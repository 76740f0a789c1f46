// Signing experience-verification summaries (issue #15; docs/signing.md § The
// verification summary).
#include "hours/summary_signing.hpp"

#include <fmt/format.h>

#include "hours/internal.hpp"
#include "hours/signing_internal.hpp"
#include "identity/unit_of_work.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

namespace {

constexpr Micros kLinkLifetime = kSigningLinkLifetime;  // 7 days, as a week's

using signing_internal::Refusal;

// One same answer for a used, expired, ended or unknown link.
std::unexpected<Error> Gone(std::string_view why) {
  return Refusal("link_gone", why,
                 "This signing link cannot be used any more: it was used already, it expired "
                 "(a link works for 7 days) or a newer link replaced it. Ask the associate to "
                 "ask you again: you will get a new link by email.");
}

std::unexpected<Error> Locked() {
  return Refusal("link_locked", "locked after wrong PINs",
                 "This signing link is locked: the PIN was wrong 5 times. Ask the associate to "
                 "ask you again: you will get a new link by email.");
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

constexpr std::string_view kColumns =
    "id, supervisor_link_id, period_from, period_to, content_sha256, created_at, expires_at, "
    "used_at, ended_at, locked_at, signed_at, ip, event_id, supervisor_account_id, "
    "associate_account_id, wrong_pins, tenant_id";

Result<SummaryRequest> RequestOf(const store::Row& r, Micros now) {
  const auto from = ParseDay(r.Text(2));
  const auto to = ParseDay(r.Text(3));
  if (!from || !to) {
    return Fail(ErrorCode::kInternal, "summary signing link: stored period is not days");
  }
  SummaryRequest out{.id = r.Text(0),
                     .supervisor_link_id = r.Text(1),
                     .period = {.from = *from, .to = *to},
                     .content_sha256 = r.Text(4),
                     .asked_at = r.Int(5),
                     .expires_at = r.Int(6),
                     .supervisor_account_id = r.Text(13)};
  if (!r.IsNull(10)) {
    out.status = SummaryLinkStatus::kSigned;
    out.signed_at = r.Int(10);
    out.ip = r.IsNull(11) ? "" : r.Text(11);
    out.event_id = r.IsNull(12) ? "" : r.Text(12);
  } else if (!r.IsNull(9)) {
    out.status = SummaryLinkStatus::kLocked;
  } else if (!r.IsNull(8)) {
    out.status = SummaryLinkStatus::kEnded;
  } else if (now >= out.expires_at) {
    out.status = SummaryLinkStatus::kExpired;
  }
  return out;
}

}  // namespace

std::string_view SummaryLinkStatusName(SummaryLinkStatus s) {
  switch (s) {
    case SummaryLinkStatus::kWaiting:
      return "waiting";
    case SummaryLinkStatus::kSigned:
      return "signed";
    case SummaryLinkStatus::kExpired:
      return "expired";
    case SummaryLinkStatus::kLocked:
      return "locked";
    case SummaryLinkStatus::kEnded:
      return "ended";
  }
  return "waiting";
}

SummarySigning::SummarySigning(SupervisorDirectory directory, SigningDeps deps)
    : directory_(std::move(directory)), deps_(std::move(deps)), tokens_(deps_.db, deps_.clock) {}

Result<SummaryRequest> SummarySigning::Request(const identity::TherapistScope& who,
                                               std::string_view supervisor_link_id,
                                               const SummaryPeriod& period,
                                               std::string_view content_sha256,
                                               const identity::Caller& caller) {
  if (!IsSha256Hex(content_sha256)) {
    return Fail(ErrorCode::kInvalidArgument, "summary signing: not a content hash",
                "The summary's content hash is not a SHA-256.");
  }
  if (period.to < period.from) {
    return Fail(ErrorCode::kInvalidArgument, "summary signing: reversed period",
                "`to` must not be before `from`.");
  }
  auto supervisor = directory_.active(who.tenant(), supervisor_link_id);
  if (!supervisor) {
    if (supervisor.error().code == ErrorCode::kNotFound) {
      return internal::NotFound("supervisor");
    }
    return std::unexpected(supervisor.error());
  }
  const Micros now = deps_.clock.Now();
  SummaryRequest out{.id = store::NewId(),
                     .supervisor_link_id = supervisor->link_id,
                     .period = period,
                     .content_sha256 = std::string(content_sha256),
                     .asked_at = now,
                     .expires_at = now + kLinkLifetime,
                     .supervisor_account_id = supervisor->account_id};
  crypto::SecretString token;
  {
    ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(who.tenant()));
    const store::Value e[] = {who.tenant(), supervisor->link_id, now};
    ALCOVE_TRY(
        tx->Execute("UPDATE summary_signing_links SET ended_at = $3 WHERE tenant_id = $1 "
                    "AND supervisor_link_id = $2 AND used_at IS NULL AND ended_at IS NULL",
                    e));
    const store::Value p[] = {out.id,
                              who.tenant(),
                              supervisor->link_id,
                              supervisor->account_id,
                              who.account_id(),
                              DayText(period.from),
                              DayText(period.to),
                              out.content_sha256,
                              now,
                              out.expires_at};
    ALCOVE_TRY(tx->Execute(
        "INSERT INTO summary_signing_links (id, tenant_id, supervisor_link_id, "
        "supervisor_account_id, associate_account_id, period_from, period_to, content_sha256, "
        "wrong_pins, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10)",
        p));
    ALCOVE_TRY_ASSIGN(token, tokens_.Issue(*tx, kSummarySigningPurpose, kLinkLifetime,
                                           crypto::TokenUse::kSingle, out.id, who.tenant()));
    // Asked for, by the associate (ids and the hash only).
    audit::Event ev = identity::EventFor(now, audit::Action::kRecordCreated, who.tenant(),
                                         who.account_id(), caller, "summary_signing_link", out.id);
    ALCOVE_TRY(ev.details.SetToken("supervisor_link", supervisor->link_id));
    ALCOVE_TRY(ev.details.SetToken("content_sha256", out.content_sha256));
    ALCOVE_TRY(deps_.log.Append(*tx, ev));
    ALCOVE_TRY(tx->Commit());
  }
  // The link only (C53): the token in the fragment, which never reaches a server log.
  ALCOVE_TRY_ASSIGN(auto message, mail::Message::Make(
                                      mail::MailKind::kSummarySigningLink, supervisor->email,
                                      deps_.public_origin + "/sign/summary#token=" + token.reveal(),
                                      deps_.public_origin));
  if (auto queued = deps_.mail.Enqueue(std::move(message)); !queued) {
    return Fail(ErrorCode::kUnavailable,
                "summary signing mail not queued: " + queued.error().internal,
                "The request is saved, but the email to your supervisor could not be sent. Ask "
                "again in a few minutes for a new email.");
  }
  return out;
}

Result<std::vector<SummaryRequest>> SummarySigning::List(const identity::TherapistScope& who,
                                                         std::string_view supervisor_link_id) {
  std::vector<SummaryRequest> out;
  if (!store::IsValidId(supervisor_link_id)) {
    return out;
  }
  ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(who.tenant()));
  const store::Value p[] = {who.tenant(), std::string(supervisor_link_id)};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query(fmt::format("SELECT {} FROM summary_signing_links WHERE tenant_id "
                                          "= $1 AND supervisor_link_id = $2 ORDER BY created_at "
                                          "DESC, id DESC",
                                          kColumns),
                              p));
  const Micros now = deps_.clock.Now();
  for (const auto& r : rows) {
    ALCOVE_TRY_ASSIGN(auto one, RequestOf(r, now));
    out.push_back(std::move(one));
  }
  return out;
}

Result<SummaryRequest> SummarySigning::Get(const identity::TherapistScope& who,
                                           std::string_view id) {
  if (!store::IsValidId(id)) {
    return internal::NotFound("summary signature");
  }
  ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(who.tenant()));
  const store::Value p[] = {who.tenant(), std::string(id)};
  ALCOVE_TRY_ASSIGN(auto rows, tx->Query(fmt::format("SELECT {} FROM summary_signing_links WHERE "
                                                     "tenant_id = $1 AND id = $2",
                                                     kColumns),
                                         p));
  if (rows.empty()) {
    return internal::NotFound("summary signature");
  }
  return RequestOf(rows.front(), deps_.clock.Now());
}

Result<SummaryLinkView> SummarySigning::Open(const crypto::SecretString& token) {
  auto record = tokens_.Find(kSummarySigningPurpose, token);
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
  if (record->used_at || now >= record->expires_at) {
    return Gone("token used or expired");
  }
  std::vector<store::Row> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(*record->tenant));
    const store::Value p[] = {*record->tenant, record->subject};
    ALCOVE_TRY_ASSIGN(rows, tx->Query(fmt::format("SELECT {} FROM summary_signing_links WHERE "
                                                  "tenant_id = $1 AND id = $2",
                                                  kColumns),
                                      p));
  }
  if (rows.empty()) {
    return Gone("link row missing");
  }
  const store::Row& r = rows.front();
  if (!r.IsNull(7) || !r.IsNull(8) || now >= r.Int(6)) {
    return Gone("link used, ended or expired");
  }
  if (!r.IsNull(9)) {
    return Locked();
  }
  // The supervisor link must still be active: an ended link signs nothing.
  auto supervisor = directory_.active(*record->tenant, r.Text(1));
  if (!supervisor) {
    if (supervisor.error().code == ErrorCode::kNotFound) {
      return Gone("supervisor link ended");
    }
    return std::unexpected(supervisor.error());
  }
  ALCOVE_TRY_ASSIGN(const auto request, RequestOf(r, now));
  ALCOVE_TRY_ASSIGN(std::string associate, deps_.account_name(r.Text(14)));
  ALCOVE_TRY_ASSIGN(std::string supervisor_name, deps_.account_name(r.Text(13)));
  return SummaryLinkView{.id = request.id,
                         .tenant = *record->tenant,
                         .associate_account_id = r.Text(14),
                         .supervisor_link_id = request.supervisor_link_id,
                         .supervisor_account_id = r.Text(13),
                         .period = request.period,
                         .content_sha256 = request.content_sha256,
                         .expires_at = request.expires_at,
                         .tries_left = kMaxWrongPins - static_cast<int>(r.Int(15)),
                         .associate_name = std::move(associate),
                         .supervisor_name = std::move(supervisor_name)};
}

Result<SummarySignOutcome> SummarySigning::Sign(const crypto::SecretString& token,
                                                const crypto::SecretString& pin,
                                                std::string_view current_sha256,
                                                const identity::Caller& caller) {
  ALCOVE_TRY_ASSIGN(const SummaryLinkView link, Open(token));
  if (current_sha256 != link.content_sha256) {
    return Refusal("summary_changed", "summary differs from the request",
                   "The associate's hours changed after they asked you to sign, so this link no "
                   "longer signs the summary. Ask them to ask you again: you will get a new "
                   "link.");
  }
  if (pin.reveal().empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no PIN", "Type your signing PIN.");
  }
  ALCOVE_TRY_ASSIGN(const PinCheck check, directory_.verify_pin(link.supervisor_account_id, pin));
  const Micros now = deps_.clock.Now();
  if (check == PinCheck::kNotSet) {
    return signing_internal::PinNotSet(deps_.public_origin);
  }
  if (check == PinCheck::kMismatch) {
    auto wrong = signing_internal::CountWrongPin(
        deps_.db, deps_.log, now, caller,
        {.table = "summary_signing_links",
         .object_type = "summary_signing_link",
         .tenant = link.tenant,
         .link_id = link.id,
         .supervisor_account = link.supervisor_account_id});
    if (!wrong) {
      return wrong.error().code == ErrorCode::kConflict ? Gone("link changed meanwhile")
                                                        : std::unexpected(wrong.error());
    }
    if (wrong->locked) {
      return Locked();
    }
    return SummarySignOutcome{.wrong_pin = true,
                              .tries_left = wrong->tries_left,
                              .words = std::move(wrong->words),
                              .tenant = link.tenant};
  }

  ALCOVE_TRY_ASSIGN(auto tx, deps_.db.BeginTenant(link.tenant));
  if (!tokens_.Consume(*tx, kSummarySigningPurpose, token)) {
    return Gone("token consumed meanwhile");
  }
  // The IP as the connection saw it; an address longer than any IPv6 text is not one.
  const std::string ip = caller.ip.size() <= 64 ? caller.ip : std::string();
  audit::Event e =
      identity::EventFor(now, audit::Action::kSignatureMade, link.tenant,
                         link.supervisor_account_id, caller, "verification_summary", link.id);
  ALCOVE_TRY(e.details.SetToken("supervisor", link.supervisor_account_id));
  ALCOVE_TRY(e.details.SetToken("supervisor_link", link.supervisor_link_id));
  ALCOVE_TRY(e.details.SetToken("content_sha256", link.content_sha256));
  ALCOVE_TRY(e.details.SetToken("from", DayText(link.period.from)));
  ALCOVE_TRY(e.details.SetToken("to", DayText(link.period.to)));
  ALCOVE_TRY_ASSIGN(const auto logged, deps_.log.Append(*tx, e));
  {
    const store::Value p[] = {link.tenant, link.id, now, ip, logged.id};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx->Execute("UPDATE summary_signing_links SET used_at = $3, signed_at = $3, "
                                  "ip = $4, event_id = $5 WHERE tenant_id = $1 AND id = $2 AND "
                                  "used_at IS NULL AND ended_at IS NULL AND locked_at IS NULL",
                                  p));
    if (n != 1) {
      return Gone("link used, ended or locked meanwhile");
    }
  }
  ALCOVE_TRY(tx->Commit());
  SummaryRequest signed_one{.id = link.id,
                            .supervisor_link_id = link.supervisor_link_id,
                            .period = link.period,
                            .content_sha256 = link.content_sha256,
                            .status = SummaryLinkStatus::kSigned,
                            .expires_at = link.expires_at,
                            .signed_at = now,
                            .ip = ip,
                            .event_id = logged.id,
                            .supervisor_account_id = link.supervisor_account_id};
  return SummarySignOutcome{
      .tries_left = link.tries_left, .signature = std::move(signed_one), .tenant = link.tenant};
}

}  // namespace alcove::hours
