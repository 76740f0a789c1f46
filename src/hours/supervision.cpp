// Supervisors of associates (issue #15; docs/supervisors.md): invitations, links, PINs,
// and the aggregate-only summaries a supervisor sees (C29).
#include "hours/supervision.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "crypto/random.hpp"
#include "hours/internal.hpp"
#include "hours/words.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

using crypto::SecretString;
using identity::Caller;
using identity::SupervisorScope;
using identity::TherapistScope;

namespace {

constexpr std::string_view kFreshSignInToken = "fresh_sign_in_required";

std::unexpected<Error> InvitationUnusable(std::string_view why) {
  return Fail(ErrorCode::kUnauthenticated, fmt::format("invitation refused: {}", why),
              "This invitation cannot be used: it has been used already, it has expired (an "
              "invitation works for 7 days), or it was withdrawn. Ask the associate who "
              "invited you to send a new one.");
}

std::unexpected<Error> ResetUnusable(std::string_view why) {
  return Fail(ErrorCode::kUnauthenticated, fmt::format("PIN reset link refused: {}", why),
              "This PIN reset link cannot be used: it has been used already, it has expired "
              "(a reset link works for 30 minutes), or a newer one was sent. Ask for a new one.");
}

store::Value OptionalText(const std::string& s) {
  return s.empty() ? store::Value(store::Null{}) : store::Value(s);
}

Day TodayUtc(Micros now) {
  // The supervisor's side has no associate's time zone to ask; weeks are what it shows,
  // and a day's difference at the edge of a week is all UTC can change.
  return *ParseDay(FormatRfc3339(now).substr(0, 10));
}

// A check as a supervisor may read it: no day finer than the week (C29). The one check
// that names days (40 hours in 7 consecutive days) is worded by its week instead.
std::string SupervisorWords(const Check& c) {
  if (c.id == "over_40_in_7_days") {
    return c.week ? fmt::format("Week of {}: more hours in 7 consecutive days than may be "
                                "claimed; some are not credited.",
                                DayWords(*c.week))
                  : "More hours in 7 consecutive days than may be claimed; some are not "
                    "credited.";
  }
  return c.words;
}

audit::Event EventIn(Micros now, audit::Action action, store::TenantId tenant,
                     std::string_view actor, const Caller& caller, std::string_view object_type,
                     std::string_view object_id) {
  return identity::EventFor(now, action, tenant, actor, caller, object_type, object_id);
}

}  // namespace

std::string_view LinkStatusName(LinkStatus s) {
  switch (s) {
    case LinkStatus::kPending:
      return "pending";
    case LinkStatus::kActive:
      return "active";
    case LinkStatus::kEnded:
      return "ended";
  }
  return "ended";
}

bool IsValidPin(std::string_view pin) {
  return pin.size() >= kMinPinDigits && pin.size() <= kMaxPinDigits &&
         std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsFreshSignInRefusal(const Error& error) {
  return error.code == ErrorCode::kFailedPrecondition &&
         std::string_view(error.internal).starts_with(kFreshSignInToken);
}

struct Supervision::LinkRow {
  std::string id;
  store::TenantId associate_tenant = 0;
  std::string associate_account;
  std::string supervisor_account;
  store::TenantId supervisor_tenant = 0;
  std::string setting_id;
  LinkStatus status = LinkStatus::kPending;
  std::optional<store::Bytes> invite_hash;
  Micros invited_at = 0;
  std::optional<Micros> accepted_at;

  static constexpr std::string_view kColumns =
      "id, associate_tenant, associate_account, supervisor_account, supervisor_tenant, "
      "setting_id, status, invite_hash, invited_at, accepted_at";
  static LinkRow From(const store::Row& r) {
    LinkRow l;
    l.id = r.Text(0);
    l.associate_tenant = r.Int(1);
    l.associate_account = r.Text(2);
    l.supervisor_account = r.Text(3);
    l.supervisor_tenant = r.Int(4);
    l.setting_id = r.OptionalText(5).value_or("");
    const std::string& s = r.Text(6);
    l.status = s == "pending" ? LinkStatus::kPending
                              : (s == "active" ? LinkStatus::kActive : LinkStatus::kEnded);
    l.invite_hash = r.OptionalBlob(7);
    l.invited_at = r.Int(8);
    l.accepted_at = r.OptionalInt(9);
    return l;
  }
};

namespace {

// Links matching `where` (over supervision_links; parameters from $1).
template <typename Row>
Result<std::vector<Row>> Links(store::Transaction& tx, std::string_view where,
                               std::vector<store::Value> params) {
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query(fmt::format("SELECT {} FROM supervision_links WHERE {} "
                                                    "ORDER BY invited_at, id",
                                                    Row::kColumns, where),
                                        params));
  std::vector<Row> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back(Row::From(r));
  }
  return out;
}

}  // namespace

