// Assignments, links and results (service.hpp; docs/measures.md § Assignments and links).
#include "measures/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include "measures/instruments.hpp"
#include "measures/score_codec.hpp"
#include "measures/scoring.hpp"
#include "store/ids.hpp"

namespace alcove::measures {
namespace {

using crypto::PhiString;
using crypto::SecretString;
using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

constexpr std::string_view kResultsTable = "measure_results";

std::unexpected<Error> NotFound(std::string_view what) {
  return Fail(ErrorCode::kNotFound, fmt::format("no such {}", what),
              fmt::format("There is no such {}.", what));
}

}  // namespace

// The scores as sealed (score_codec.hpp): one line per scale, "<scale id> <value>", then
// one per raised flag, "!<flag id>". Ids come from the instrument files ([a-z0-9_-]),
// values are numbers.
PhiString EncodeScore(const Score& score) {
  std::string out;
  for (const ScaleScore& s : score.scales) {
    out += fmt::format("{} {}\n", s.scale_id, s.value);
  }
  for (const RaisedFlag& f : score.flags) {
    out += fmt::format("!{}\n", f.id);
  }
  return PhiString(std::move(out));
}

// The stored scores back, with labels, bands and flag words from the instrument.
Result<Score> DecodeScore(const Instrument& in, int version, const PhiString& text) {
  Score out{.instrument_id = in.id, .instrument_version = version, .scales = {}, .flags = {}};
  std::string_view rest = text.reveal();
  auto corrupt = [] { return Fail(ErrorCode::kInternal, "stored measure scores do not decode"); };
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      return corrupt();
    }
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line.starts_with('!')) {
      const auto id = line.substr(1);
      const auto f = std::ranges::find_if(in.flags, [&](const FlagRule& r) { return r.id == id; });
      if (f == in.flags.end()) {
        return corrupt();
      }
      out.flags.push_back(RaisedFlag{.id = f->id, .words = f->words, .item = f->item});
      continue;
    }
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) {
      return corrupt();
    }
    const auto id = line.substr(0, sp);
    const auto digits = line.substr(sp + 1);
    int value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    const auto s = std::ranges::find_if(in.scales, [&](const Scale& x) { return x.id == id; });
    if (ec != std::errc() || end != digits.data() + digits.size() || s == in.scales.end()) {
      return corrupt();
    }
    std::string band;
    for (const Band& b : s->bands) {
      if (value >= b.min && value <= b.max) {
        band = b.words;
      }
    }
    out.scales.push_back(
        ScaleScore{.scale_id = s->id, .label = s->label, .value = value, .band = band});
  }
  return out;
}

namespace {

AssignmentStatus StatusOf(const store::Row& r, std::size_t used, std::size_t cancelled,
                          Micros expires_at, Micros now) {
  if (!r.IsNull(used)) {
    return AssignmentStatus::kUsed;
  }
  if (!r.IsNull(cancelled)) {
    return AssignmentStatus::kCancelled;
  }
  return now >= expires_at ? AssignmentStatus::kExpired : AssignmentStatus::kPending;
}

}  // namespace

std::unexpected<Error> LinkUnusable(std::string internal) {
  return Fail(ErrorCode::kUnauthenticated, "questionnaire link refused: " + internal,
              "This link is invalid or has expired.");
}

std::string_view AssignmentStatusName(AssignmentStatus s) {
  switch (s) {
    case AssignmentStatus::kPending:
      return "pending";
    case AssignmentStatus::kUsed:
      return "used";
    case AssignmentStatus::kExpired:
      return "expired";
    case AssignmentStatus::kCancelled:
      return "cancelled";
  }
  return "cancelled";
}

struct Measures::LinkRow {
  store::TenantId tenant = 0;
  std::string id;
  std::string client_id;
  std::string instrument_id;
  std::string assigned_by;
  Micros expires_at = 0;
};

Measures::Measures(store::Db& db, practice::Practice& practice, identity::Identity& identity,
                   const audit::Log& log, const Clock& clock)
    : db_(db),
      practice_(practice),
      identity_(identity),
      tokens_(db, clock),
      work_(db, log, clock),
      log_(log),
      clock_(clock) {}

// ---------------------------------------------------------------------------------------
// The therapist's side.

