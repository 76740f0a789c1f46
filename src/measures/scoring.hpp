#pragma once

// Scoring a completed instrument and comparing results (docs/measures.md § Scoring).
// Pure: no database, no clock, no I/O. Nothing here logs; errors name item numbers, never
// answers.

#include <span>
#include <vector>

#include "core/error.hpp"
#include "measures/types.hpp"

namespace alcove::measures {

// Checks `answers` against `instrument`: one byte per item; every scored item answered
// and every answer (unscored items included, which may be kNoAnswer) one of the item's
// option values. kInvalidArgument naming the first item at fault ("Item 4 needs an
// answer.") otherwise.
Status CheckAnswers(const Instrument& instrument, const Answers& answers);

// Each scale's score (sum of its items times its multiplier) with its band's words, and
// every flag whose item's value is at or above its threshold, whatever the totals.
// Unscored items count nowhere. Errors as CheckAnswers.
Result<Score> ScoreAnswers(const Instrument& instrument, const Answers& answers);

// How `current` moved from `first` and from `previous` (the earliest and the latest
// earlier results; for a second result both are the first), one entry per scale:
// meaningful when |change| >= the instrument's meaningful_points, a response when the
// score fell by response_percent % or more of the first result. kInvalidArgument if a
// score is not of this instrument and version.
Result<std::vector<ScaleChange>> CompareScores(const Instrument& instrument, const Score& first,
                                               const Score& previous, const Score& current);

}  // namespace alcove::measures