Supervision::Supervision(store::Db& db, identity::Identity& identity,
                         crypto::PasswordHasher& hasher, const audit::Log& log, mail::Queue& mail,
                         const Clock& clock, std::string public_origin)
    : db_(db), identity_(identity), hasher_(hasher), log_(log), mail_(mail), clock_(clock),
      origin_(std::move(public_origin)), tokens_(db, clock) {}

// ---------------------------------------------------------------------------------------
// The associate's side.

Result<std::string> Supervision::Invite(const TherapistScope& who, const NewInvitation& inv,
                                        const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const std::string email, identity::NormalizeEmail(inv.email));
  ALCOVE_TRY(identity::NormalizeName(inv.name));
  if (!inv.setting_id.empty()) {
    if (!store::IsValidId(inv.setting_id)) {
      return internal::NotFound("work setting");
    }
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto setting, internal::LoadSetting(*tx, who.tenant(), inv.setting_id));
    if (!setting) {
      return internal::NotFound("work setting");
    }
  }
  ALCOVE_TRY_ASSIGN(const auto member,
                    identity_.FindOrCreateSupervisor(email, inv.name, who.account_id(), caller));
  const Micros now = clock_.Now();
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY_ASSIGN(auto existing,
                    Links<LinkRow>(*tx,
                                   "associate_tenant = $1 AND supervisor_account = $2 AND "
                                   "COALESCE(setting_id, '') = $3 AND status IN ('pending', "
                                   "'active')",
                                   {who.tenant(), member.account_id, inv.setting_id}));
  std::string link_id;
  for (const LinkRow& l : existing) {
    if (l.status == LinkStatus::kActive) {
      return Fail(ErrorCode::kAlreadyExists, "supervisor linked already",
                  inv.setting_id.empty()
                      ? "That supervisor has accepted your invitation already."
                      : "That supervisor has accepted your invitation for this setting already.");
    }
    link_id = l.id;  // pending: invited again, with a new link
  }
  if (link_id.empty()) {
    link_id = store::NewId();
    const store::Value params[] = {link_id,          who.tenant(),        who.account_id(),
                                   member.account_id, member.tenant, OptionalText(inv.setting_id),
                                   now};
    ALCOVE_TRY(tx->Execute(
        "INSERT INTO supervision_links (id, associate_tenant, associate_account, "
        "supervisor_account, supervisor_tenant, setting_id, status, invited_at, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)",
        params));
  }
  ALCOVE_TRY_ASSIGN(auto token, tokens_.Issue(*tx, kInvitationPurpose, kInvitationLifetime,
                                              crypto::TokenUse::kSingle, link_id, who.tenant()));
  const store::Value update[] = {crypto::TokenHashBytes(kInvitationPurpose, token), now, link_id};
  ALCOVE_TRY(tx->Execute(
      "UPDATE supervision_links SET invite_hash = $1, invited_at = $2 WHERE id = $3", update));
  audit::Event e = EventIn(now, audit::Action::kMagicLinkIssued, who.tenant(), who.account_id(),
                           caller, "supervision_link", link_id);
  (void)e.details.SetToken("kind", "supervisor_invitation");
  (void)e.details.SetToken("supervisor", member.account_id);
  ALCOVE_TRY(log_.Append(*tx, e));
  ALCOVE_TRY_ASSIGN(auto message,
                    mail::Message::Make(mail::MailKind::kSupervisorInvitation, email,
                                        origin_ + "/supervisor/accept#token=" + token.reveal(),
                                        origin_));
  ALCOVE_TRY(tx->Commit());
  ALCOVE_TRY(mail_.Enqueue(std::move(message)));
  return link_id;
}