Result<NewAssignment> Measures::Assign(const TherapistScope& who, std::string_view client_id,
                                       std::string_view instrument_id,
                                       std::optional<Micros> lifetime, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  const Instrument* instrument = FindInstrument(instrument_id);
  if (instrument == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "unknown instrument",
                "Choose one of the questionnaires offered.");
  }
  const Micros ttl = lifetime.value_or(kDefaultLinkLifetime);
  if (ttl < kMinLinkLifetime || ttl > kMaxLinkLifetime) {
    return Fail(ErrorCode::kInvalidArgument, "link lifetime out of range",
                "A link may last from 1 hour to 30 days.");
  }
  if (client.status != practice::ClientStatus::kActive) {
    return Fail(ErrorCode::kFailedPrecondition, "client discharged",
                "This client is discharged: questionnaires go to current clients only.");
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<NewAssignment>> {
    // The client row must still be there (deleted meanwhile: the foreign key refuses).
    const store::Value check[] = {client.id, who.tenant()};
    ALCOVE_TRY_ASSIGN(auto rows,
                      tx.Query("SELECT 1 FROM clients WHERE id = $1 AND tenant_id = $2", check));
    if (rows.empty()) {
      return NotFound("client");
    }
    ALCOVE_TRY_ASSIGN(NewAssignment out, InsertAssignment(tx, who.tenant(), client.id,
                                                          instrument->id, who.account_id(), ttl));
    std::string id = out.id;
    return Audited<NewAssignment>{std::move(out),
                                  AuditNote{audit::Action::kRecordCreated, "measure_assignment",
                                            std::move(id), identity::ClientDetails(client.id)}};
  });
}

Result<NewAssignment> Measures::InsertAssignment(store::Transaction& tx, store::TenantId tenant,
                                                 std::string_view client_id,
                                                 std::string_view instrument_id,
                                                 std::string_view assigned_by, Micros lifetime) {
  const Instrument* instrument = FindInstrument(instrument_id);
  if (instrument == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "unknown instrument",
                "Choose one of the questionnaires offered.");
  }
  if (lifetime < kMinLinkLifetime || lifetime > kMaxLinkLifetime) {
    return Fail(ErrorCode::kInvalidArgument, "link lifetime out of range",
                "A link may last from 1 hour to 30 days.");
  }
  const std::string id = store::NewId();
  const Micros now = clock_.Now();
  const store::Value params[] = {
      id,  tenant,        std::string(client_id), instrument->id, std::string(assigned_by),
      now, now + lifetime};
  ALCOVE_TRY(
      tx.Execute("INSERT INTO measure_assignments (id, tenant_id, client_id, "
                 "instrument_id, assigned_by, created_at, expires_at) VALUES ($1, $2, "
                 "$3, $4, $5, $6, $7)",
                 params));
  ALCOVE_TRY_ASSIGN(
      auto token, tokens_.Issue(tx, kLinkPurpose, lifetime, crypto::TokenUse::kSingle, id, tenant));
  return NewAssignment{
      .id = id, .link = SecretString("/q/" + token.reveal()), .expires_at = now + lifetime};
}

Result<std::vector<Assignment>> Measures::ListAssignments(const TherapistScope& who,
                                                          std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value params[] = {client.id, who.tenant()};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query("SELECT id, instrument_id, created_at, expires_at, used_at, "
                              "cancelled_at FROM measure_assignments WHERE client_id = $1 AND "
                              "tenant_id = $2 ORDER BY created_at DESC, id",
                              params));
  const Micros now = clock_.Now();
  std::vector<Assignment> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) {
    out.push_back(Assignment{.id = r.Text(0),
                             .client_id = client.id,
                             .instrument_id = r.Text(1),
                             .status = StatusOf(r, 4, 5, r.Int(3), now),
                             .created_at = r.Int(2),
                             .expires_at = r.Int(3),
                             .used_at = r.OptionalInt(4),
                             .cancelled_at = r.OptionalInt(5)});
  }
  return out;
}

