#include "practice/shareable.hpp"

namespace alcove::practice {

Result<ShareableItem> ShareableItem::FromSummary(const Summary& summary) {
  if (summary.status != SummaryStatus::kReviewed) {
    return Fail(ErrorCode::kFailedPrecondition, "only reviewed summaries can be shared",
                "Review the summary before sharing it.");
  }
  return ShareableItem(summary.id, summary.client_id);
}

}  // namespace alcove::practice