Result<std::vector<SupervisorLink>> Supervision::ListSupervisors(const TherapistScope& who) {
  std::vector<LinkRow> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    ALCOVE_TRY_ASSIGN(rows, Links<LinkRow>(*tx,
                                           "associate_tenant = $1 AND status IN ('pending', "
                                           "'active')",
                                           {who.tenant()}));
  }
  std::map<std::string, std::string> names;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(const auto settings, internal::LoadSettings(*tx, who.tenant()));
    for (const Setting& s : settings) {
      names.emplace(s.id, s.name);
    }
  }
  std::vector<SupervisorLink> out;
  for (const LinkRow& l : rows) {
    ALCOVE_TRY_ASSIGN(const auto account, identity_.AccountById(l.supervisor_account));
    out.push_back(SupervisorLink{.id = l.id,
                                 .name = account.name,
                                 .email = account.email,
                                 .status = l.status,
                                 .setting_id = l.setting_id,
                                 .setting_name = l.setting_id.empty() ? "" : names[l.setting_id],
                                 .invited_at = l.invited_at,
                                 .accepted_at = l.accepted_at});
  }
  std::stable_sort(out.begin(), out.end(), [](const SupervisorLink& a, const SupervisorLink& b) {
    return a.name < b.name;
  });
  return out;
}

Status Supervision::EndLink(const TherapistScope& who, std::string_view link_id,
                            const Caller& caller) {
  return End(link_id, who.tenant(), "", "associate", who.account_id(), who.tenant(), caller);
}

Status Supervision::EndLink(const SupervisorScope& who, std::string_view link_id,
                            const Caller& caller) {
  return End(link_id, 0, who.account_id(), "supervisor", who.account_id(), who.tenant(), caller);
}

Status Supervision::End(std::string_view link_id, store::TenantId associate_tenant,
                        std::string_view supervisor_account, std::string_view ended_by,
                        const std::string& actor, store::TenantId actor_tenant,
                        const Caller& caller) {
  const bool by_associate = associate_tenant != 0;
  auto not_found = [&] { return internal::NotFound(by_associate ? "supervisor" : "associate"); };
  if (!store::IsValidId(link_id)) {
    return not_found();
  }
  const Micros now = clock_.Now();
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  // The associate ends a pending or an active link of their tenant; the supervisor an
  // active link of theirs.
  ALCOVE_TRY_ASSIGN(
      auto rows,
      by_associate
          ? Links<LinkRow>(*tx, "id = $1 AND associate_tenant = $2 AND status IN ('pending', "
                                "'active')",
                           {std::string(link_id), associate_tenant})
          : Links<LinkRow>(*tx, "id = $1 AND supervisor_account = $2 AND status = 'active'",
                           {std::string(link_id), std::string(supervisor_account)}));
  if (rows.empty()) {
    return not_found();
  }
  const LinkRow& l = rows.front();
  const store::Value params[] = {now, std::string(ended_by), l.id};
  ALCOVE_TRY_ASSIGN(const auto n,
                    tx->Execute("UPDATE supervision_links SET status = 'ended', ended_at = $1, "
                                "ended_by = $2, invite_hash = NULL WHERE id = $3 AND status IN "
                                "('pending', 'active')",
                                params));
  if (n != 1) {
    return not_found();
  }
  // In the associate's log (their data was shared), and in the supervisor's when they
  // ended it.
  std::vector<store::TenantId> tenants = {l.associate_tenant};
  if (actor_tenant != l.associate_tenant) {
    tenants.push_back(actor_tenant);
  }
  for (const store::TenantId tenant : tenants) {
    audit::Event e = EventIn(now, audit::Action::kSharingRevoked, tenant, actor, caller,
                             "supervision_link", l.id);
    (void)e.details.SetToken("by", ended_by);
    (void)e.details.SetToken("was", LinkStatusName(l.status));
    ALCOVE_TRY(log_.Append(*tx, e));
  }
  return tx->Commit();
}

// ---------------------------------------------------------------------------------------
// Accepting.