Status Measures::Cancel(const TherapistScope& who, std::string_view assignment_id,
                        const Caller& caller) {
  if (!store::IsValidId(assignment_id)) {
    return NotFound("questionnaire assignment");
  }
  ALCOVE_TRY(
      work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::monostate>> {
        const store::Value params[] = {std::string(assignment_id), who.tenant()};
        ALCOVE_TRY_ASSIGN(
            auto rows, tx.Query("SELECT client_id, used_at, cancelled_at FROM measure_assignments "
                                "WHERE id = $1 AND tenant_id = $2",
                                params));
        if (rows.empty()) {
          return NotFound("questionnaire assignment");
        }
        const store::Row& r = rows.front();
        if (!r.IsNull(1)) {
          return Fail(ErrorCode::kFailedPrecondition, "assignment used",
                      "This questionnaire was filled in already.");
        }
        if (!r.IsNull(2)) {
          return Fail(ErrorCode::kFailedPrecondition, "assignment cancelled",
                      "This questionnaire was cancelled already.");
        }
        const store::Value set[] = {clock_.Now(), std::string(assignment_id), who.tenant()};
        ALCOVE_TRY_ASSIGN(
            const auto n,
            tx.Execute("UPDATE measure_assignments SET cancelled_at = $1 WHERE id = $2 "
                       "AND tenant_id = $3 AND used_at IS NULL AND cancelled_at IS NULL",
                       set));
        if (n != 1) {
          return Fail(ErrorCode::kFailedPrecondition, "assignment changed meanwhile",
                      "This questionnaire was filled in or cancelled meanwhile.");
        }
        AuditNote note{audit::Action::kRecordUpdated, "measure_assignment",
                       std::string(assignment_id), identity::ClientDetails(r.Text(0))};
        ALCOVE_TRY(note.details.SetToken("change", "cancelled"));
        return Audited<std::monostate>{{}, std::move(note)};
      }));
  return {};
}

Result<std::vector<MeasureResult>> Measures::ListResults(const TherapistScope& who,
                                                         std::string_view client_id,
                                                         const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(auto out, LoadClientResults(who.tenant(), client.id));
  AuditNote note{audit::Action::kRecordAccessed, "measure_results", client.id,
                 identity::ClientDetails(client.id)};
  ALCOVE_TRY(note.details.SetInt("count", static_cast<std::int64_t>(out.size())));
  ALCOVE_TRY(work_.Read(who, caller, note));
  return out;
}

Result<std::vector<MeasureResult>> Measures::LoadClientResults(store::TenantId tenant,
                                                               std::string_view client_id) {
  std::vector<store::Row> rows;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
    const store::Value params[] = {std::string(client_id), tenant};
    ALCOVE_TRY_ASSIGN(rows, tx->Query("SELECT id, assignment_id, instrument_id, "
                                      "instrument_version, submitted_at, answers, scores FROM "
                                      "measure_results WHERE client_id = $1 AND tenant_id = $2 "
                                      "ORDER BY submitted_at, id",
                                      params));
  }
  // Opened after the transaction (the key ring may read the database itself).
  ALCOVE_TRY_ASSIGN(const auto sealer, practice_.SealerFor(tenant, client_id, kResultsTable));
  std::vector<MeasureResult> out;
  out.reserve(rows.size());
  // Per instrument, the index in `out` of its first and latest result so far.
  std::map<std::string, std::pair<std::size_t, std::size_t>, std::less<>> seen;
  for (const store::Row& r : rows) {
    MeasureResult m;
    m.id = r.Text(0);
    m.client_id = std::string(client_id);
    m.assignment_id = r.OptionalText(1).value_or("");
    m.instrument_id = r.Text(2);
    m.instrument_version = static_cast<int>(r.Int(3));
    m.submitted_at = r.Int(4);
    const Instrument* in = FindInstrument(m.instrument_id);
    if (in == nullptr) {
      return Fail(ErrorCode::kInternal, "a stored result names an instrument no longer built in");
    }
    ALCOVE_TRY_ASSIGN(auto answers, sealer.Open("answers", m.id, r.Blob(5)));
    m.answers =
        Answers(std::vector<std::uint8_t>(answers.reveal().begin(), answers.reveal().end()));
    ALCOVE_TRY_ASSIGN(auto scores, sealer.Open("scores", m.id, r.Blob(6)));
    ALCOVE_TRY_ASSIGN(m.score, DecodeScore(*in, m.instrument_version, scores));
    if (auto it = seen.find(m.instrument_id); it != seen.end()) {
      const Score& first = out[it->second.first].score;
      const Score& previous = out[it->second.second].score;
      if (first.instrument_version == m.instrument_version &&
          previous.instrument_version == m.instrument_version) {
        ALCOVE_TRY_ASSIGN(m.change, CompareScores(*in, first, previous, m.score));
      }
      it->second.second = out.size();
    } else {
      seen.emplace(m.instrument_id, std::pair{out.size(), out.size()});
    }
    out.push_back(std::move(m));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The public form.

Result<Measures::LinkRow> Measures::UsableLink(const SecretString& token) {
  auto record = tokens_.Verify(kLinkPurpose, token);
  if (!record) {
    if (record.error().code == ErrorCode::kUnauthenticated ||
        record.error().code == ErrorCode::kInvalidArgument) {
      return LinkUnusable(record.error().internal);
    }
    return std::unexpected(record.error());
  }
  if (!record->tenant || *record->tenant <= 0) {
    return LinkUnusable("token without a tenant");
  }
  return PendingAssignment(*record->tenant, record->subject, std::nullopt);
}

Result<Measures::LinkRow> Measures::PendingAssignment(store::TenantId tenant,
                                                      std::string_view assignment_id,
                                                      std::optional<std::string_view> client_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
  const store::Value params[] = {std::string(assignment_id), tenant,
                                 std::string(client_id.value_or(""))};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query("SELECT a.id, a.client_id, a.instrument_id, a.assigned_by, "
                              "a.expires_at FROM measure_assignments a JOIN clients c ON c.id = "
                              "a.client_id AND c.tenant_id = a.tenant_id WHERE a.id = $1 AND "
                              "a.tenant_id = $2 AND a.used_at IS NULL AND a.cancelled_at IS NULL "
                              "AND c.status = 'active' AND ($3 = '' OR a.client_id = $3)",
                              params));
  if (rows.empty()) {
    return LinkUnusable("assignment used, cancelled or gone, or its client discharged");
  }
  const store::Row& r = rows.front();
  if (clock_.Now() >= r.Int(4)) {
    return LinkUnusable("assignment expired");
  }
  return LinkRow{.tenant = tenant,
                 .id = r.Text(0),
                 .client_id = r.Text(1),
                 .instrument_id = r.Text(2),
                 .assigned_by = r.Text(3),
                 .expires_at = r.Int(4)};
}

