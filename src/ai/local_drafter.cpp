// The local drafter (ai/local.hpp): an extractive draft, no model. The source is split
// into sentences (at . ! ? and line ends; a transcript without punctuation, as
// PocketSphinx writes it, into runs of kWindowWords words), each sentence is scored by
// how often its words occur in the whole text (stop words left out; a sentence's score
// grows with the square root of its length, not with its length) with a small bonus for
// coming early, and the source is cut into as many consecutive parts as the format has
// sections: each section gets the best sentences of its part, in their order. The draft
// is marked extractive (Draft::extractive), and the summary says so.
//
// Memory: the lower-cased copy of the text and every section's text are single
// allocations of the right size, wiped when they go; words are counted as views into
// the copy.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ai/local.hpp"

namespace alcove::ai {
namespace {

constexpr std::size_t kWindowWords = 20;   // an unpunctuated run is cut this often
constexpr std::size_t kLongSentence = 40;  // words: longer "sentences" are such runs
constexpr std::size_t kMaxPerSection = 4;  // sentences a section gets at most
constexpr double kShare = 0.3;             // of its part's sentences
constexpr std::size_t kMinWords = 3;       // shorter sentences ("Okay.") are not picked

const std::unordered_set<std::string_view>& StopWords() {
  static const std::unordered_set<std::string_view> words = {
      "a",     "about",  "after", "again", "all",    "also",    "am",     "an",     "and",
      "any",   "are",    "as",    "at",    "be",     "because", "been",   "before", "being",
      "but",   "by",     "can",   "could", "did",    "do",      "does",   "doing",  "don't",
      "down",  "each",   "even",  "for",   "from",   "get",     "got",    "had",    "has",
      "have",  "having", "he",    "her",   "here",   "him",     "his",    "how",    "i",
      "i'm",   "if",     "in",    "into",  "is",     "it",      "it's",   "its",    "just",
      "know",  "like",   "me",    "more",  "most",   "much",    "my",     "no",     "not",
      "now",   "of",     "off",   "oh",    "okay",   "on",      "one",    "only",   "or",
      "other", "our",    "out",   "over",  "really", "right",   "said",   "say",    "she",
      "so",    "some",   "such",  "than",  "that",   "that's",  "the",    "their",  "them",
      "then",  "there",  "these", "they",  "thing",  "things",  "this",   "those",  "through",
      "to",    "too",    "uh",    "um",    "up",     "us",      "very",   "was",    "we",
      "well",  "were",   "what",  "when",  "where",  "which",   "while",  "who",    "why",
      "will",  "with",   "would", "yeah",  "yes",    "you",     "you're", "your"};
  return words;
}

bool IsWordByte(unsigned char c) {
  return std::isalnum(c) != 0 || c == '\'' || c >= 0x80;  // UTF-8 letters count as letters
}

bool IsSpace(unsigned char c) { return std::isspace(c) != 0; }

struct Sentence {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::vector<std::string_view> words;  // lower-cased, views into the copy
  double score = 0;
};

// The words of [begin, end) of `lower`.
std::vector<std::string_view> WordsOf(std::string_view lower, std::size_t begin, std::size_t end) {
  std::vector<std::string_view> words;
  std::size_t i = begin;
  while (i < end) {
    while (i < end && !IsWordByte(static_cast<unsigned char>(lower[i]))) {
      ++i;
    }
    const std::size_t b = i;
    while (i < end && IsWordByte(static_cast<unsigned char>(lower[i]))) {
      ++i;
    }
    if (i > b) {
      words.push_back(lower.substr(b, i - b));
    }
  }
  return words;
}

// Adds [begin, end) trimmed, cut into runs of kWindowWords words when it is one long
// unpunctuated stretch.
void AddSentence(std::string_view text, std::string_view lower, std::size_t begin, std::size_t end,
                 std::vector<Sentence>& out) {
  while (begin < end && IsSpace(static_cast<unsigned char>(text[begin]))) {
    ++begin;
  }
  while (end > begin && IsSpace(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  if (begin == end) {
    return;
  }
  auto words = WordsOf(lower, begin, end);
  if (words.size() <= kLongSentence) {
    out.push_back(Sentence{begin, end, std::move(words), 0});
    return;
  }
  for (std::size_t w = 0; w < words.size(); w += kWindowWords) {
    const std::size_t last = std::min(words.size(), w + kWindowWords) - 1;
    const std::size_t b = static_cast<std::size_t>(words[w].data() - lower.data());
    const std::size_t e =
        last + 1 == words.size()
            ? end
            : static_cast<std::size_t>(words[last].data() - lower.data()) + words[last].size();
    out.push_back(Sentence{
        b, e,
        std::vector<std::string_view>(words.begin() + static_cast<std::ptrdiff_t>(w),
                                      words.begin() + static_cast<std::ptrdiff_t>(last + 1)),
        0});
  }
}

std::vector<Sentence> SplitSentences(std::string_view text, std::string_view lower) {
  std::vector<Sentence> out;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      AddSentence(text, lower, begin, i, out);
      begin = i + 1;
      continue;
    }
    if (c != '.' && c != '!' && c != '?') {
      continue;
    }
    std::size_t e = i + 1;
    while (e < text.size() && (text[e] == '"' || text[e] == '\'' || text[e] == ')' ||
                               text[e] == '.' || text[e] == '!' || text[e] == '?')) {
      ++e;
    }
    if (e == text.size() || IsSpace(static_cast<unsigned char>(text[e]))) {
      AddSentence(text, lower, begin, e, out);
      begin = e;
      i = e - 1;
    }
  }
  AddSentence(text, lower, begin, text.size(), out);
  return out;
}

void Score(std::vector<Sentence>& sentences) {
  const auto& stop = StopWords();
  std::unordered_map<std::string_view, double> freq;
  for (const auto& s : sentences) {
    for (auto w : s.words) {
      if (w.size() > 1 && !stop.contains(w)) {
        freq[w] += 1;
      }
    }
  }
  double top = 1;
  for (const auto& [w, f] : freq) {
    top = std::max(top, f);
  }
  const double n = static_cast<double>(sentences.size());
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    auto& s = sentences[i];
    if (s.words.size() < kMinWords) {
      continue;
    }
    double sum = 0;
    for (auto w : s.words) {
      if (auto it = freq.find(w); it != freq.end()) {
        sum += it->second / top;
      }
    }
    const double early = 1.0 + 0.2 * (1.0 - static_cast<double>(i) / n);
    s.score = sum / std::sqrt(static_cast<double>(s.words.size())) * early;
  }
}

// The best sentences of [first, last), in their order, joined with spaces.
crypto::PhiString Pick(std::string_view text, const std::vector<Sentence>& sentences,
                       std::size_t first, std::size_t last) {
  std::vector<std::size_t> order;
  for (std::size_t i = first; i < last; ++i) {
    order.push_back(i);
  }
  const std::size_t part = last - first;
  const std::size_t take = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::lround(static_cast<double>(part) * kShare)), 1, kMaxPerSection);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return sentences[a].score > sentences[b].score;
  });
  order.resize(std::min(order.size(), take));
  std::sort(order.begin(), order.end());
  std::size_t chars = 0;
  for (auto i : order) {
    chars += sentences[i].end - sentences[i].begin + 1;
  }
  std::string out;
  out.reserve(chars);
  for (auto i : order) {
    if (!out.empty()) {
      out += ' ';
    }
    out += text.substr(sentences[i].begin, sentences[i].end - sentences[i].begin);
  }
  crypto::PhiString phi(std::move(out));
  crypto::SecureZero(out.data(), out.capacity());  // a short text's inline bytes
  return phi;
}