Result<identity::NewSession> Supervision::Accept(const SecretString& token, const Caller& caller) {
  auto record = tokens_.Find(kInvitationPurpose, token);
  if (!record) {
    if (record.error().code == ErrorCode::kUnauthenticated ||
        record.error().code == ErrorCode::kInvalidArgument) {
      return InvitationUnusable("unknown token");
    }
    return std::unexpected(record.error());
  }
  const Micros now = clock_.Now();
  if (record->used_at) {
    return InvitationUnusable("used");
  }
  if (now >= record->expires_at) {
    return InvitationUnusable("expired");
  }
  const std::string link_id = record->subject;
  const store::Bytes hash = crypto::TokenHashBytes(kInvitationPurpose, token);
  std::vector<LinkRow> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    ALCOVE_TRY_ASSIGN(rows, Links<LinkRow>(*tx, "id = $1 AND status = 'pending'", {link_id}));
  }
  if (rows.empty() || !crypto::SameTokenHash(rows.front().invite_hash, hash)) {
    return InvitationUnusable("withdrawn, accepted or superseded");
  }
  const LinkRow link = rows.front();
  auto consume = [&](store::Transaction& tx) -> Result<bool> {
    if (!tokens_.Consume(tx, kInvitationPurpose, token)) {
      return false;
    }
    const store::Value params[] = {now, link.id, hash};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx.Execute("UPDATE supervision_links SET status = 'active', accepted_at = "
                                 "$1, invite_hash = NULL WHERE id = $2 AND status = 'pending' AND "
                                 "invite_hash = $3",
                                 params));
    if (n != 1) {
      return false;
    }
    for (const store::TenantId tenant : {link.associate_tenant, link.supervisor_tenant}) {
      audit::Event e = EventIn(now, audit::Action::kSharingGranted, tenant,
                               link.supervisor_account, caller, "supervision_link", link.id);
      (void)e.details.SetToken("to", "supervisor");
      ALCOVE_TRY(log_.Append(tx, e));
    }
    return true;
  };
  auto session = identity_.SignInInvited(link.supervisor_account, consume, caller);
  if (!session && session.error().code == ErrorCode::kUnauthenticated) {
    return InvitationUnusable("used concurrently, or the account is gone");
  }
  return session;
}

// ---------------------------------------------------------------------------------------
// The supervisor's side: summaries only (C29).

Result<AssociateSummary> Supervision::Summarise(const LinkRow& link) {
  ALCOVE_TRY_ASSIGN(const auto associate, identity_.AccountById(link.associate_account));
  AssociateSummary out;
  out.link_id = link.id;
  out.name = associate.name;
  const Day today = TodayUtc(clock_.Now());
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(link.associate_tenant));
  ALCOVE_TRY_ASSIGN(const auto stored, internal::LoadProfile(*tx, link.associate_tenant));
  ALCOVE_TRY_ASSIGN(const auto settings, internal::LoadSettings(*tx, link.associate_tenant));
  std::map<std::string, std::string, std::less<>> names;
  for (const Setting& s : settings) {
    names.emplace(s.id, s.name);
  }
  if (!link.setting_id.empty()) {
    out.setting_name = names[link.setting_id];
  }
  if (!stored) {
    return out;  // no licensure profile yet: nothing to sum
  }
  const Profile& profile = stored->profile;
  out.track = profile.track;
  ALCOVE_TRY_ASSIGN(const auto sessions,
                    internal::LoadSessions(*tx, link.associate_tenant, "1 = 1", {}));
  const Progress progress = internal::EvaluateAll(profile, settings, sessions, today);
  ALCOVE_TRY_ASSIGN(const auto rows,
                    link.setting_id.empty()
                        ? internal::LoadWeeks(*tx, link.associate_tenant, "status <> 'draft'", {})
                        : internal::LoadWeeks(*tx, link.associate_tenant,
                                              "status <> 'draft' AND setting_id = $2",
                                              {link.setting_id}));
  tx.reset();

  for (const Bar& b : progress.bars) {
    const bool weeks = b.id.ends_with("weeks");
    out.bars.push_back(SupervisedBar{.label = b.label,
                                     .maximum = b.kind == Requirement::Kind::kMaximum,
                                     .in_weeks = weeks,
                                     .required = b.required_minutes,
                                     .counted = b.counted_minutes});
    if (b.id == "total") {
      out.remaining_minutes = std::max<std::int64_t>(0, b.required_minutes - b.counted_minutes);
    }
    if (b.id == "weeks") {
      out.weeks_required = b.required_minutes;
    }
  }
  out.credited_minutes = progress.credited_minutes;
  out.weeks_supervised = progress.weeks_supervised;
  out.projected_completion = progress.projected_completion;
  out.complete = progress.complete;
  for (const Check& c : progress.checks) {
    if (!c.week) {
      out.checks.push_back(SupervisorWords(c));
    }
  }
  for (const internal::WeekRow& row : rows) {
    std::vector<SessionLog> mine;
    for (const SessionLog& s : sessions) {
      if (s.setting_id == row.setting_id && WeekStart(s.date) == row.week_start) {
        mine.push_back(s);
      }
    }
    const WeeklyLog w = internal::AssembleWeek(row, names[row.setting_id], progress, mine);
    SupervisedWeek sw;
    sw.week_start = w.week_start;
    sw.setting_name = w.setting_name;
    sw.status = w.status;
    sw.waiting = w.status == WeekStatus::kSubmitted && w.supervisor_id == link.id;
    std::copy(std::begin(w.totals.by_category), std::end(w.totals.by_category),
              std::begin(sw.by_category));
    sw.direct = w.totals.direct;
    sw.nonclinical = w.totals.nonclinical;
    sw.total = w.totals.total;
    sw.credited = w.totals.credited;
    sw.supervision_units = w.totals.supervision_units;
    for (const Check& c : w.checks) {
      sw.checks.push_back(SupervisorWords(c));
    }
    out.waiting_weeks += sw.waiting ? 1 : 0;
    out.weeks.push_back(std::move(sw));
  }
  std::stable_sort(out.weeks.begin(), out.weeks.end(),
                   [](const SupervisedWeek& a, const SupervisedWeek& b) {
                     return a.week_start > b.week_start;
                   });
  return out;
}

