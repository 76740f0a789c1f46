// FHIR R4 export (src/measures/fhir.cpp): the resources' content, and for every instrument
// validation against HL7's R4 JSON Schema (../shared/testvectors/fhir/fhir.schema.json,
// read where it lies) by tests/measures/fhir_validate.py with Debian's python3-jsonschema.

#include "measures/fhir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/time_text.hpp"
#include "measures/measures_test_util.hpp"
#include "support/temp_dir.hpp"

namespace alcove::measures {
namespace {

using test::A;
using test::ForScore;
using test::Get;

constexpr Micros kAuthored = 1'796'200'000LL * kMicrosPerSecond;  // 2026-12-02T...

FhirContext Context(std::string id = "r1") {
  return FhirContext{.id = std::move(id), .subject = "Patient/p-42", .authored = kAuthored};
}

boost::json::object Parse(const crypto::PhiString& json) {
  return boost::json::parse(json.reveal()).as_object();
}

std::filesystem::path FhirDir() {
  if (const char* shared = std::getenv("ALCOVE_SHARED_DIR"); shared != nullptr && *shared) {
    return std::filesystem::path(shared) / "testvectors" / "fhir";
  }
  return std::filesystem::path(ALCOVE_TESTVECTORS_DIR) / "fhir";
}

TEST(MeasuresFhir, Phq9QuestionnaireResponseCarriesLoincCodes) {
  const Instrument& in = Get("phq-9");
  auto json = QuestionnaireResponseJson(in, A({0, 1, 2, 3, 0, 1, 2, 3, 1, 2}), Context());
  ASSERT_TRUE(json) << json.error().internal;
  const boost::json::object qr = Parse(*json);
  EXPECT_EQ(qr.at("resourceType"), "QuestionnaireResponse");
  EXPECT_EQ(qr.at("id"), "r1");
  EXPECT_EQ(qr.at("questionnaire"), "urn:alcove:questionnaire:phq-9|1");
  EXPECT_EQ(qr.at("status"), "completed");
  EXPECT_EQ(qr.at("subject").at("reference"), "Patient/p-42");
  EXPECT_EQ(qr.at("authored").as_string(), FormatRfc3339(kAuthored));
  const boost::json::array& items = qr.at("item").as_array();
  ASSERT_EQ(items.size(), 10u);
  EXPECT_EQ(items[0].at("linkId"), "44250-9");
  EXPECT_EQ(items[0].at("text"), "Little interest or pleasure in doing things");
  const auto& c0 = items[0].at("answer").as_array()[0].at("valueCoding");
  EXPECT_EQ(c0.at("system"), "http://loinc.org");
  EXPECT_EQ(c0.at("code"), "LA6568-5");
  EXPECT_EQ(c0.at("display"), "Not at all");
  EXPECT_EQ(items[8].at("linkId"), "44260-8");
  EXPECT_EQ(items[8].at("answer").as_array()[0].at("valueCoding").at("code"), "LA6569-3");
  EXPECT_EQ(items[9].at("linkId"), "69722-7");
  EXPECT_EQ(items[9].at("answer").as_array()[0].at("valueCoding").at("code"), "LA6575-0");
  // An unanswered difficulty question is left out.
  auto skipped = QuestionnaireResponseJson(in, A({0, 0, 0, 0, 0, 0, 0, 0, 0, -1}), Context());
  ASSERT_TRUE(skipped);
  EXPECT_EQ(Parse(*skipped).at("item").as_array().size(), 9u);
}

TEST(MeasuresFhir, AnswersWithoutLoincCodesUseTheInstrumentsCodeSystem) {
  const Instrument& in = Get("audit");
  auto json = QuestionnaireResponseJson(in, A({1, 0, 0, 0, 0, 0, 0, 0, 2, 4}), Context());
  ASSERT_TRUE(json) << json.error().internal;
  const boost::json::object qr = Parse(*json);
  const boost::json::array& items = qr.at("item").as_array();
  EXPECT_EQ(items[8].at("linkId"), "audit/9");
  const auto& c = items[8].at("answer").as_array()[0].at("valueCoding");
  EXPECT_EQ(c.at("system"), "urn:alcove:questionnaire:audit:injury");
  EXPECT_EQ(c.at("code"), "2");
  EXPECT_EQ(c.at("display"), "Yes, but not in the last year");
}

TEST(MeasuresFhir, Phq9ObservationHoldsTheTotalBandAndFlag) {
  const Instrument& in = Get("phq-9");
  auto score = ScoreAnswers(in, A({0, 0, 0, 0, 0, 0, 0, 0, 1, -1}));
  ASSERT_TRUE(score);
  auto obs = ObservationsJson(in, *score, Context());
  ASSERT_TRUE(obs) << obs.error().internal;
  ASSERT_EQ(obs->size(), 1u);
  const boost::json::object o = Parse((*obs)[0]);
  EXPECT_EQ(o.at("resourceType"), "Observation");
  EXPECT_EQ(o.at("id"), "r1-total");
  EXPECT_EQ(o.at("status"), "final");
  EXPECT_EQ(o.at("code").at("coding").as_array()[0].at("code"), "44261-6");
  EXPECT_EQ(o.at("code").at("coding").as_array()[0].at("system"), "http://loinc.org");
  EXPECT_EQ(o.at("valueInteger"), 1);
  EXPECT_EQ(o.at("interpretation").as_array()[0].at("text"), "none to minimal");
  EXPECT_EQ(o.at("derivedFrom").as_array()[0].at("reference"), "QuestionnaireResponse/r1");
  EXPECT_EQ(o.at("note").as_array()[0].at("text"), "Flag: self-harm thoughts (item 9)");
  EXPECT_EQ(o.at("category").as_array()[0].at("coding").as_array()[0].at("code"), "survey");
}

TEST(MeasuresFhir, Dass21HasOneObservationPerScale) {
  const Instrument& in = Get("dass-21");
  auto score = ScoreAnswers(in, ForScore(in, 1, 16));
  ASSERT_TRUE(score);
  auto obs = ObservationsJson(in, *score, Context());
  ASSERT_TRUE(obs);
  ASSERT_EQ(obs->size(), 3u);
  const boost::json::object anxiety = Parse((*obs)[1]);
  EXPECT_EQ(anxiety.at("id"), "r1-anxiety");
  EXPECT_EQ(anxiety.at("valueInteger"), 16);
  EXPECT_EQ(anxiety.at("interpretation").as_array()[0].at("text"), "severe");
  EXPECT_FALSE(anxiety.at("code").as_object().contains("coding"));  // no LOINC code known
  EXPECT_EQ(anxiety.at("code").at("text"), "DASS-21 anxiety score");
}

TEST(MeasuresFhir, BadContextsAndAnswersAreRefused) {
  const Instrument& in = Get("phq-2");
  EXPECT_EQ(QuestionnaireResponseJson(in, A({0, 0}), Context("")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(QuestionnaireResponseJson(in, A({0, 0}), Context("a b")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(QuestionnaireResponseJson(in, A({0, 0}), Context(std::string(49, 'a'))).error().code,
            ErrorCode::kInvalidArgument);
  FhirContext c = Context();
  c.subject = "Patient/ 1";
  EXPECT_EQ(QuestionnaireResponseJson(in, A({0, 0}), c).error().code, ErrorCode::kInvalidArgument);
  auto missing = QuestionnaireResponseJson(in, A({0, -1}), Context());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().public_message, "Item 2 needs an answer.");
  auto other = ScoreAnswers(Get("gad-2"), A({0, 0}));
  ASSERT_TRUE(other);
  EXPECT_EQ(ObservationsJson(in, *other, Context()).error().code, ErrorCode::kInvalidArgument);
}

std::string RunCapturing(const std::string& command, int& exit_code) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    exit_code = -1;
    return out;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  const int status = ::pclose(p);
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Every instrument's QuestionnaireResponse and Observations, at its minimum and maximum
// (and PHQ-9 with its flag), validate against the R4 schema; a broken resource in the
// same run is reported invalid, so the validator is seen to fail.
TEST(MeasuresFhir, EveryInstrumentsExportValidatesAgainstTheR4Schema) {
  const std::filesystem::path schema = FhirDir() / "fhir.schema.json";
  ASSERT_TRUE(std::filesystem::exists(schema)) << schema;
  testing::TempDir dir;
  std::vector<std::string> files;
  auto write = [&](const std::string& name, std::string_view json) {
    const std::filesystem::path p = dir / name;
    std::ofstream(p) << json;
    files.push_back(p.string());
  };
  for (const Instrument& in : BuiltInInstruments()) {
    for (std::size_t i = 0; i < in.scales.size(); ++i) {
      for (int score : {in.scales[i].min, in.scales[i].max}) {
        const std::string id = fmt::format("{}-{}-{}", in.id, i, score);
        const Answers answers = ForScore(in, i, score);
        auto qr = QuestionnaireResponseJson(in, answers, Context(id));
        ASSERT_TRUE(qr) << in.id << ": " << qr.error().internal;
        write(id + ".qr.json", qr->reveal());
        auto s = ScoreAnswers(in, answers);
        ASSERT_TRUE(s);
        auto obs = ObservationsJson(in, *s, Context(id));
        ASSERT_TRUE(obs) << in.id;
        for (std::size_t k = 0; k < obs->size(); ++k) {
          write(fmt::format("{}.obs{}.json", id, k), (*obs)[k].reveal());
        }
      }
    }
  }
  // PHQ-9 with every question answered (difficulty included) and item 9 flagged.
  const Instrument& phq9 = Get("phq-9");
  const Answers flagged = A({0, 0, 0, 0, 0, 0, 0, 0, 1, 3});
  auto qr = QuestionnaireResponseJson(phq9, flagged, Context("flagged"));
  auto s = ScoreAnswers(phq9, flagged);
  ASSERT_TRUE(qr && s);
  auto obs = ObservationsJson(phq9, *s, Context("flagged"));
  ASSERT_TRUE(obs);
  write("flagged.qr.json", qr->reveal());
  write("flagged.obs.json", (*obs)[0].reveal());
  // The control: "status" must be one of the FHIR codes.
  boost::json::object broken = Parse(*qr);
  broken["status"] = "finished";
  write("control-broken.json", boost::json::serialize(broken));

  std::string command = "/usr/bin/python3 '" + std::string(ALCOVE_SOURCE_DIR) +
                        "/tests/measures/fhir_validate.py' '" + schema.string() + "'";
  for (const std::string& f : files) {
    command += " '" + f + "'";
  }
  int exit_code = 0;
  const std::string out = RunCapturing(command, exit_code);
  ASSERT_NE(out.find("control-broken.json: "), std::string::npos)
      << "the validator did not run (is python3-jsonschema installed? scripts/setup):\n"
      << out;
  EXPECT_EQ(exit_code, 1) << out;
  EXPECT_EQ(out.find("control-broken.json: valid"), std::string::npos) << out;
  std::size_t valid = 0;
  for (const std::string& f : files) {
    if (f.ends_with("control-broken.json")) {
      continue;
    }
    const bool ok = out.find(f + ": valid\n") != std::string::npos;
    EXPECT_TRUE(ok) << f << " does not validate:\n" << out;
    valid += ok ? 1 : 0;
  }
  EXPECT_GE(valid, 40u);  // 8 instruments, min and max, QR + Observations, and more
}

}  // namespace
}  // namespace alcove::measures
