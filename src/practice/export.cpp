// Reads of a whole client: the client page and the export, one audit event each.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "crypto/field_cipher.hpp"
#include "crypto/sha.hpp"
#include "practice/alias.hpp"
#include "practice/internal.hpp"
#include "practice/practice.hpp"
#include "store/ids.hpp"

namespace alcove::practice {

Result<ClientExport> Practice::ExportClient(const TherapistScope& who, std::string_view client_id,
                                            const Caller& caller) {
  // Everything is read first (every note: no limit), then one export event is committed
  // before anything is returned (C40).
  ClientExport out;
  ALCOVE_TRY_ASSIGN(out.record, LoadRecord(who, client_id));
  ALCOVE_TRY_ASSIGN(out.notes, LoadNotes(who, out.record.client.id, std::nullopt));
  ALCOVE_TRY_ASSIGN(out.summaries, LoadSummaries(who, out.record.client.id));
  ALCOVE_TRY_ASSIGN(out.conceptualizations, LoadConceptualizations(who, out.record.client.id));
  ALCOVE_TRY(AuditShown(who, caller, audit::Action::kRecordExported, out.record.client.id,
                        out.notes, out.summaries, out.conceptualizations));
  return out;
}

Result<ClientOverview> Practice::GetClientOverview(const TherapistScope& who,
                                                   std::string_view client_id,
                                                   std::size_t notes_limit, const Caller& caller) {
  ClientOverview out;
  ALCOVE_TRY_ASSIGN(out.record, LoadRecord(who, client_id));
  ALCOVE_TRY_ASSIGN(out.notes, LoadNotes(who, out.record.client.id,
                                         std::clamp<std::size_t>(notes_limit, 1, kMaxNotesListed)));
  ALCOVE_TRY_ASSIGN(out.summaries, LoadSummaries(who, out.record.client.id));
  ALCOVE_TRY_ASSIGN(out.conceptualizations, LoadConceptualizations(who, out.record.client.id));
  ALCOVE_TRY(AuditShown(who, caller, audit::Action::kRecordAccessed, out.record.client.id,
                        out.notes, out.summaries, out.conceptualizations));
  return out;
}

Status Practice::AuditShown(const TherapistScope& who, const Caller& caller, audit::Action action,
                            std::string_view client_id, std::span<const Note> notes,
                            std::span<const Summary> summaries,
                            std::span<const Conceptualization> concepts) {
  // One event for everything shown: how many of each, and the SHA-256 of the ids shown
  // ("n:<id>,s:<id>,c:<id>,..." in the order shown), so an auditor holding the database
  // can tell exactly which objects the answer held. Ids only (C43).
  std::string shown;
  for (const auto& n : notes) {
    shown += "n:" + n.info.id + ",";
  }
  for (const auto& s : summaries) {
    shown += "s:" + s.id + ",";
  }
  for (const auto& c : concepts) {
    shown += "c:" + c.id + ",";
  }
  AuditNote note{action, "client", std::string(client_id), ClientDetails(client_id)};
  audit::Details& d = note.details;
  ALCOVE_TRY(d.SetInt("notes", static_cast<std::int64_t>(notes.size())));
  ALCOVE_TRY(d.SetInt("summaries", static_cast<std::int64_t>(summaries.size())));
  ALCOVE_TRY(d.SetInt("conceptualizations", static_cast<std::int64_t>(concepts.size())));
  ALCOVE_TRY(d.SetHash("shown", crypto::Sha256(shown)));
  return work_.Read(who, caller, note);
}

}  // namespace alcove::practice
