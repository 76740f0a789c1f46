#include "web/security_page.hpp"

#include <boost/json.hpp>

#include "web/app.hpp"
#include "web/body.hpp"

namespace alcove::web {

namespace json = boost::json;

namespace {

std::string StandingWords(const security::ClaimStanding& s) {
  switch (s.standing) {
    case security::Standing::kKept:
      return "Kept: every test that proves it passed in this build's test run.";
    case security::Standing::kNotKept: {
      for (const auto& t : s.tests) {
        if (t.result == "failed") {
          return "Not kept: a test that proves it failed in this build's test run.";
        }
      }
      return "Not kept: no test that proves it passed in this build's test run.";
    }
    case security::Standing::kNotVerified:
      return "Not verified in this build.";
  }
  return "Not verified in this build.";
}

std::string ResultWords(const security::ProvingTest& t) {
  if (t.result.empty()) {
    return "no result in this build";
  }
  if (t.runs > 1) {
    return t.result + " (" + std::to_string(t.runs) + " runs)";
  }
  return t.result;
}

TemplateData PageData(const security::SecurityReport& r, const SiteSettings& site) {
  TemplateData d;
  d.set("contact", site.security_contact);
  d.set("origin", site.public_origin);
  d.set("verified", r.verified);
  d.set("run_time",
        r.run_timestamp.empty() ? std::string("unknown time") : r.run_timestamp + " UTC");
  d.set("run_tests", std::to_string(r.run_tests));
  d.set("run_failed", std::to_string(r.run_failed));
  d.set("kept", std::to_string(r.kept));
  d.set("total", std::to_string(r.claims.size()));
  d.set("has_claims", !r.claims.empty());
  TemplateData sections{TemplateData::type::list};
  TemplateData current;
  TemplateData claims{TemplateData::type::list};
  std::string section;
  bool open = false;
  auto close = [&] {
    if (open) {
      current.set("claims", claims);
      sections.push_back(current);
    }
  };
  for (const auto& s : r.claims) {
    if (!open || s.claim.section != section) {
      close();
      section = s.claim.section;
      current = TemplateData();
      current.set("name", section.empty() ? std::string("Other promises") : section);
      current.set("slug", "section-" + std::to_string(sections.list_value().size() + 1));
      claims = TemplateData(TemplateData::type::list);
      open = true;
    }
    TemplateData c;
    c.set("id", s.claim.id);
    c.set("text", s.claim.text);
    c.set("standing", std::string(security::StandingName(s.standing)));
    c.set("standing_words", StandingWords(s));
    c.set("count", std::to_string(s.tests.size()));
    TemplateData tests{TemplateData::type::list};
    for (const auto& t : s.tests) {
      TemplateData row;
      row.set("name", t.name);
      row.set("result", ResultWords(t));
      row.set("failed", t.result == "failed");
      tests.push_back(row);
    }
    c.set("tests", tests);
    claims.push_back(c);
  }
  close();
  d.set("sections", sections);
  return d;
}

TemplateData PostureData(const std::vector<security::PostureItem>& items) {
  TemplateData list{TemplateData::type::list};
  int attention = 0;
  for (const auto& i : items) {
    TemplateData row;
    row.set("id", i.id);
    row.set("title", i.title);
    row.set("level", std::string(security::LevelName(i.level)));
    row.set("detail", i.detail);
    row.set("has_fix", !i.fix.empty() && i.level != security::Level::kOk);
    row.set("fix_label",
            std::string(i.level == security::Level::kNote ? "Keep in mind" : "What to do"));
    row.set("fix", i.fix);
    list.push_back(row);
    attention += i.level == security::Level::kWarn || i.level == security::Level::kFail ? 1 : 0;
  }
  TemplateData d;
  d.set("items", list);
  d.set("attention", std::to_string(attention));
  d.set("all_well", attention == 0);
  return d;
}

json::array PostureJson(const std::vector<security::PostureItem>& items) {
  json::array out;
  for (const auto& i : items) {
    out.push_back(json::object{{"id", i.id},
                               {"title", i.title},
                               {"level", security::LevelName(i.level)},
                               {"detail", i.detail},
                               {"fix", i.fix.empty() ? json::value(nullptr) : json::value(i.fix)}});
  }
  return out;
}

// Whether `token` is a live operator token (constant-time comparison of its hash inside
// TokenIssuer::Verify).
bool OperatorToken(const PostureSource& posture, std::string token) {
  if (posture.tokens == nullptr || token.size() != crypto::kTokenLength) {
    return false;
  }
  const crypto::Secret<std::string> secret(std::move(token));
  return posture.tokens->Verify(kOperatorPostureTokenPurpose, secret).has_value();
}

json::object ReportJson(const security::SecurityReport& r) {
  json::array claims;
  for (const auto& s : r.claims) {
    json::array tests;
    for (const auto& t : s.tests) {
      tests.push_back(
          json::object{{"name", t.name},
                       {"result", t.result.empty() ? json::value(nullptr) : json::value(t.result)},
                       {"runs", t.runs}});
    }
    claims.push_back(json::object{{"id", s.claim.id},
                                  {"section", s.claim.section},
                                  {"text", s.claim.text},
                                  {"standing", security::StandingName(s.standing)},
                                  {"tests", std::move(tests)}});
  }
  json::value run = nullptr;
  if (r.verified) {
    run = json::object{
        {"timestamp", r.run_timestamp}, {"tests", r.run_tests}, {"failed", r.run_failed}};
  }
  return {{"verified", r.verified},
          {"run", std::move(run)},
          {"kept", r.kept},
          {"claims", std::move(claims)}};
}

}  // namespace

Result<security::SecurityReport> LoadSecurityReport(const std::filesystem::path& manifest,
                                                    const std::filesystem::path& results) {
  std::vector<security::Claim> claims;
  if (!manifest.empty()) {
    ALCOVE_TRY_ASSIGN(claims, security::ReadClaimsManifest(manifest));
  }
  std::optional<security::TestRun> run;
  if (!results.empty()) {
    auto read = security::ReadJUnit(results);
    if (read) {
      run = std::move(*read);
    } else if (read.error().code != ErrorCode::kNotFound) {
      return std::unexpected(read.error());
    }
  }
  return security::Evaluate(claims, run);
}

void AddSecurityRoutes(RouteKit& kit, const Templates& templates, const SiteSettings& site,
                       std::shared_ptr<const security::SecurityReport> report,
                       PostureSource posture) {
  const Templates* t = &templates;
  const SiteSettings s = site;
  const bool has_posture = static_cast<bool>(posture.check);
  kit.Add("GET", "/security", ForAnyone([t, s, report, has_posture](Request&) -> Result<Response> {
            TemplateData d = PageData(*report, s);
            d.set("operator_form", has_posture);
            return Response::Html(200, t->RenderPage("security", "Security at Alcove", d));
          }));
  kit.Add("GET", "/api/v1/security", ForAnyone([report](Request&) -> Result<Response> {
            return JsonResponse(200, ReportJson(*report));
          }));
  if (!has_posture) {
    return;
  }
  const RouteOptions limited{.max_body_bytes = 4 * 1024, .rate_class = "public_link"};
  kit.Add("POST", "/security/posture",
          ForAnyone([t, s, report, posture](Request& req) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const FormFields form, FormBody(req));
            TemplateData d = PageData(*report, s);
            d.set("operator_form", true);
            if (!OperatorToken(posture, FormValue(form, "token"))) {
              d.set("posture_refused", true);
              return Response::Html(401, t->RenderPage("security", "Security at Alcove", d));
            }
            d.set("posture", PostureData(posture.check()));
            return Response::Html(200, t->RenderPage("security", "Security at Alcove", d));
          }),
          limited);
  kit.Add("GET", "/api/v1/security/posture", ForAnyone([posture](Request& req) -> Result<Response> {
            std::string token = std::string(req.headers.Get("Authorization").value_or(""));
            token = token.starts_with("Bearer ") ? token.substr(7) : std::string();
            if (!OperatorToken(posture, std::move(token))) {
              return Fail(ErrorCode::kUnauthenticated, "no valid operator posture token",
                          "Run alcove doctor --web-link on the server for a link that works for an "
                          "hour.");
            }
            const auto items = posture.check();
            return JsonResponse(200,
                                json::object{{"needs_attention", security::NeedsAttention(items)},
                                             {"items", PostureJson(items)}});
          }),
          limited);
}

}  // namespace alcove::web
