#pragma once

// The client portal's entities (issue #17; docs/portal.md): a client's access, the
// shares, and the view a client's portal is rendered from. Plain values; client content
// travels as crypto::PhiString.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "measures/service.hpp"
#include "measures/types.hpp"
#include "practice/shareable.hpp"
#include "practice/types.hpp"

namespace alcove::portal {

// A client's portal access: none (never invited) -> invited -> active (accepted) ->
// ended (by the therapist). Inviting again after an end starts a new invitation.
enum class AccessStatus { kNone, kInvited, kActive, kEnded };
std::string_view AccessStatusName(AccessStatus s);  // "none", "invited", "active", "ended"

struct Access {
  std::string client_id;
  AccessStatus status = AccessStatus::kNone;
  std::optional<Micros> invited_at;
  std::optional<Micros> invitation_expires_at;  // of the newest invitation
  std::optional<Micros> accepted_at;
  std::optional<Micros> ended_at;
};

// What can be shared (C22): nothing else has a kind, so nothing else can be shared.
enum class ShareKind { kSummary, kResult, kTrend };
std::string_view ShareKindName(ShareKind k);  // "summary", "result", "trend"
std::optional<ShareKind> ShareKindFromName(std::string_view name);

// One item made shareable (C22, extending practice::ShareableItem to results and trends).
// It can be made only from a reviewed summary (practice::ShareableItem, which refuses a
// draft summary), a questionnaire result, or an instrument's trend of one client; the
// overloads for notes, drafts, conceptualizations and bare summaries are deleted, so no
// code path turns those into a share — it does not compile (tests/portal/).
class Shareable {
 public:
  static Shareable Of(const practice::ShareableItem& reviewed_summary);
  static Shareable Of(const measures::MeasureResult& result);
  // The trend of `instrument` for client `client_id` (every result of that instrument).
  static Shareable OfTrend(std::string client_id, const measures::Instrument& instrument);
  static Shareable Of(const practice::Summary&) = delete;  // review it first
  static Shareable Of(const practice::Note&) = delete;
  static Shareable Of(const practice::NoteInfo&) = delete;
  static Shareable Of(const practice::Draft&) = delete;
  static Shareable Of(const practice::Conceptualization&) = delete;

  ShareKind kind() const { return kind_; }
  const std::string& client_id() const { return client_id_; }
  // The summary's id, the result's id, or the instrument's id ("phq-9").
  const std::string& item_id() const { return item_id_; }

 private:
  Shareable(ShareKind kind, std::string client_id, std::string item_id)
      : kind_(kind), client_id_(std::move(client_id)), item_id_(std::move(item_id)) {}
  ShareKind kind_;
  std::string client_id_;
  std::string item_id_;
};

// One share as the therapist's history shows it (ids and times, no content).
struct ShareRecord {
  std::string id;
  std::string client_id;
  ShareKind kind = ShareKind::kSummary;
  std::string item_id;  // summary id, result id, or instrument id
  Micros shared_at = 0;
  std::string shared_by;  // account id
  std::optional<Micros> revoked_at;
  std::optional<std::string> revoked_by;
  std::optional<Micros> first_opened_at;  // by the client
};

// A questionnaire's scale as the client sees it in a result.
struct SharedScale {
  std::string scale_id;
  std::string label;  // "PHQ-9 total score"
  int value = 0;
  int min = 0;
  int max = 0;
  std::string band;  // "mild"
};

// One point of a trend: a result's value on one scale.
struct TrendPoint {
  Micros submitted_at = 0;
  int value = 0;
};

struct TrendSeries {
  std::string scale_id;
  std::string label;
  int min = 0;
  int max = 0;
  std::vector<TrendPoint> points;  // oldest first
};

// One shared item as the client sees it. The content fields of its kind are filled only
// by Portal::GetItem / Portal::ItemFor; in PortalView::items they are empty.
struct PortalItem {
  std::string id;  // the share's id: the item's id in the client's portal
  ShareKind kind = ShareKind::kSummary;
  std::string title;  // "A summary from your therapist", "PHQ-9 result", "PHQ-9 over time"
  Micros shared_at = 0;
  std::optional<Micros> first_opened_at;
  bool opened() const { return first_opened_at.has_value(); }
  // kSummary: the reviewed summary's text and when it was reviewed.
  std::optional<crypto::PhiString> text;
  std::optional<Micros> reviewed_at;
  // kResult and kTrend: the instrument.
  std::string instrument_id;
  std::string instrument_title;  // "PHQ-9"
  // kResult: when it was filled in and its scales.
  std::optional<Micros> submitted_at;
  std::vector<SharedScale> scales;
  // kTrend: one series per scale.
  std::vector<TrendSeries> trend;
};

// A questionnaire waiting for the client (a pending, unexpired assignment).
struct PendingQuestionnaire {
  std::string assignment_id;
  std::string instrument_id;
  std::string title;  // the instrument's short title ("PHQ-9")
  std::size_t items = 0;
  Micros assigned_at = 0;
  Micros expires_at = 0;
};

// Everything a client's portal home shows, and exactly what "what this client sees now"
// shows the therapist (the same struct from the same code).
struct PortalView {
  std::string practice_name;      // the therapist's display name
  std::vector<PortalItem> items;  // live shares, newest first; content fields empty
  std::vector<PendingQuestionnaire> questionnaires;  // oldest first
  bool read_only = false;  // true when made for the therapist (PortalViewFor)
};

}  // namespace alcove::portal
