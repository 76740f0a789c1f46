// Shares and the client's view (portal.hpp; docs/portal.md § Sharing, § The client's view).
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "measures/instruments.hpp"
#include "portal/internal.hpp"
#include "portal/portal.hpp"
#include "store/ids.hpp"

namespace alcove::portal {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::ClientScope;
using identity::TherapistScope;
using internal::NotFound;
using internal::ShareRow;

namespace {

constexpr std::string_view kSharesTable = "portal_shares";
constexpr std::string_view kShareColumns =
    "id, client_id, kind, item_id, shared_at, shared_by, revoked_at, revoked_by, "
    "first_opened_at, content, reviewed_at, instrument_id";

std::string_view TitleWords(const measures::Instrument* in) {
  return in == nullptr ? std::string_view("Questionnaire") : std::string_view(in->short_title);
}

// An item's heading fields, without content.
PortalItem HeadOf(const ShareRow& r) {
  PortalItem item;
  item.id = r.record.id;
  item.kind = r.record.kind;
  item.shared_at = r.record.shared_at;
  item.first_opened_at = r.record.first_opened_at;
  const measures::Instrument* in =
      r.instrument_id.empty() ? nullptr : measures::FindInstrument(r.instrument_id);
  switch (r.record.kind) {
    case ShareKind::kSummary:
      item.title = "A summary from your therapist";
      break;
    case ShareKind::kResult:
      item.title = fmt::format("{} result", TitleWords(in));
      break;
    case ShareKind::kTrend:
      item.title = fmt::format("{} over time", TitleWords(in));
      break;
  }
  if (in != nullptr) {
    item.instrument_id = in->id;
    item.instrument_title = in->short_title;
  }
  return item;
}

const measures::Scale* ScaleOf(const measures::Instrument& in, std::string_view id) {
  const auto s = std::ranges::find_if(in.scales, [&](const auto& x) { return x.id == id; });
  return s == in.scales.end() ? nullptr : &*s;
}

// The one event of a read of the client's view: the client and how many items it showed.
Result<AuditNote> ViewRead(std::string_view client_id, const PortalView& view) {
  AuditNote note{audit::Action::kRecordAccessed, "portal_view", std::string(client_id),
                 identity::ClientDetails(client_id)};
  ALCOVE_TRY(note.details.SetInt("count", static_cast<std::int64_t>(view.items.size())));
  return note;
}

Result<std::vector<PendingQuestionnaire>> PendingOf(measures::Measures& measures,
                                                    store::TenantId tenant,
                                                    std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(const auto list, measures.PendingAssignments(tenant, client_id));
  std::vector<PendingQuestionnaire> out;
  for (const measures::Assignment& a : list) {
    const measures::Instrument* in = measures::FindInstrument(a.instrument_id);
    if (in == nullptr) {
      continue;  // an instrument no longer built in cannot be filled in
    }
    out.push_back(PendingQuestionnaire{.assignment_id = a.id,
                                       .instrument_id = in->id,
                                       .title = in->short_title,
                                       .items = in->items.size(),
                                       .assigned_at = a.created_at,
                                       .expires_at = a.expires_at});
  }
  return out;
}

}  // namespace

namespace internal {

std::unexpected<Error> NotFound(std::string_view what) {
  return Fail(ErrorCode::kNotFound, fmt::format("no such {}", what),
              fmt::format("There is no such {}.", what));
}

Result<std::vector<AccessRow>> AccessRows(store::Transaction& tx, std::string_view where,
                                          std::vector<store::Value> params) {
  ALCOVE_TRY_ASSIGN(
      auto rows,
      tx.Query(fmt::format("SELECT id, client_id, account_id, invited_by, status, invite_hash, "
                           "invited_at, invitation_expires_at, accepted_at, ended_at FROM "
                           "portal_access WHERE {} ORDER BY invited_at, id",
                           where),
               params));
  std::vector<AccessRow> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) {
    const std::string& s = r.Text(4);
    out.push_back(AccessRow{.id = r.Text(0),
                            .client_id = r.Text(1),
                            .account_id = r.Text(2),
                            .invited_by = r.Text(3),
                            .status = s == "invited"  ? AccessStatus::kInvited
                                      : s == "active" ? AccessStatus::kActive
                                                      : AccessStatus::kEnded,
                            .invite_hash = r.OptionalBlob(5),
                            .invited_at = r.Int(6),
                            .invitation_expires_at = r.Int(7),
                            .accepted_at = r.OptionalInt(8),
                            .ended_at = r.OptionalInt(9)});
  }
  return out;
}

Result<std::vector<ShareRow>> ShareRows(store::Transaction& tx, std::string_view where,
                                        std::vector<store::Value> params) {
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query(fmt::format("SELECT {} FROM portal_shares WHERE {} "
                                                    "ORDER BY shared_at DESC, id DESC",
                                                    kShareColumns, where),
                                        params));
  std::vector<ShareRow> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) {
    ShareRow s;
    s.record.id = r.Text(0);
    s.record.client_id = r.Text(1);
    s.record.kind = ShareKindFromName(r.Text(2)).value_or(ShareKind::kSummary);
    s.record.item_id = r.Text(3);
    s.record.shared_at = r.Int(4);
    s.record.shared_by = r.Text(5);
    s.record.revoked_at = r.OptionalInt(6);
    s.record.revoked_by = r.OptionalText(7);
    s.record.first_opened_at = r.OptionalInt(8);
    s.content = r.OptionalBlob(9);
    s.reviewed_at = r.OptionalInt(10);
    s.instrument_id = r.OptionalText(11).value_or("");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace internal

// ---------------------------------------------------------------------------------------
// The therapist's side.

Result<std::string> Portal::Share(const TherapistScope& who, std::string_view client_id,
                                  ShareKind kind, std::string_view item_id, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  const std::string share_id = store::NewId();
  NewShare share{.item = std::nullopt,
                 .content = std::nullopt,
                 .reviewed_at = std::nullopt,
                 .instrument_id = ""};
  switch (kind) {
    case ShareKind::kSummary: {
      if (!store::IsValidId(item_id)) {
        return NotFound("summary");
      }
      ALCOVE_TRY_ASSIGN(const practice::Summary s, practice_.GetSummary(who, item_id, caller));
      if (s.client_id != client.id) {
        return NotFound("summary");  // another client's: as a missing one
      }
      // C22: only a reviewed summary becomes shareable (a draft is refused here).
      ALCOVE_TRY_ASSIGN(const auto reviewed, practice::ShareableItem::FromSummary(s));
      ALCOVE_TRY_ASSIGN(const auto sealer,
                        practice_.SealerFor(who.tenant(), client.id, kSharesTable));
      ALCOVE_TRY_ASSIGN(share.content, sealer.Seal("content", share_id, s.text.reveal()));
      share.item = Shareable::Of(reviewed);
      share.reviewed_at = s.reviewed_at;
      break;
    }
    case ShareKind::kResult: {
      ALCOVE_TRY_ASSIGN(const auto m, measures_.GetResult(who, item_id, caller));
      if (m.client_id != client.id) {
        return NotFound("result");
      }
      share.item = Shareable::Of(m);
      share.instrument_id = m.instrument_id;
      break;
    }
    case ShareKind::kTrend: {
      const measures::Instrument* in = measures::FindInstrument(item_id);
      if (in == nullptr) {
        return NotFound("questionnaire");
      }
      ALCOVE_TRY_ASSIGN(const auto results, measures_.LoadClientResults(who.tenant(), client.id));
      if (std::ranges::none_of(results, [&](const auto& r) { return r.instrument_id == in->id; })) {
        return Fail(ErrorCode::kFailedPrecondition, "trend without results",
                    fmt::format("This client has no {} results yet: there is no trend to share.",
                                in->short_title));
      }
      share.item = Shareable::OfTrend(client.id, *in);
      share.instrument_id = in->id;
      break;
    }
  }
  return Record(who, share_id, share, caller);
}

Result<std::string> Portal::Record(const TherapistScope& who, const std::string& share_id,
                                   const NewShare& share, const Caller& caller) {
  const Shareable& item = *share.item;
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::string>> {
    const store::Value live[] = {who.tenant(), item.client_id(),
                                 std::string(ShareKindName(item.kind())), item.item_id()};
    ALCOVE_TRY_ASSIGN(auto rows, tx.Query("SELECT 1 FROM portal_shares WHERE tenant_id = $1 AND "
                                          "client_id = $2 AND kind = $3 AND item_id = $4 AND "
                                          "revoked_at IS NULL",
                                          live));
    if (!rows.empty()) {
      return Fail(ErrorCode::kAlreadyExists, "item shared already",
                  "This is shared with the client already.");
    }
    auto optional_bytes = [](const std::optional<store::Bytes>& b) {
      return b ? store::Value(*b) : store::Value(store::Null{});
    };
    const store::Value row[] = {
        share_id,
        who.tenant(),
        item.client_id(),
        std::string(ShareKindName(item.kind())),
        item.item_id(),
        share.instrument_id.empty() ? store::Value(store::Null{})
                                    : store::Value(share.instrument_id),
        optional_bytes(share.content),
        share.reviewed_at ? store::Value(*share.reviewed_at) : store::Value(store::Null{}),
        clock_.Now(),
        who.account_id()};
    ALCOVE_TRY(
        tx.Execute("INSERT INTO portal_shares (id, tenant_id, client_id, kind, item_id, "
                   "instrument_id, content, reviewed_at, shared_at, shared_by) VALUES "
                   "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                   row));
    AuditNote note{audit::Action::kSharingGranted, "portal_share", share_id,
                   identity::ClientDetails(item.client_id())};
    ALCOVE_TRY(note.details.SetToken("kind", ShareKindName(item.kind())));
    ALCOVE_TRY(note.details.SetToken("item", item.item_id()));
    return Audited<std::string>{share_id, std::move(note)};
  });
}

Status Portal::Revoke(const TherapistScope& who, std::string_view share_id, const Caller& caller) {
  if (!store::IsValidId(share_id)) {
    return NotFound("shared item");
  }
  ALCOVE_TRY(
      work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::monostate>> {
        ALCOVE_TRY_ASSIGN(auto rows,
                          internal::ShareRows(tx,
                                              "id = $1 AND tenant_id = $2 AND revoked_at IS "
                                              "NULL",
                                              {std::string(share_id), who.tenant()}));
        if (rows.empty()) {
          return NotFound("shared item");
        }
        const ShareRow& r = rows.front();
        // The sealed copy of a summary goes; the history (ids and times) stays.
        const store::Value set[] = {clock_.Now(), who.account_id(), r.record.id, who.tenant()};
        ALCOVE_TRY_ASSIGN(const auto n,
                          tx.Execute("UPDATE portal_shares SET revoked_at = $1, revoked_by = $2, "
                                     "content = NULL WHERE id = $3 AND tenant_id = $4 AND "
                                     "revoked_at IS NULL",
                                     set));
        if (n != 1) {
          return NotFound("shared item");
        }
        AuditNote note{audit::Action::kSharingRevoked, "portal_share", r.record.id,
                       identity::ClientDetails(r.record.client_id)};
        ALCOVE_TRY(note.details.SetToken("kind", ShareKindName(r.record.kind)));
        return Audited<std::monostate>{{}, std::move(note)};
      }));
  return {};
}

Result<std::vector<ShareRecord>> Portal::ShareHistory(const TherapistScope& who,
                                                      std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto rows, internal::ShareRows(*tx, "tenant_id = $1 AND client_id = $2",
                                                   {who.tenant(), client.id}));
  std::vector<ShareRecord> out;
  out.reserve(rows.size());
  for (ShareRow& r : rows) {
    out.push_back(std::move(r.record));
  }
  return out;
}

