// The security page's promises and this build's test results (claims.hpp).
#include "security/claims.hpp"

#include <libxml/xmlreader.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <memory>

namespace alcove::security {

namespace json = boost::json;

namespace {

// Files larger than this are not results of ours (a full run is a few MB).
constexpr std::size_t kMaxFileBytes = 256u << 20;

Result<std::string> Slurp(const std::filesystem::path& file, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Fail(ErrorCode::kNotFound, std::string(what) + " " + file.string() + " not found");
  }
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxFileBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " " + file.string() + " cannot be read or is too large");
  }
  std::ifstream in(file, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " " + file.string() + " cannot be read");
  }
  return text;
}

std::string StringOf(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Reads CTest's JUnit file as a stream (a full run's file holds every test's output and
// runs to tens of MB: no tree is built). Elements: <testsuite timestamp> (maybe inside
// <testsuites>), <testcase name status> with <failure>, <error> or <skipped> inside.
Result<TestRun> ReadCases(xmlTextReaderPtr reader) {
  std::unique_ptr<xmlTextReader, decltype(&xmlFreeTextReader)> owned(reader, &xmlFreeTextReader);
  if (reader == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "the test results cannot be read");
  }
  auto attribute = [&](const char* name) {
    xmlChar* v = xmlTextReaderGetAttribute(reader, reinterpret_cast<const xmlChar*>(name));
    std::string out = v != nullptr ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return out;
  };
  TestRun run;
  bool root_seen = false;
  int case_depth = -1;
  int r = 0;
  while ((r = xmlTextReaderRead(reader)) == 1) {
    const int type = xmlTextReaderNodeType(reader);
    const int depth = xmlTextReaderDepth(reader);
    if (type == XML_READER_TYPE_END_ELEMENT && depth == case_depth) {
      case_depth = -1;
      continue;
    }
    if (type != XML_READER_TYPE_ELEMENT) {
      continue;
    }
    const std::string_view name(reinterpret_cast<const char*>(xmlTextReaderConstLocalName(reader)));
    if (!root_seen) {
      if (name != "testsuite" && name != "testsuites") {
        return Fail(ErrorCode::kInvalidArgument, "the test results are not a JUnit XML file");
      }
      root_seen = true;
    }
    if (name == "testsuite" && run.timestamp.empty()) {
      run.timestamp = attribute("timestamp");
    } else if (name == "testcase" && case_depth < 0) {
      TestCase c;
      c.name = attribute("name");
      const std::string status = attribute("status");
      c.outcome = status == "fail"                             ? Outcome::kFailed
                  : status == "notrun" || status == "disabled" ? Outcome::kSkipped
                                                               : Outcome::kPassed;
      if (c.name.empty()) {
        return Fail(ErrorCode::kInvalidArgument, "the test results hold a test without a name");
      }
      run.cases.push_back(std::move(c));
      if (xmlTextReaderIsEmptyElement(reader) == 0) {
        case_depth = depth;
      }
    } else if (case_depth >= 0 && depth == case_depth + 1 && !run.cases.empty()) {
      if (name == "failure" || name == "error") {
        run.cases.back().outcome = Outcome::kFailed;
      } else if (name == "skipped" && run.cases.back().outcome != Outcome::kFailed) {
        run.cases.back().outcome = Outcome::kSkipped;
      }
    }
  }
  if (r != 0 || !root_seen) {
    return Fail(ErrorCode::kInvalidArgument,
                "the test results are not a well-formed JUnit XML file");
  }
  return run;
}

// No network, no DTD loading, no entity substitution (XXE), errors not printed.
constexpr int kReaderOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

}  // namespace