// The lower-cased copy of the source, wiped when it goes.
struct Lowered {
  std::string text;
  ~Lowered() { crypto::SecureZero(text.data(), text.capacity()); }
};

class LocalDrafter final : public Drafter {
 public:
  ProviderDescription Describe() const override {
    return {.job = "draft",
            .provider = "local",
            .engine = "extractive (no model)",
            .leaves_server = false,
            .host = "",
            .sends = "nothing (on this server)"};
  }

  Result<Draft> MakeDraft(const DraftRequest& request, const CallControl& control,
                          CallReport& report) override {
    report = CallReport{};
    if (control.Cancelled()) {
      return Fail(ErrorCode::kConflict, "cancelled");
    }
    const std::string_view text =
        request.text != nullptr ? std::string_view(request.text->reveal()) : std::string_view();
    Lowered lowered{std::string(text.size(), '\0')};
    std::string& lower = lowered.text;
    std::transform(text.begin(), text.end(), lower.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    auto sentences = SplitSentences(text, lower);
    if (sentences.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "draft: the source text is empty",
                  "There is no text to draft from.");
    }
    Score(sentences);
    if (control.Cancelled()) {
      return Fail(ErrorCode::kConflict, "cancelled");
    }
    std::vector<std::string> names = request.sections;
    if (names.empty()) {
      names.push_back("text");
    }
    Draft draft;
    draft.extractive = true;
    const std::size_t n = sentences.size();
    for (std::size_t s = 0; s < names.size(); ++s) {
      const std::size_t first = s * n / names.size();
      const std::size_t last = (s + 1) * n / names.size();
      draft.sections.emplace_back(
          names[s], first < last ? Pick(text, sentences, first, last) : crypto::PhiString());
    }
    control.Progress(1.0);
    return draft;
  }
};

}  // namespace

std::unique_ptr<Drafter> MakeLocalDrafter() { return std::make_unique<LocalDrafter>(); }

}  // namespace alcove::ai