Result<PortalView> Portal::PortalViewFor(const TherapistScope& who, std::string_view client_id,
                                         const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(PortalView view, ViewOf(who.tenant(), client.id, who.account_id()));
  view.read_only = true;
  ALCOVE_TRY_ASSIGN(const AuditNote note, ViewRead(client.id, view));
  ALCOVE_TRY(work_.Read(who, caller, note));
  return view;
}

Result<PortalItem> Portal::ItemFor(const TherapistScope& who, std::string_view client_id,
                                   std::string_view share_id, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(PortalItem item, ItemOf(who.tenant(), client.id, share_id));
  ALCOVE_TRY(work_.Read(who, caller,
                        AuditNote{audit::Action::kRecordAccessed, "portal_share", item.id,
                                  identity::ClientDetails(client.id)}));
  return item;
}

// ---------------------------------------------------------------------------------------
// The one view code: the client's home and "what this client sees now".

Result<PortalView> Portal::ViewOf(store::TenantId tenant, std::string_view client_id,
                                  std::string_view therapist_account) {
  std::vector<ShareRow> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
    ALCOVE_TRY_ASSIGN(rows, internal::ShareRows(*tx,
                                                "tenant_id = $1 AND client_id = $2 AND "
                                                "revoked_at IS NULL",
                                                {tenant, std::string(client_id)}));
  }
  PortalView view;
  auto therapist = identity_.AccountById(therapist_account);
  if (therapist) {
    view.practice_name = therapist->name;
  } else if (therapist.error().code != ErrorCode::kNotFound) {
    return std::unexpected(therapist.error());
  }
  view.items.reserve(rows.size());
  for (const ShareRow& r : rows) {
    view.items.push_back(HeadOf(r));
  }
  ALCOVE_TRY_ASSIGN(view.questionnaires, PendingOf(measures_, tenant, client_id));
  return view;
}

