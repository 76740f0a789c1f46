#pragma once

// The security page's promises (issue #20; docs/security.md § The security page): every
// promise of CLAIMS.md with the tests that prove it, and whether this build's test run
// kept it. The promises and their tests come from the claims manifest the build writes
// (scripts/claims-manifest: a test proves the promises named in its name or in a
// `// claim:` comment above it); the results from CTest's JUnit file, which `make test`
// writes beside the build. Never a green mark without a run: without a results file every
// promise is "not verified in this build"; with one, a promise is kept only when at least
// one of its tests passed and none failed.
//
// Thread-safety: plain values and free functions.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace alcove::security {

struct Claim {
  std::string id;                  // "C05"
  std::string section;             // "Encryption"
  std::string text;                // the promise in plain words
  std::vector<std::string> tests;  // "Suite.Name" of the tests naming it
};

// kNotFound when the file is missing, kInvalidArgument when it is not a manifest.
Result<std::vector<Claim>> ReadClaimsManifest(const std::filesystem::path& file);
Result<std::vector<Claim>> ParseClaimsManifest(std::string_view json);

enum class Outcome { kPassed, kFailed, kSkipped };

struct TestCase {
  std::string name;  // CTest's name: "Engines/Suite.Name/sqlite  # GetParam() = ..."
  Outcome outcome = Outcome::kPassed;
};

struct TestRun {
  std::string timestamp;  // as CTest wrote it ("2026-12-03T14:03:17"), may be empty
  std::vector<TestCase> cases;
};

// CTest's JUnit output (`ctest --output-junit`). kNotFound when the file is missing,
// kInvalidArgument when it is not such a file. No network access and no external
// entities are ever loaded.
Result<TestRun> ReadJUnit(const std::filesystem::path& file);
Result<TestRun> ParseJUnit(std::string_view xml);

// Whether CTest's `test_name` is a run of the test `suite_dot_name` ("Suite.Name"):
// "Suite.Name", "Prefix/Suite.Name", "Suite.Name/param", with CTest's "  # GetParam()"
// comment after it.
bool IsRunOf(std::string_view test_name, std::string_view suite_dot_name);

enum class Standing { kKept, kNotKept, kNotVerified };
std::string_view StandingName(Standing s);  // "kept", "not_kept", "not_verified"

struct ProvingTest {
  std::string name;    // the test as named in the sources ("Suite.Name")
  std::string result;  // "passed", "failed", "skipped", "not run"
  int runs = 0;        // its runs in the results (parameters: one per engine, ...)
};

struct ClaimStanding {
  Claim claim;
  Standing standing = Standing::kNotVerified;
  std::vector<ProvingTest> tests;
};

struct SecurityReport {
  bool verified = false;  // a results file was read
  std::string run_timestamp;
  int run_tests = 0;
  int run_failed = 0;
  int kept = 0;
  std::vector<ClaimStanding> claims;
};

// Each promise's standing under `run` (nullopt: no results file).
SecurityReport Evaluate(const std::vector<Claim>& claims, const std::optional<TestRun>& run);

}  // namespace alcove::security