Result<std::vector<AssociateSummary>> Supervision::ListAssociates(const SupervisorScope& who) {
  std::vector<LinkRow> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    ALCOVE_TRY_ASSIGN(rows, Links<LinkRow>(*tx, "supervisor_account = $1 AND status = 'active'",
                                           {who.account_id()}));
  }
  std::vector<AssociateSummary> out;
  for (const LinkRow& l : rows) {
    ALCOVE_TRY_ASSIGN(auto s, Summarise(l));
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const AssociateSummary& a,
                                               const AssociateSummary& b) {
    return a.name < b.name;
  });
  return out;
}

Result<AssociateSummary> Supervision::GetAssociate(const SupervisorScope& who,
                                                   std::string_view link_id) {
  if (!store::IsValidId(link_id)) {
    return internal::NotFound("associate");
  }
  std::vector<LinkRow> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    ALCOVE_TRY_ASSIGN(rows, Links<LinkRow>(*tx,
                                           "id = $1 AND supervisor_account = $2 AND status = "
                                           "'active'",
                                           {std::string(link_id), who.account_id()}));
  }
  if (rows.empty()) {
    return internal::NotFound("associate");
  }
  return Summarise(rows.front());
}

// ---------------------------------------------------------------------------------------
// PINs (C25).

Result<std::string> Supervision::DummyHash() {
  // Made once, on first use; a failure (a busy pool) is not kept, so the next call tries
  // again rather than comparing against nothing.
  std::lock_guard lock(dummy_mu_);
  if (dummy_hash_.empty()) {
    ALCOVE_TRY_ASSIGN(dummy_hash_, hasher_.Hash(SecretString(crypto::RandomBase64Url(24))));
  }
  return dummy_hash_;
}

Result<bool> Supervision::HasPin(const SupervisorScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  const store::Value params[] = {who.account_id()};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query("SELECT pin_hash FROM supervisor_pins WHERE account_id = $1", params));
  return !rows.empty() && !rows.front().IsNull(0);
}

Result<bool> Supervision::FreshSignIn(const SupervisorScope& who) {
  ALCOVE_TRY_ASSIGN(const auto sessions, identity_.ListSessions(who.principal()));
  const Micros now = clock_.Now();
  for (const auto& s : sessions) {
    if (s.id == who.principal().session_id) {
      return now - s.created_at < kFreshSignIn;
    }
  }
  return false;
}