Result<PortalItem> Portal::ItemOf(store::TenantId tenant, std::string_view client_id,
                                  std::string_view share_id) {
  if (!store::IsValidId(share_id)) {
    return NotFound("shared item");
  }
  std::vector<ShareRow> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
    ALCOVE_TRY_ASSIGN(rows,
                      internal::ShareRows(*tx,
                                          "id = $1 AND tenant_id = $2 AND client_id = "
                                          "$3 AND revoked_at IS NULL",
                                          {std::string(share_id), tenant, std::string(client_id)}));
  }
  if (rows.empty()) {
    return NotFound("shared item");
  }
  const ShareRow& r = rows.front();
  PortalItem item = HeadOf(r);
  if (r.record.kind == ShareKind::kSummary) {
    if (!r.content) {
      return NotFound("shared item");
    }
    ALCOVE_TRY_ASSIGN(const auto sealer, practice_.SealerFor(tenant, client_id, kSharesTable));
    ALCOVE_TRY_ASSIGN(item.text, sealer.Open("content", r.record.id, *r.content));
    item.reviewed_at = r.reviewed_at;
    return item;
  }
  const measures::Instrument* in = measures::FindInstrument(r.instrument_id);
  if (in == nullptr) {
    return NotFound("shared item");
  }
  ALCOVE_TRY_ASSIGN(const auto results, measures_.LoadClientResults(tenant, client_id));
  if (r.record.kind == ShareKind::kResult) {
    const auto m = std::ranges::find_if(
        results, [&](const measures::MeasureResult& x) { return x.id == r.record.item_id; });
    if (m == results.end()) {
      return NotFound("shared item");
    }
    item.submitted_at = m->submitted_at;
    for (const measures::ScaleScore& s : m->score.scales) {
      const measures::Scale* scale = ScaleOf(*in, s.scale_id);
      item.scales.push_back(SharedScale{.scale_id = s.scale_id,
                                        .label = s.label,
                                        .value = s.value,
                                        .min = scale == nullptr ? 0 : scale->min,
                                        .max = scale == nullptr ? 0 : scale->max,
                                        .band = s.band});
    }
    return item;
  }
  for (const measures::Scale& scale : in->scales) {
    TrendSeries series{.scale_id = scale.id,
                       .label = scale.label,
                       .min = scale.min,
                       .max = scale.max,
                       .points = {}};
    for (const measures::MeasureResult& m : results) {
      if (m.instrument_id != in->id) {
        continue;
      }
      for (const measures::ScaleScore& s : m.score.scales) {
        if (s.scale_id == scale.id) {
          series.points.push_back(TrendPoint{.submitted_at = m.submitted_at, .value = s.value});
        }
      }
    }
    item.trend.push_back(std::move(series));
  }
  return item;
}

