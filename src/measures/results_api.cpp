// One result for the API and its FHIR export (service.hpp § Part "api").
#include <fmt/format.h>

#include "measures/instruments.hpp"
#include "measures/score_codec.hpp"
#include "measures/service.hpp"
#include "store/ids.hpp"

namespace alcove::measures {

Result<MeasureResult> Measures::GetResult(const identity::TherapistScope& who,
                                          std::string_view result_id,
                                          const identity::Caller& caller) {
  auto none = [] {
    return Fail(ErrorCode::kNotFound, "no such measure result", "There is no such result.");
  };
  if (!store::IsValidId(result_id)) {
    return none();
  }
  std::vector<store::Row> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    const store::Value params[] = {std::string(result_id), who.tenant()};
    ALCOVE_TRY_ASSIGN(rows, tx->Query("SELECT client_id, assignment_id, instrument_id, "
                                      "instrument_version, submitted_at, answers, scores FROM "
                                      "measure_results WHERE id = $1 AND tenant_id = $2",
                                      params));
  }
  if (rows.empty()) {
    return none();
  }
  const store::Row& r = rows.front();
  MeasureResult m;
  m.id = std::string(result_id);
  m.client_id = r.Text(0);
  m.assignment_id = r.OptionalText(1).value_or("");
  m.instrument_id = r.Text(2);
  m.instrument_version = static_cast<int>(r.Int(3));
  m.submitted_at = r.Int(4);
  const Instrument* in = FindInstrument(m.instrument_id);
  if (in == nullptr) {
    return Fail(ErrorCode::kInternal, "a stored result names an instrument no longer built in");
  }
  // Opened after the transaction (the key ring may read the database itself).
  ALCOVE_TRY_ASSIGN(const auto sealer,
                    practice_.SealerFor(who.tenant(), m.client_id, "measure_results"));
  ALCOVE_TRY_ASSIGN(auto answers, sealer.Open("answers", m.id, r.Blob(5)));
  m.answers = Answers(std::vector<std::uint8_t>(answers.reveal().begin(), answers.reveal().end()));
  ALCOVE_TRY_ASSIGN(auto scores, sealer.Open("scores", m.id, r.Blob(6)));
  ALCOVE_TRY_ASSIGN(m.score, DecodeScore(*in, m.instrument_version, scores));
  identity::AuditNote note{audit::Action::kRecordAccessed, "measure_result", m.id,
                           identity::ClientDetails(m.client_id)};
  ALCOVE_TRY(work_.Read(who, caller, note));
  return m;
}

}  // namespace alcove::measures
