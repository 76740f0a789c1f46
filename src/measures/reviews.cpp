// Reviews of results (service.hpp § Reviews; docs/measures.md § The safety flag): which
// results are new to the therapist, decrypted only those, and marking one reviewed.
#include <fmt/format.h>

#include <map>

#include "measures/instruments.hpp"
#include "measures/service.hpp"
#include "measures/stored_score.hpp"
#include "store/ids.hpp"

namespace alcove::measures {
namespace {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

constexpr std::string_view kResultsTable = "measure_results";

std::unexpected<Error> NoSuchResult() {
  return Fail(ErrorCode::kNotFound, "no such measure result",
              "There is no such questionnaire result.");
}

}  // namespace

Result<std::vector<NewResult>> Measures::ListUnreviewed(const TherapistScope& who,
                                                        const Caller& caller, std::size_t limit) {
  std::vector<store::Row> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    const store::Value params[] = {who.tenant(), static_cast<std::int64_t>(limit)};
    ALCOVE_TRY_ASSIGN(rows,
                      tx->Query("SELECT r.id, r.client_id, r.instrument_id, r.instrument_version, "
                                "r.submitted_at, r.scores FROM measure_results r LEFT JOIN "
                                "measure_reviews v ON v.result_id = r.id AND v.tenant_id = "
                                "r.tenant_id WHERE r.tenant_id = $1 AND v.result_id IS NULL "
                                "ORDER BY r.submitted_at, r.id LIMIT $2",
                                params));
  }
  // Per client: its alias, its sealer and how many of its results were opened.
  struct Opened {
    std::string alias;
    std::optional<practice::ClientSealer> sealer;
    std::int64_t count = 0;
  };
  std::map<std::string, Opened, std::less<>> clients;
  std::vector<NewResult> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) {
    NewResult n;
    n.id = r.Text(0);
    n.client_id = r.Text(1);
    n.instrument_id = r.Text(2);
    const int version = static_cast<int>(r.Int(3));
    n.submitted_at = r.Int(4);
    const Instrument* in = FindInstrument(n.instrument_id);
    if (in == nullptr) {
      return Fail(ErrorCode::kInternal, "a stored result names an instrument no longer built in");
    }
    auto it = clients.find(n.client_id);
    if (it == clients.end()) {
      ALCOVE_TRY_ASSIGN(auto client, practice_.GetClientInfo(who, n.client_id));
      ALCOVE_TRY_ASSIGN(auto sealer, practice_.SealerFor(who.tenant(), client.id, kResultsTable));
      it = clients.emplace(n.client_id, Opened{.alias = client.alias, .sealer = std::move(sealer)})
               .first;
    }
    ALCOVE_TRY_ASSIGN(auto scores, it->second.sealer->Open("scores", n.id, r.Blob(5)));
    ALCOVE_TRY_ASSIGN(n.score, DecodeStoredScore(*in, version, scores));
    n.alias = it->second.alias;
    ++it->second.count;
    out.push_back(std::move(n));
  }
  for (const auto& [client_id, opened] : clients) {
    AuditNote note{audit::Action::kRecordAccessed, "measure_results", client_id,
                   identity::ClientDetails(client_id)};
    ALCOVE_TRY(note.details.SetInt("count", opened.count));
    ALCOVE_TRY(work_.Read(who, caller, note));
  }
  return out;
}

Result<std::int64_t> Measures::CountResults(const TherapistScope& who,
                                            std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value params[] = {client.id, who.tenant()};
  ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT COUNT(*) FROM measure_results WHERE client_id = "
                                         "$1 AND tenant_id = $2",
                                         params));
  return rows.front().Int(0);
}

Result<std::vector<std::string>> Measures::UnreviewedIds(const TherapistScope& who,
                                                         std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value params[] = {client.id, who.tenant()};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query("SELECT r.id FROM measure_results r LEFT JOIN measure_reviews v "
                              "ON v.result_id = r.id AND v.tenant_id = r.tenant_id WHERE "
                              "r.client_id = $1 AND r.tenant_id = $2 AND v.result_id IS NULL "
                              "ORDER BY r.submitted_at, r.id",
                              params));
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) {
    out.push_back(r.Text(0));
  }
  return out;
}

Status Measures::MarkReviewed(const TherapistScope& who, std::string_view result_id,
                              const Caller& caller) {
  if (!store::IsValidId(result_id)) {
    return NoSuchResult();
  }
  ALCOVE_TRY(
      work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::monostate>> {
        const store::Value params[] = {std::string(result_id), who.tenant()};
        ALCOVE_TRY_ASSIGN(auto rows,
                          tx.Query("SELECT r.client_id, v.result_id FROM measure_results r "
                                   "LEFT JOIN measure_reviews v ON v.result_id = r.id AND "
                                   "v.tenant_id = r.tenant_id WHERE r.id = $1 AND r.tenant_id = $2",
                                   params));
        if (rows.empty()) {
          return NoSuchResult();
        }
        if (!rows.front().IsNull(1)) {
          return Fail(ErrorCode::kFailedPrecondition, "measure result reviewed already",
                      "This result was marked as reviewed already.");
        }
        const store::Value insert[] = {std::string(result_id), who.tenant(), who.account_id(),
                                       clock_.Now()};
        ALCOVE_TRY(tx.Execute("INSERT INTO measure_reviews (result_id, tenant_id, reviewed_by, "
                              "reviewed_at) VALUES ($1, $2, $3, $4)",
                              insert));
        AuditNote note{audit::Action::kRecordUpdated, "measure_result", std::string(result_id),
                       identity::ClientDetails(rows.front().Text(0))};
        ALCOVE_TRY(note.details.SetToken("change", "reviewed"));
        return Audited<std::monostate>{{}, std::move(note)};
      }));
  return {};
}

}  // namespace alcove::measures