Result<LinkView> Measures::OpenLink(const SecretString& token) {
  ALCOVE_TRY_ASSIGN(const LinkRow link, UsableLink(token));
  const Instrument* in = FindInstrument(link.instrument_id);
  if (in == nullptr) {
    return LinkUnusable("instrument no longer built in");
  }
  auto account = identity_.AccountById(link.assigned_by);
  if (!account) {
    if (account.error().code == ErrorCode::kNotFound) {
      return LinkUnusable("the assigning account is gone");
    }
    return std::unexpected(account.error());
  }
  return LinkView{.instrument = in, .practice_name = account->name, .expires_at = link.expires_at};
}

Result<std::string> Measures::Submit(const SecretString& token, const Answers& answers,
                                     const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const LinkRow link, UsableLink(token));
  return RecordSubmission(link, answers, &token, std::nullopt, caller);
}

Result<std::string> Measures::SubmitSignedIn(const identity::ClientScope& who,
                                             std::string_view client_id,
                                             std::string_view assignment_id, const Answers& answers,
                                             const Caller& caller) {
  auto not_found = [] { return NotFound("questionnaire"); };
  if (!store::IsValidId(assignment_id)) {
    return not_found();
  }
  auto link = PendingAssignment(who.tenant(), assignment_id, client_id);
  if (!link) {
    return link.error().code == ErrorCode::kUnauthenticated ? not_found()
                                                            : std::unexpected(link.error());
  }
  auto id = RecordSubmission(*link, answers, nullptr, who.account_id(), caller);
  if (!id && id.error().code == ErrorCode::kUnauthenticated) {
    return not_found();  // used or cancelled meanwhile
  }
  return id;
}