Result<std::vector<Claim>> ParseClaimsManifest(std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  const auto* root = ec ? nullptr : v.if_object();
  const auto* list = root != nullptr ? root->if_contains("claims") : nullptr;
  if (list == nullptr || !list->is_array()) {
    return Fail(ErrorCode::kInvalidArgument, "the claims manifest is not {\"claims\": [...]}");
  }
  std::vector<Claim> out;
  for (const auto& item : list->as_array()) {
    const auto* o = item.if_object();
    if (o == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, "the claims manifest holds a non-object claim");
    }
    Claim c{.id = StringOf(*o, "id"),
            .section = StringOf(*o, "section"),
            .text = StringOf(*o, "text"),
            .tests = {}};
    if (c.id.empty() || c.text.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the claims manifest holds a claim without id or text");
    }
    if (const auto* t = o->if_contains("tests"); t != nullptr && t->is_array()) {
      for (const auto& name : t->as_array()) {
        if (name.is_string()) {
          c.tests.emplace_back(name.as_string());
        }
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<Claim>> ReadClaimsManifest(const std::filesystem::path& file) {
  ALCOVE_TRY_ASSIGN(const std::string text, Slurp(file, "the claims manifest"));
  return ParseClaimsManifest(text);
}

Result<TestRun> ParseJUnit(std::string_view xml) {
  if (xml.size() > kMaxFileBytes) {
    return Fail(ErrorCode::kInvalidArgument, "the test results are too large");
  }
  return ReadCases(xmlReaderForMemory(xml.data(), static_cast<int>(xml.size()), "results.xml",
                                      nullptr, kReaderOptions));
}

Result<TestRun> ReadJUnit(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Fail(ErrorCode::kNotFound, "the test results " + file.string() + " not found");
  }
  return ReadCases(xmlReaderForFile(file.c_str(), nullptr, kReaderOptions));
}

bool IsRunOf(std::string_view test_name, std::string_view suite_dot_name) {
  if (suite_dot_name.empty()) {
    return false;
  }
  // CTest appends "  # GetParam() = ..." to value-parameterised tests.
  if (const auto hash = test_name.find("  #"); hash != std::string_view::npos) {
    test_name = test_name.substr(0, hash);
  }
  while (!test_name.empty() && test_name.back() == ' ') {
    test_name.remove_suffix(1);
  }
  for (std::size_t at = test_name.find(suite_dot_name); at != std::string_view::npos;
       at = test_name.find(suite_dot_name, at + 1)) {
    const bool starts = at == 0 || test_name[at - 1] == '/';
    const std::size_t end = at + suite_dot_name.size();
    const bool ends = end == test_name.size() || test_name[end] == '/';
    if (starts && ends) {
      return true;
    }
  }
  return false;
}

std::string_view StandingName(Standing s) {
  switch (s) {
    case Standing::kKept:
      return "kept";
    case Standing::kNotKept:
      return "not_kept";
    case Standing::kNotVerified:
      return "not_verified";
  }
  return "not_verified";
}

SecurityReport Evaluate(const std::vector<Claim>& claims, const std::optional<TestRun>& run) {
  SecurityReport report;
  report.verified = run.has_value();
  if (run) {
    report.run_timestamp = run->timestamp;
    report.run_tests = static_cast<int>(run->cases.size());
    for (const auto& c : run->cases) {
      report.run_failed += c.outcome == Outcome::kFailed ? 1 : 0;
    }
  }
  for (const Claim& claim : claims) {
    ClaimStanding s{.claim = claim, .standing = Standing::kNotVerified, .tests = {}};
    bool any_passed = false;
    bool any_failed = false;
    for (const std::string& test : claim.tests) {
      ProvingTest p{.name = test, .result = run ? "not run" : "", .runs = 0};
      if (run) {
        bool passed = false;
        bool failed = false;
        bool skipped = false;
        for (const TestCase& c : run->cases) {
          if (!IsRunOf(c.name, test)) {
            continue;
          }
          ++p.runs;
          passed |= c.outcome == Outcome::kPassed;
          failed |= c.outcome == Outcome::kFailed;
          skipped |= c.outcome == Outcome::kSkipped;
        }
        p.result = failed ? "failed" : passed ? "passed" : skipped ? "skipped" : "not run";
        any_passed |= passed;
        any_failed |= failed;
      }
      s.tests.push_back(std::move(p));
    }
    if (run) {
      s.standing = any_passed && !any_failed ? Standing::kKept : Standing::kNotKept;
      report.kept += s.standing == Standing::kKept ? 1 : 0;
    }
    report.claims.push_back(std::move(s));
  }
  return report;
}

}  // namespace alcove::security
