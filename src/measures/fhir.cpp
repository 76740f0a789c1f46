#include "measures/fhir.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "measures/scoring.hpp"

namespace alcove::measures {
namespace {

constexpr std::size_t kMaxResponseId = 48;  // FHIR ids are at most 64; scale ids are appended

Status CheckContext(const FhirContext& c) {
  const bool id_ok = !c.id.empty() && c.id.size() <= kMaxResponseId &&
                     std::all_of(c.id.begin(), c.id.end(), [](char ch) {
                       return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                              (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
                     });
  if (!id_ok) {
    return Fail(ErrorCode::kInvalidArgument, "FHIR export: a malformed resource id",
                "The export needs an id of 1 to 48 letters, digits, '-' or '.'.");
  }
  const bool subject_ok =
      !c.subject.empty() && c.subject.size() <= 256 &&
      std::none_of(c.subject.begin(), c.subject.end(), [](char ch) { return ch <= ' '; });
  if (!subject_ok) {
    return Fail(ErrorCode::kInvalidArgument, "FHIR export: a malformed subject reference",
                "The export needs a subject reference without spaces.");
  }
  if (c.authored < 0) {
    return Fail(ErrorCode::kInvalidArgument, "FHIR export: a time before 1970",
                "The export needs a time after 1970.");
  }
  return {};
}

crypto::PhiString Serialize(const boost::json::object& o) {
  return crypto::PhiString(boost::json::serialize(o));
}

boost::json::object Reference(std::string_view r) { return {{"reference", r}}; }

}  // namespace

Result<crypto::PhiString> QuestionnaireResponseJson(const Instrument& instrument,
                                                    const Answers& answers,
                                                    const FhirContext& context) {
  ALCOVE_TRY(CheckContext(context));
  ALCOVE_TRY(CheckAnswers(instrument, answers));
  const std::vector<std::uint8_t>& values = answers.reveal();
  boost::json::array items;
  for (const Item& item : instrument.items) {
    const std::uint8_t v = values[static_cast<std::size_t>(item.number - 1)];
    if (v == kNoAnswer) {
      continue;  // an unscored question left unanswered
    }
    const auto option = std::find_if(item.options.begin(), item.options.end(),
                                     [&](const AnswerOption& o) { return o.value == v; });
    boost::json::object coding;
    if (!option->loinc.empty()) {
      coding = {{"system", kLoincSystem}, {"code", option->loinc}};
    } else {
      coding = {
          {"system", fmt::format("urn:alcove:questionnaire:{}:{}", instrument.id, item.option_set)},
          {"code", std::to_string(option->value)}};
    }
    coding["display"] = option->label;
    items.push_back(boost::json::object{
        {"linkId", item.link_id},
        {"text", item.text},
        {"answer", boost::json::array{boost::json::object{{"valueCoding", coding}}}},
    });
  }
  boost::json::object qr{
      {"resourceType", "QuestionnaireResponse"},
      {"id", context.id},
      {"questionnaire", fmt::format("{}|{}", instrument.canonical, instrument.version)},
      {"status", "completed"},
      {"subject", Reference(context.subject)},
      {"authored", FormatRfc3339(context.authored)},
      {"item", std::move(items)},
  };
  return Serialize(qr);
}

Result<std::vector<crypto::PhiString>> ObservationsJson(const Instrument& instrument,
                                                        const Score& score,
                                                        const FhirContext& context) {
  ALCOVE_TRY(CheckContext(context));
  if (score.instrument_id != instrument.id || score.instrument_version != instrument.version ||
      score.scales.size() != instrument.scales.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("FHIR export: a {} score for {}", score.instrument_id, instrument.id),
                "The score is not of this questionnaire.");
  }
  std::vector<crypto::PhiString> out;
  for (std::size_t i = 0; i < instrument.scales.size(); ++i) {
    const Scale& scale = instrument.scales[i];
    const ScaleScore& s = score.scales[i];
    boost::json::object code{{"text", scale.label}};
    if (!scale.loinc.empty()) {
      code["coding"] = boost::json::array{boost::json::object{
          {"system", kLoincSystem}, {"code", scale.loinc}, {"display", scale.label}}};
    }
    boost::json::object obs{
        {"resourceType", "Observation"},
        {"id", fmt::format("{}-{}", context.id, scale.id)},
        {"status", "final"},
        {"category",
         boost::json::array{boost::json::object{
             {"coding",
              boost::json::array{boost::json::object{
                  {"system", "http://terminology.hl7.org/CodeSystem/observation-category"},
                  {"code", "survey"},
                  {"display", "Survey"}}}}}}},
        {"code", std::move(code)},
        {"subject", Reference(context.subject)},
        {"effectiveDateTime", FormatRfc3339(context.authored)},
        {"valueInteger", s.value},
        {"interpretation", boost::json::array{boost::json::object{{"text", s.band}}}},
        {"derivedFrom", boost::json::array{Reference("QuestionnaireResponse/" + context.id)}},
    };
    if (i == 0 && !score.flags.empty()) {
      boost::json::array notes;
      for (const RaisedFlag& f : score.flags) {
        notes.push_back(
            boost::json::object{{"text", fmt::format("Flag: {} (item {})", f.words, f.item)}});
      }
      obs["note"] = std::move(notes);
    }
    out.push_back(Serialize(obs));
  }
  return out;
}

}  // namespace alcove::measures
