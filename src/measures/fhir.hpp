#pragma once

// FHIR R4 export of a result (docs/measures.md § FHIR): the answers as a
// QuestionnaireResponse and each scale's score as an Observation, as JSON that validates
// against HL7's R4 JSON Schema (tests/measures/fhir_test.cpp checks every instrument).
// The JSON is client content and comes back as crypto::PhiString.

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "measures/types.hpp"

namespace alcove::measures {

inline constexpr char kLoincSystem[] = "http://loinc.org";

// What the caller knows about the result. `id` is the QuestionnaireResponse's id
// (1 to 48 of A-Z a-z 0-9 - .); each Observation's id is `id` + "-" + the scale's id.
// `subject` is the reference to the client, e.g. "Patient/7f3a" (no spaces, 1 to 256
// bytes): the caller chooses it, nothing of the client is looked up here.
struct FhirContext {
  std::string id;
  std::string subject;
  Micros authored = 0;
};

// The answers as a QuestionnaireResponse: questionnaire "<canonical>|<version>", status
// completed, authored, subject, and one item per answered question (linkId, text, one
// valueCoding: LOINC answer code where known, else the instrument's own code system with
// the option's value as code). Errors: CheckAnswers's, and kInvalidArgument for a bad
// context.
Result<crypto::PhiString> QuestionnaireResponseJson(const Instrument& instrument,
                                                    const Answers& answers,
                                                    const FhirContext& context);

// One Observation per scale: status final, category survey, code (the scale's LOINC code
// where known, and its label as text), valueInteger, interpretation with the band's
// words, derivedFrom the QuestionnaireResponse; the first also notes each raised flag.
// kInvalidArgument for a score of another instrument or a bad context.
Result<std::vector<crypto::PhiString>> ObservationsJson(const Instrument& instrument,
                                                        const Score& score,
                                                        const FhirContext& context);

}  // namespace alcove::measures
