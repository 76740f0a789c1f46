// Signatures of weekly logs (issue #15, C42; docs/signing.md): the record and its audit
// event, written with MarkSigned in one transaction.
#include "audit/log.hpp"
#include "hours/hours.hpp"
#include "hours/internal.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

using internal::NotFound;

Result<Signature> Hours::RecordSignature(store::TenantId tenant, std::string_view week_id,
                                         std::string_view supervisor_id,
                                         std::string_view expected_sha256,
                                         const identity::Caller& caller) {
  if (!store::IsValidId(week_id)) {
    return NotFound("weekly log");
  }
  if (!store::IsValidId(supervisor_id)) {
    return Fail(ErrorCode::kInvalidArgument, "supervisor id is not an id");
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
  ALCOVE_TRY_ASSIGN(auto sig,
                    RecordSignature(*tx, tenant, week_id, supervisor_id, expected_sha256, caller));
  ALCOVE_TRY(tx->Commit());
  return sig;
}

Result<Signature> Hours::RecordSignature(store::Transaction& tx, store::TenantId tenant,
                                         std::string_view week_id,
                                         std::string_view supervisor_id,
                                         std::string_view expected_sha256,
                                         const identity::Caller& caller) {
  if (!store::IsValidId(week_id)) {
    return NotFound("weekly log");
  }
  if (!store::IsValidId(supervisor_id)) {
    return Fail(ErrorCode::kInvalidArgument, "supervisor id is not an id");
  }
  const Micros now = clock_.Now();
  // The IP as the connection saw it; an address longer than any IPv6 text is not one.
  const std::string ip = caller.ip.size() <= 64 ? caller.ip : std::string();
  ALCOVE_TRY(MarkSigned(tx, tenant, week_id, expected_sha256, now));
  audit::Event e = identity::EventFor(now, audit::Action::kSignatureMade, tenant, supervisor_id,
                                      caller, "weekly_log", week_id);
  ALCOVE_TRY(e.details.SetToken("week", week_id));
  ALCOVE_TRY(e.details.SetToken("supervisor", supervisor_id));
  ALCOVE_TRY(e.details.SetToken("content_sha256", expected_sha256));
  ALCOVE_TRY_ASSIGN(auto logged, log_.Append(tx, e));
  Signature sig{.week_id = std::string(week_id),
                .supervisor_id = std::string(supervisor_id),
                .ip = ip,
                .signed_at = now,
                .content_sha256 = std::string(expected_sha256),
                .event_id = logged.id,
                .matches = true};
  const store::Value p[] = {store::NewId(), tenant,         sig.week_id,      sig.supervisor_id,
                            sig.ip,         sig.signed_at,  sig.content_sha256, sig.event_id};
  ALCOVE_TRY(tx.Execute(
      "INSERT INTO weekly_log_signatures (id, tenant_id, weekly_log_id, supervisor_id, ip, "
      "signed_at, content_sha256, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      p));
  return sig;
}

Result<Signature> Hours::GetSignature(const identity::TherapistScope& who,
                                      std::string_view week_id) {
  ALCOVE_TRY_ASSIGN(auto week, GetWeek(who, week_id));  // kNotFound for another tenant's
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value p[] = {who.tenant(), week.id};
  ALCOVE_TRY_ASSIGN(
      auto rows,
      tx->Query("SELECT supervisor_id, ip, signed_at, content_sha256, event_id "
                "FROM weekly_log_signatures WHERE tenant_id = $1 AND weekly_log_id = $2 "
                "ORDER BY signed_at DESC, id LIMIT 1",
                p));
  if (rows.empty()) {
    return NotFound("signature");
  }
  const auto& r = rows.front();
  Signature sig{.week_id = week.id,
                .supervisor_id = r.Text(0),
                .ip = r.Text(1),
                .signed_at = r.Int(2),
                .content_sha256 = r.Text(3),
                .event_id = r.Text(4)};
  sig.matches = week.content_sha256 == sig.content_sha256 && !week.amended &&
                week.status == WeekStatus::kSigned;
  return sig;
}

}  // namespace alcove::hours
