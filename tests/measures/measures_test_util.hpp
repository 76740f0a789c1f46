#pragma once

// Helpers for the measures tests: answers from plain numbers, and answers that give a
// chosen score on one scale.

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "measures/instruments.hpp"
#include "measures/scoring.hpp"

namespace alcove::measures::test {

// Answers from values in item order; -1 is "no answer".
inline Answers A(const std::vector<int>& values) {
  std::vector<std::uint8_t> bytes;
  for (int v : values) {
    bytes.push_back(v < 0 ? kNoAnswer : static_cast<std::uint8_t>(v));
  }
  return Answers(std::move(bytes));
}

inline const Instrument& Get(std::string_view id) {
  const Instrument* in = FindInstrument(id);
  EXPECT_NE(in, nullptr) << id;
  static const Instrument kNone;
  return in != nullptr ? *in : kNone;
}

// Answers whose scale `scale` scores `score` (other items 0, unscored items unanswered):
// the items of the largest step take what they can first, then the others.
inline Answers ForScore(const Instrument& in, std::size_t scale, int score) {
  const Scale& s = in.scales[scale];
  std::vector<int> values(in.items.size(), 0);
  for (const Item& item : in.items) {
    if (!item.scored) {
      values[static_cast<std::size_t>(item.number - 1)] = -1;
    }
  }
  std::vector<int> order = s.items;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return in.items[static_cast<std::size_t>(a - 1)].step >
           in.items[static_cast<std::size_t>(b - 1)].step;
  });
  EXPECT_EQ(score % s.multiplier, 0) << in.id << " " << s.id << " " << score;
  int left = score / s.multiplier;
  for (int n : order) {
    const Item& item = in.items[static_cast<std::size_t>(n - 1)];
    int v = std::min(left, item.options.back().value);
    v -= v % item.step;
    values[static_cast<std::size_t>(n - 1)] = v;
    left -= v;
  }
  EXPECT_EQ(left, 0) << in.id << ": no answers give " << score;
  return A(values);
}

}  // namespace alcove::measures::test
