// The portal's entity names and Shareable (types.hpp).
#include "portal/types.hpp"

namespace alcove::portal {

std::string_view AccessStatusName(AccessStatus s) {
  switch (s) {
    case AccessStatus::kNone:
      return "none";
    case AccessStatus::kInvited:
      return "invited";
    case AccessStatus::kActive:
      return "active";
    case AccessStatus::kEnded:
      return "ended";
  }
  return "none";
}

std::string_view ShareKindName(ShareKind k) {
  switch (k) {
    case ShareKind::kSummary:
      return "summary";
    case ShareKind::kResult:
      return "result";
    case ShareKind::kTrend:
      return "trend";
  }
  return "summary";
}

std::optional<ShareKind> ShareKindFromName(std::string_view name) {
  for (const ShareKind k : {ShareKind::kSummary, ShareKind::kResult, ShareKind::kTrend}) {
    if (ShareKindName(k) == name) {
      return k;
    }
  }
  return std::nullopt;
}

Shareable Shareable::Of(const practice::ShareableItem& reviewed_summary) {
  return Shareable(ShareKind::kSummary, reviewed_summary.client_id(),
                   reviewed_summary.summary_id());
}

Shareable Shareable::Of(const measures::MeasureResult& result) {
  return Shareable(ShareKind::kResult, result.client_id, result.id);
}

Shareable Shareable::OfTrend(std::string client_id, const measures::Instrument& instrument) {
  return Shareable(ShareKind::kTrend, std::move(client_id), instrument.id);
}

}  // namespace alcove::portal