// ---------------------------------------------------------------------------------------
// The client's side.

Result<PortalView> Portal::Home(const ClientScope& who, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto access, ActiveAccess(who));
  ALCOVE_TRY_ASSIGN(PortalView view, ViewOf(who.tenant(), access.client_id, access.invited_by));
  ALCOVE_TRY_ASSIGN(const AuditNote note, ViewRead(access.client_id, view));
  ALCOVE_TRY(work_.Read(who, caller, note));
  return view;
}

Result<PortalItem> Portal::GetItem(const ClientScope& who, std::string_view share_id,
                                   const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto access, ActiveAccess(who));
  ALCOVE_TRY_ASSIGN(PortalItem item, ItemOf(who.tenant(), access.client_id, share_id));
  // The first read marks it opened; the read is the one event, committed with the mark.
  const Micros now = clock_.Now();
  ALCOVE_TRY_ASSIGN(
      const auto opened,
      work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Micros>> {
        const store::Value set[] = {now, item.id, who.tenant(), access.client_id};
        ALCOVE_TRY_ASSIGN(const auto n,
                          tx.Execute("UPDATE portal_shares SET first_opened_at = $1 WHERE id = "
                                     "$2 AND tenant_id = $3 AND client_id = $4 AND "
                                     "first_opened_at IS NULL AND revoked_at IS NULL",
                                     set));
        return Audited<Micros>{n == 1 ? now : item.first_opened_at.value_or(now),
                               AuditNote{audit::Action::kRecordAccessed, "portal_share", item.id,
                                         identity::ClientDetails(access.client_id)}};
      }));
  item.first_opened_at = opened;
  return item;
}

Result<std::vector<PendingQuestionnaire>> Portal::PendingQuestionnaires(const ClientScope& who) {
  ALCOVE_TRY_ASSIGN(const auto access, ActiveAccess(who));
  return PendingOf(measures_, who.tenant(), access.client_id);
}

Result<const measures::Instrument*> Portal::OpenQuestionnaire(const ClientScope& who,
                                                              std::string_view assignment_id) {
  ALCOVE_TRY_ASSIGN(const auto pending, PendingQuestionnaires(who));
  const auto q = std::ranges::find_if(
      pending, [&](const PendingQuestionnaire& p) { return p.assignment_id == assignment_id; });
  if (q == pending.end()) {
    return NotFound("questionnaire");
  }
  return measures::FindInstrument(q->instrument_id);
}

Result<std::string> Portal::SubmitQuestionnaire(const ClientScope& who,
                                                std::string_view assignment_id,
                                                const measures::Answers& answers,
                                                const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto access, ActiveAccess(who));
  return measures_.SubmitSignedIn(who, access.client_id, assignment_id, answers, caller);
}

}  // namespace alcove::portal