Status Supervision::SetPin(const SupervisorScope& who, const SecretString& pin,
                           const std::optional<SecretString>& reset_token, const Caller& caller) {
  if (!IsValidPin(pin.reveal())) {
    return Fail(ErrorCode::kInvalidArgument, "PIN not 6-12 digits",
                "A PIN is 6 to 12 digits (0-9), nothing else.");
  }
  const Micros now = clock_.Now();
  std::optional<store::Bytes> reset_hash;
  std::string_view via = "first";
  if (reset_token) {
    auto record = tokens_.Find(kPinResetPurpose, *reset_token);
    if (!record) {
      if (record.error().code == ErrorCode::kUnauthenticated ||
          record.error().code == ErrorCode::kInvalidArgument) {
        return ResetUnusable("unknown token");
      }
      return std::unexpected(record.error());
    }
    if (record->subject != who.account_id()) {
      return ResetUnusable("another supervisor's");
    }
    if (record->used_at || now >= record->expires_at) {
      return ResetUnusable("used or expired");
    }
    reset_hash = crypto::TokenHashBytes(kPinResetPurpose, *reset_token);
    via = "reset";
  } else {
    ALCOVE_TRY_ASSIGN(const bool has, HasPin(who));
    if (has) {
      ALCOVE_TRY_ASSIGN(const bool fresh, FreshSignIn(who));
      if (!fresh) {
        return Fail(ErrorCode::kFailedPrecondition,
                    fmt::format("{}: PIN change without a recent sign-in", kFreshSignInToken),
                    "To change your PIN, sign in again first (a sign-in counts for 10 minutes), "
                    "or use \"Forgot your PIN?\" to get a reset link by email.");
      }
      via = "change";
    }
  }
  ALCOVE_TRY_ASSIGN(const std::string hash, hasher_.Hash(pin));
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  if (reset_hash) {
    const store::Value check[] = {who.account_id()};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT reset_hash FROM supervisor_pins WHERE "
                                           "account_id = $1",
                                           check));
    if (rows.empty() || !crypto::SameTokenHash(rows.front().OptionalBlob(0), *reset_hash)) {
      return ResetUnusable("superseded");
    }
    if (!tokens_.Consume(*tx, kPinResetPurpose, *reset_token)) {
      return ResetUnusable("used concurrently");
    }
  }
  const store::Value params[] = {who.account_id(), hash, now};
  if (via == "first") {
    // Only while there is no PIN: a PIN set meanwhile needs the fresh sign-in.
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx->Execute("INSERT INTO supervisor_pins (account_id, pin_hash, pin_set_at, "
                                  "updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (account_id) "
                                  "DO UPDATE SET pin_hash = excluded.pin_hash, pin_set_at = "
                                  "excluded.pin_set_at, updated_at = excluded.updated_at WHERE "
                                  "supervisor_pins.pin_hash IS NULL",
                                  params));
    if (n != 1) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("{}: a PIN was set meanwhile", kFreshSignInToken),
                  "A PIN was set meanwhile. To change it, sign in again first.");
    }
  } else {
    ALCOVE_TRY(tx->Execute("UPDATE supervisor_pins SET pin_hash = $2, pin_set_at = $3, "
                           "updated_at = $3, reset_hash = NULL WHERE account_id = $1",
                           params));
  }
  audit::Event e = EventIn(now, audit::Action::kPasswordChanged, who.tenant(), who.account_id(),
                           caller, "account", who.account_id());
  (void)e.details.SetToken("credential", "pin");
  (void)e.details.SetToken("via", via);
  ALCOVE_TRY(log_.Append(*tx, e));
  return tx->Commit();
}