Result<std::string> Measures::RecordSubmission(const LinkRow& link, const Answers& answers,
                                               const SecretString* token,
                                               std::optional<std::string_view> actor,
                                               const Caller& caller) {
  const Instrument* in = FindInstrument(link.instrument_id);
  if (in == nullptr) {
    return LinkUnusable("instrument no longer built in");
  }
  ALCOVE_TRY_ASSIGN(const Score score, ScoreAnswers(*in, answers));
  // Sealed before the write transaction (sealing may reserve seals in the database).
  auto sealer = practice_.SealerFor(link.tenant, link.client_id, kResultsTable);
  if (!sealer) {
    if (sealer.error().code == ErrorCode::kNotFound) {
      return LinkUnusable("client gone");
    }
    return std::unexpected(sealer.error());
  }
  const std::string id = store::NewId();
  const auto& bytes = answers.reveal();
  ALCOVE_TRY_ASSIGN(
      auto sealed_answers,
      sealer->Seal("answers", id,
                   std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  ALCOVE_TRY_ASSIGN(auto sealed_scores, sealer->Seal("scores", id, EncodeScore(score).reveal()));

  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(link.tenant));
  // The link's token is used up with the form; signed in, marking the assignment used below
  // makes its link unusable too (UsableLink needs it pending).
  if (token != nullptr) {
    if (auto used = tokens_.Consume(*tx, kLinkPurpose, *token); !used) {
      if (used.error().code == ErrorCode::kUnauthenticated) {
        return LinkUnusable("used concurrently");
      }
      return std::unexpected(used.error());
    }
  }
  const Micros now = clock_.Now();
  const store::Value mark[] = {now, link.id, link.tenant};
  ALCOVE_TRY_ASSIGN(const auto n,
                    tx->Execute("UPDATE measure_assignments SET used_at = $1 WHERE id = $2 AND "
                                "tenant_id = $3 AND used_at IS NULL AND cancelled_at IS NULL",
                                mark));
  if (n != 1) {
    return LinkUnusable("cancelled or used concurrently");
  }
  const store::Value row[] = {id,
                              link.tenant,
                              link.client_id,
                              link.id,
                              in->id,
                              std::int64_t{in->version},
                              now,
                              std::move(sealed_answers),
                              std::move(sealed_scores)};
  ALCOVE_TRY(
      tx->Execute("INSERT INTO measure_results (id, tenant_id, client_id, assignment_id, "
                  "instrument_id, instrument_version, submitted_at, answers, scores) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                  row));
  audit::Event e = identity::EventFor(now, audit::Action::kRecordCreated, link.tenant, actor,
                                      caller, "measure_result", id);
  e.details = identity::ClientDetails(link.client_id);
  ALCOVE_TRY(e.details.SetToken("assignment", link.id));
  ALCOVE_TRY(log_.Append(*tx, e));
  ALCOVE_TRY(tx->Commit());
  if (!score.flags.empty() && flag_notice_) {
    flag_notice_(link.tenant, link.assigned_by, link.client_id);  // part "api": ids only
  }
  return id;
}

Result<std::vector<Assignment>> Measures::PendingAssignments(store::TenantId tenant,
                                                             std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
  const store::Value params[] = {std::string(client_id), tenant, clock_.Now()};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query("SELECT a.id, a.instrument_id, a.created_at, a.expires_at FROM "
                              "measure_assignments a JOIN clients c ON c.id = a.client_id AND "
                              "c.tenant_id = a.tenant_id WHERE a.client_id = $1 AND a.tenant_id "
                              "= $2 AND a.used_at IS NULL AND a.cancelled_at IS NULL AND "
                              "a.expires_at > $3 AND c.status = 'active' ORDER BY a.created_at, "
                              "a.id",
                              params));
  std::vector<Assignment> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) {
    out.push_back(Assignment{.id = r.Text(0),
                             .client_id = std::string(client_id),
                             .instrument_id = r.Text(1),
                             .status = AssignmentStatus::kPending,
                             .created_at = r.Int(2),
                             .expires_at = r.Int(3),
                             .used_at = std::nullopt,
                             .cancelled_at = std::nullopt});
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Practice's client extension.

Status Measures::DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                                  std::string_view client_id) {
  const store::Value params[] = {std::string(client_id), tenant};
  ALCOVE_TRY(
      tx.Execute("DELETE FROM measure_results WHERE client_id = $1 AND tenant_id = $2", params));
  ALCOVE_TRY(tx.Execute("DELETE FROM measure_assignments WHERE client_id = $1 AND tenant_id = $2",
                        params));
  return {};
}

}  // namespace alcove::measures

// For the other files of the service (stored_score.hpp).
namespace alcove::measures {
Result<Score> DecodeStoredScore(const Instrument& in, int version, const crypto::PhiString& text) {
  return DecodeScore(in, version, text);
}
}  // namespace alcove::measures
