#pragma once

// Standard measures (questionnaires) as data, answers and their scores (issue #16;
// docs/measures.md). An Instrument is what one file of src/measures/instruments/ says,
// checked by ParseInstrument (instruments.hpp); answers are client content and travel as
// crypto::Phi (C01: they are sealed before they reach the database, never logged).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secret.hpp"

namespace alcove::measures {

// One answer option of a question ("Several days" = 1).
struct AnswerOption {
  std::string label;
  int value = 0;
  std::string loinc;  // LOINC answer code ("LA6569-3"); "" where none is known
};

// A question as shown. Items are numbered 1..n in the order they are shown.
struct Item {
  int number = 0;
  std::string text;
  std::string loinc;    // LOINC item code ("44250-9"); "" where none exists or is known
  std::string link_id;  // FHIR linkId: the LOINC code, else "<instrument id>/<number>"
  // False for a question that is shown but not totalled (the PHQ-9's closing "how
  // difficult..."): it belongs to no scale and may be left unanswered.
  bool scored = true;
  std::string option_set;  // the id of its answer options in the file
  // Ascending values from 0 in steps of `step` (1, or 2 for the AUDIT's last two items).
  std::vector<AnswerOption> options;
  int step = 1;
};

// A range of a scale's score with its words ("moderate"); ranges are inclusive.
struct Band {
  int min = 0;
  int max = 0;
  std::string words;
};

// A total over some items: the PHQ-9's one total, the DASS-21's three scales.
struct Scale {
  std::string id;          // "total", "depression", ...
  std::string label;       // "PHQ-9 total score"
  std::string loinc;       // LOINC code of the score; "" where none is known
  std::vector<int> items;  // item numbers, ascending
  int multiplier = 1;      // DASS-21: 2
  int min = 0;             // from the items' options and the multiplier
  int max = 0;
  // Cover min..max without gaps or overlaps, in order (checked by the loader).
  std::vector<Band> bands;
};

// An answer that the therapist sees whatever the total (PHQ-9 item 9 above zero).
struct FlagRule {
  std::string id;     // "self_harm"
  std::string words;  // "self-harm thoughts"
  int item = 0;
  int at_least = 1;  // raised when the item's value is this or more
  std::string source;
};

// What counts as change between two results of the instrument's scales.
struct ChangeRule {
  int meaningful_points = 0;            // |change| at or above this is meaningful
  std::optional<int> response_percent;  // a response: this many % below the first result
  std::string source;
};

struct Instrument {
  std::string id;  // "phq-9": also the file's name
  int version = 0;
  std::string title;        // "Patient Health Questionnaire-9 (PHQ-9)"
  std::string short_title;  // "PHQ-9"
  std::string canonical;    // the FHIR Questionnaire canonical URL
  std::string loinc;        // LOINC panel code; "" where none is known
  std::string source;       // citation
  std::string licence;      // why it is free to use
  std::string time_frame;   // "the last 2 weeks"
  std::string instructions;
  std::string scoring_note;
  std::vector<Item> items;  // numbered 1..n
  std::vector<Scale> scales;
  std::vector<FlagRule> flags;
  std::optional<ChangeRule> change;  // nullopt: changes are reported as numbers only
};

// The answers to one instrument: byte i is the value chosen for item i + 1, or
// kNoAnswer. Client content (C01): sealed before storage, never logged or formatted.
inline constexpr std::uint8_t kNoAnswer = 0xFF;
using Answers = crypto::Phi<std::vector<std::uint8_t>>;

// A scale's score. Scores are derived from client content: the service seals what it
// stores; nothing here is logged.
struct ScaleScore {
  std::string scale_id;
  std::string label;
  int value = 0;
  std::string band;  // the band's words
};

struct RaisedFlag {
  std::string id;
  std::string words;
  int item = 0;
};

struct Score {
  std::string instrument_id;
  int instrument_version = 0;
  std::vector<ScaleScore> scales;  // in the instrument's order
  std::vector<RaisedFlag> flags;   // in the instrument's order; empty when none
};

// How a scale moved from the first and from the previous result to this one.
struct ScaleChange {
  std::string scale_id;
  int since_first = 0;     // this - first (negative: fewer symptoms)
  int since_previous = 0;  // this - previous
  // nullopt where the instrument has no rule (ChangeRule absent).
  std::optional<bool> meaningful_since_first;
  std::optional<bool> meaningful_since_previous;
  // A reduction of response_percent or more from the first result; nullopt where the
  // instrument has no response rule or the first result was 0 (no reduction possible).
  std::optional<bool> response;
  std::string words;  // "6 points lower than the first result (a meaningful change); ..."
};

}  // namespace alcove::measures
