#include "measures/scoring.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace alcove::measures {
namespace {

std::unexpected<Error> BadItem(int number, std::string_view what) {
  const std::string words = fmt::format("Item {} {}.", number, what);
  return Fail(ErrorCode::kInvalidArgument, "measures answers: " + words, words);
}

const Band* BandOf(const Scale& scale, int value) {
  for (const Band& b : scale.bands) {
    if (value >= b.min && value <= b.max) {
      return &b;
    }
  }
  return nullptr;
}

Status SameInstrument(const Instrument& instrument, const Score& score) {
  if (score.instrument_id != instrument.id || score.instrument_version != instrument.version ||
      score.scales.size() != instrument.scales.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("comparing a {} v{} score with {} v{}", score.instrument_id,
                            score.instrument_version, instrument.id, instrument.version),
                "Only results of the same questionnaire can be compared.");
  }
  return {};
}

std::string PointsWords(int change, std::string_view against) {
  if (change == 0) {
    return fmt::format("the same as the {} result", against);
  }
  const int n = std::abs(change);
  return fmt::format("{} point{} {} than the {} result", n, n == 1 ? "" : "s",
                     change < 0 ? "lower" : "higher", against);
}

}  // namespace

Status CheckAnswers(const Instrument& instrument, const Answers& answers) {
  const std::vector<std::uint8_t>& values = answers.reveal();
  if (values.size() != instrument.items.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("measures answers: {} answers for {} items of {}", values.size(),
                            instrument.items.size(), instrument.id),
                fmt::format("The answers must cover the {} questions.", instrument.items.size()));
  }
  for (const Item& item : instrument.items) {
    const std::uint8_t v = values[static_cast<std::size_t>(item.number - 1)];
    if (v == kNoAnswer) {
      if (item.scored) {
        return BadItem(item.number, "needs an answer");
      }
      continue;
    }
    const bool offered = std::any_of(item.options.begin(), item.options.end(),
                                     [&](const AnswerOption& o) { return o.value == v; });
    if (!offered) {
      return BadItem(item.number, "has an answer that is not one of its options");
    }
  }
  return {};
}

Result<Score> ScoreAnswers(const Instrument& instrument, const Answers& answers) {
  ALCOVE_TRY(CheckAnswers(instrument, answers));
  const std::vector<std::uint8_t>& values = answers.reveal();
  Score score;
  score.instrument_id = instrument.id;
  score.instrument_version = instrument.version;
  for (const Scale& scale : instrument.scales) {
    int sum = 0;
    for (int n : scale.items) {
      sum += values[static_cast<std::size_t>(n - 1)];
    }
    const int value = sum * scale.multiplier;
    const Band* band = BandOf(scale, value);
    if (band == nullptr) {  // the loader proved the bands cover min..max
      return Fail(ErrorCode::kInternal, fmt::format("{} scale {}: no band holds a score in range",
                                                    instrument.id, scale.id));
    }
    score.scales.push_back(ScaleScore{
        .scale_id = scale.id, .label = scale.label, .value = value, .band = band->words});
  }
  for (const FlagRule& flag : instrument.flags) {
    const std::uint8_t v = values[static_cast<std::size_t>(flag.item - 1)];
    if (v != kNoAnswer && v >= flag.at_least) {
      score.flags.push_back(RaisedFlag{.id = flag.id, .words = flag.words, .item = flag.item});
    }
  }
  return score;
}

Result<std::vector<ScaleChange>> CompareScores(const Instrument& instrument, const Score& first,
                                               const Score& previous, const Score& current) {
  ALCOVE_TRY(SameInstrument(instrument, first));
  ALCOVE_TRY(SameInstrument(instrument, previous));
  ALCOVE_TRY(SameInstrument(instrument, current));
  std::vector<ScaleChange> out;
  for (std::size_t i = 0; i < instrument.scales.size(); ++i) {
    const int f = first.scales[i].value;
    const int p = previous.scales[i].value;
    const int c = current.scales[i].value;
    ScaleChange ch;
    ch.scale_id = instrument.scales[i].id;
    ch.since_first = c - f;
    ch.since_previous = c - p;
    std::string words = PointsWords(ch.since_first, "first");
    if (instrument.change) {
      const ChangeRule& rule = *instrument.change;
      ch.meaningful_since_first = std::abs(ch.since_first) >= rule.meaningful_points;
      ch.meaningful_since_previous = std::abs(ch.since_previous) >= rule.meaningful_points;
      if (*ch.meaningful_since_first) {
        words += " (a meaningful change)";
      }
      if (rule.response_percent && f > 0) {
        // A fall of at least percent % of the first score, in integers: (f - c) * 100 >=
        // percent * f.
        ch.response = (f - c) * 100 >= *rule.response_percent * f;
      }
    }
    words += "; " + PointsWords(ch.since_previous, "previous");
    if (ch.meaningful_since_previous.value_or(false)) {
      words += " (a meaningful change)";
    }
    if (ch.response.value_or(false)) {
      words += fmt::format("; a response: {} % or more below the first result",
                           *instrument.change->response_percent);
    }
    ch.words = std::move(words);
    out.push_back(std::move(ch));
  }
  return out;
}

}  // namespace alcove::measures
