#pragma once

// The security page (`/security`) and its JSON (`GET /api/v1/security`): every promise of
// CLAIMS.md in plain words, each with the tests that prove it and their result in this
// build's test run (security/claims.hpp; docs/security.md § The security page), and the
// disclosure policy. For anyone.

#include <memory>
#include <string>

#include "crypto/tokens.hpp"
#include "security/claims.hpp"
#include "security/posture.hpp"
#include "web/route_kit.hpp"
#include "web/templates.hpp"

namespace alcove::web {

struct SiteSettings;

// The live posture for the operator's section of the page: the checks of `alcove doctor`
// (run on each request) and the tokens `alcove doctor --web-link` issues.
inline constexpr std::string_view kOperatorPostureTokenPurpose = "operator_posture";
struct PostureSource {
  std::function<std::vector<security::PostureItem>()> check;
  crypto::TokenIssuer* tokens = nullptr;  // borrowed
};

// Adds GET /security and GET /api/v1/security, answering from `report` (made once, at
// start-up, from the claims manifest and the results file). With `posture.check` also
// the operator's section: POST /security/posture (the page with the live posture, for the
// holder of a token of kOperatorPostureTokenPurpose in the form field `token`) and
// GET /api/v1/security/posture (the same as JSON, the token as `Authorization: Bearer`);
// rate limited per address (class public_link); a wrong or expired token answers 401.
void AddSecurityRoutes(RouteKit& kit, const Templates& templates, const SiteSettings& site,
                       std::shared_ptr<const security::SecurityReport> report,
                       PostureSource posture = {});

// The report the page shows: the manifest's promises (none when `manifest` is empty)
// under the results of `results` (not verified when it is empty or missing). An
// unreadable manifest, or a results file that is there but not JUnit, is an error: the
// page never guesses.
Result<security::SecurityReport> LoadSecurityReport(const std::filesystem::path& manifest,
                                                    const std::filesystem::path& results);

}  // namespace alcove::web