Status Supervision::RequestPinReset(const SupervisorScope& who, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto account, identity_.AccountById(who.account_id()));
  const Micros now = clock_.Now();
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY_ASSIGN(auto token, tokens_.Issue(*tx, kPinResetPurpose, kPinResetLifetime,
                                              crypto::TokenUse::kSingle, who.account_id(),
                                              who.tenant()));
  const store::Value params[] = {who.account_id(), crypto::TokenHashBytes(kPinResetPurpose, token),
                                 now};
  ALCOVE_TRY(tx->Execute("INSERT INTO supervisor_pins (account_id, reset_hash, updated_at) "
                         "VALUES ($1, $2, $3) ON CONFLICT (account_id) DO UPDATE SET "
                         "reset_hash = excluded.reset_hash, updated_at = excluded.updated_at",
                         params));
  audit::Event e = EventIn(now, audit::Action::kMagicLinkIssued, who.tenant(), who.account_id(),
                           caller, "account", who.account_id());
  (void)e.details.SetToken("kind", "pin_reset");
  ALCOVE_TRY(log_.Append(*tx, e));
  ALCOVE_TRY_ASSIGN(auto message,
                    mail::Message::Make(mail::MailKind::kSupervisorPinReset, account.email,
                                        origin_ + "/supervisor/pin#token=" + token.reveal(),
                                        origin_));
  ALCOVE_TRY(tx->Commit());
  return mail_.Enqueue(std::move(message));
}

Result<PinCheck> Supervision::VerifyPin(std::string_view account_id, const SecretString& pin) {
  std::optional<std::string> stored;
  if (store::IsValidId(account_id)) {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    const store::Value params[] = {std::string(account_id)};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT pin_hash FROM supervisor_pins WHERE "
                                           "account_id = $1",
                                           params));
    if (!rows.empty()) {
      stored = rows.front().OptionalText(0);
    }
  }
  // The same argon2id work whether or not a PIN is set, and for a PIN of the wrong shape.
  const bool shaped = IsValidPin(pin.reveal());
  const SecretString probe(shaped ? std::string(pin.reveal()) : std::string("000000"));
  std::string against;
  if (stored) {
    against = *stored;
  } else {
    ALCOVE_TRY_ASSIGN(against, DummyHash());
  }
  ALCOVE_TRY_ASSIGN(const bool match, hasher_.Verify(probe, against));
  if (!stored) {
    return PinCheck::kNotSet;
  }
  return match && shaped ? PinCheck::kMatch : PinCheck::kMismatch;
}

SupervisorDirectory Supervision::Directory() {
  auto to_active = [this](const LinkRow& l) -> Result<ActiveSupervisor> {
    ALCOVE_TRY_ASSIGN(const auto account, identity_.AccountById(l.supervisor_account));
    return ActiveSupervisor{.link_id = l.id,
                            .account_id = l.supervisor_account,
                            .account_tenant = l.supervisor_tenant,
                            .email = account.email,
                            .name = account.name,
                            .setting_id = l.setting_id};
  };
  SupervisorDirectory d;
  d.active = [this, to_active](store::TenantId tenant,
                               std::string_view link_id) -> Result<ActiveSupervisor> {
    if (!store::IsValidId(link_id)) {
      return internal::NotFound("supervisor");
    }
    std::vector<LinkRow> rows;
    {
      ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
      ALCOVE_TRY_ASSIGN(rows, Links<LinkRow>(*tx,
                                             "id = $1 AND associate_tenant = $2 AND status = "
                                             "'active'",
                                             {std::string(link_id), tenant}));
    }
    if (rows.empty()) {
      return internal::NotFound("supervisor");
    }
    return to_active(rows.front());
  };
  d.list = [this, to_active](
               const TherapistScope& who) -> Result<std::vector<ActiveSupervisor>> {
    std::vector<LinkRow> rows;
    {
      ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
      ALCOVE_TRY_ASSIGN(rows, Links<LinkRow>(*tx, "associate_tenant = $1 AND status = 'active'",
                                             {who.tenant()}));
    }
    std::vector<ActiveSupervisor> out;
    for (const LinkRow& l : rows) {
      ALCOVE_TRY_ASSIGN(auto a, to_active(l));
      out.push_back(std::move(a));
    }
    std::stable_sort(out.begin(), out.end(), [](const ActiveSupervisor& a,
                                                 const ActiveSupervisor& b) {
      return a.name < b.name;
    });
    return out;
  };
  d.verify_pin = [this](std::string_view account_id, const SecretString& pin) {
    return VerifyPin(account_id, pin);
  };
  return d;
}

}  // namespace alcove::hours
