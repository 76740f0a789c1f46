#include "support/browser.hpp"

#include <atomic>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "web/http.hpp"

namespace alcove::testing {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out += c;
    } else if (u == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

Outbox::Mail ReadMail(const std::filesystem::path& file) {
  Outbox::Mail m{.file = file, .text = Slurp(file), .link = {}, .token = {}, .code = {}};
  std::istringstream lines(m.text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.starts_with("https://") && m.link.empty()) {
      m.link = line;
      const auto at = line.find("#token=");
      if (at != std::string::npos) {
        m.token = line.substr(at + 7);
      }
    }
    // The code's line: two halves of four code characters (mail::IsSignInCode).
    if (line.size() == 9 && line[4] == '-' && m.code.empty()) {
      const std::string code = line.substr(0, 4) + line.substr(5);
      if (code.find_first_not_of("23456789ABCDEFGHJKMNPQRSTUVWXYZ") == std::string::npos) {
        m.code = code;
      }
    }
  }
  return m;
}

// The To: header's value of an RFC 5322 message ("" if none).
std::string ToOf(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find("\r\n", pos);
    const std::string_view line(text.data() + pos,
                                (end == std::string::npos ? text.size() : end) - pos);
    if (line.empty()) {
      break;  // end of the header
    }
    if (line.starts_with("To:")) {
      return std::string(Trim(line.substr(3)));
    }
    if (end == std::string::npos) {
      break;
    }
    pos = end + 2;
  }
  return {};
}

}  // namespace

Browser::Browser(std::string origin, std::filesystem::path ca_file, std::string user_agent)
    : origin_(std::move(origin)),
      ca_file_(std::move(ca_file)),
      user_agent_(std::move(user_agent)) {}

HttpResult Browser::Request(const std::string& method, const std::string& path,
                            std::optional<std::string> body, std::vector<std::string> headers) {
  if (!cookies_.empty()) {
    std::string cookie = "Cookie: ";
    bool first = true;
    for (const auto& [name, value] : cookies_) {
      if (!first) {
        cookie += "; ";
      }
      first = false;
      cookie += name + "=" + value;
    }
    headers.push_back(std::move(cookie));
  }
  if (!user_agent_.empty()) {
    headers.push_back("User-Agent: " + user_agent_);
  }
  HttpResult r = Fetch(origin_ + path, {.method = method,
                                        .body = std::move(body),
                                        .headers = std::move(headers),
                                        .ca_file = ca_file_});
  Absorb(r);
  return r;
}

HttpResult Browser::Get(const std::string& path, std::vector<std::string> headers) {
  return Request("GET", path, std::nullopt, std::move(headers));
}

HttpResult Browser::SendJson(const std::string& method, const std::string& path,
                             const boost::json::value& body, std::vector<std::string> headers) {
  headers.emplace_back("Content-Type: application/json");
  return Request(method, path, boost::json::serialize(body), std::move(headers));
}

HttpResult Browser::PostForm(const std::string& path,
                             const std::vector<std::pair<std::string, std::string>>& fields,
                             std::vector<std::string> headers) {
  headers.emplace_back("Content-Type: application/x-www-form-urlencoded");
  return Request("POST", path, FormEncode(fields), std::move(headers));
}

std::optional<std::string> Browser::Cookie(const std::string& name) const {
  const auto it = cookies_.find(name);
  if (it == cookies_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void Browser::Absorb(const HttpResult& result) {
  for (const auto& [header, value] : result.headers) {
    if (!web::EqualsIgnoreCase(header, "Set-Cookie")) {
      continue;
    }
    std::string_view rest(value);
    const auto semi = rest.find(';');
    const std::string_view pair = Trim(rest.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const std::string name(Trim(pair.substr(0, eq)));
    const std::string cookie_value(Trim(pair.substr(eq + 1)));
    bool expired = cookie_value.empty();
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    while (!rest.empty()) {
      const auto next = rest.find(';');
      const std::string_view attr = Trim(rest.substr(0, next));
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
      if (attr.size() > 8 && web::EqualsIgnoreCase(attr.substr(0, 8), "Max-Age=")) {
        const std::string_view age = attr.substr(8);
        expired = expired || age == "0" || age.starts_with('-');
      }
    }
    if (expired) {
      cookies_.erase(name);
    } else {
      cookies_[name] = cookie_value;
    }
  }
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) {
      out += '&';
    }
    out += PercentEncode(name) + "=" + PercentEncode(value);
  }
  return out;
}

boost::json::value JsonOf(const HttpResult& result) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(result.body, ec);
  return ec ? boost::json::value() : v;
}

std::vector<Outbox::Mail> Outbox::All() const {
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file() && name.ends_with(".eml") && !name.starts_with(".")) {
      files.emplace_back(entry.last_write_time(ec), entry.path());
    }
  }
  // Oldest first: by write time, then by name (which starts with the second it was sent).
  std::sort(files.begin(), files.end());
  std::vector<Mail> out;
  for (const auto& [time, path] : files) {
    out.push_back(ReadMail(path));
  }
  return out;
}

std::optional<Outbox::Mail> Outbox::Next(std::string_view address, int wait_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    for (auto& mail : All()) {
      if (!taken_.contains(mail.file) && ToOf(mail.text) == address) {
        taken_.insert(mail.file);
        return std::move(mail);
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

namespace {

::testing::AssertionResult Answer(std::string_view step, const HttpResult& r) {
  return ::testing::AssertionFailure()
         << step << ": " << (r.ok ? "" : r.error + " ") << r.status << " " << r.body;
}

::testing::AssertionResult AwaitToken(Outbox& outbox, const std::string& email,
                                      std::string* token) {
  auto mail = outbox.Next(email);
  if (!mail) {
    return ::testing::AssertionFailure() << "no mail to " << email << " within 10 s";
  }
  if (mail->token.empty()) {
    return ::testing::AssertionFailure() << "the mail holds no #token= link:\n" << mail->text;
  }
  *token = mail->token;
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult RequestSignUp(Browser& b, Outbox& outbox, const std::string& email,
                                         const std::string& name,
                                         const std::optional<std::string>& password,
                                         std::string* token) {
  boost::json::object body{{"email", email}, {"name", name}};
  if (password) {
    body["password"] = *password;
  }
  const HttpResult r = b.PostJson("/api/v1/auth/signup", body);
  if (r.status != 202) {
    return Answer("POST /api/v1/auth/signup", r);
  }
  return AwaitToken(outbox, email, token);
}

::testing::AssertionResult RequestLink(Browser& b, Outbox& outbox, const std::string& email,
                                       std::string* token) {
  const HttpResult r = b.PostJson("/api/v1/auth/magic-link", boost::json::object{{"email", email}});
  if (r.status != 202) {
    return Answer("POST /api/v1/auth/magic-link", r);
  }
  return AwaitToken(outbox, email, token);
}

HttpResult Consume(Browser& b, const std::string& token) {
  return b.PostJson("/api/v1/auth/magic-link/consume", boost::json::object{{"token", token}});
}

HttpResult UseCode(Browser& b, const std::string& code) {
  return b.PostJson("/api/v1/auth/code", boost::json::object{{"code", code}});
}

::testing::AssertionResult SignUp(Browser& b, Outbox& outbox, const std::string& email,
                                  const std::string& name,
                                  const std::optional<std::string>& password) {
  std::string token;
  if (auto r = RequestSignUp(b, outbox, email, name, password, &token); !r) {
    return r;
  }
  const HttpResult r = Consume(b, token);
  if (r.status != 200 || !b.Cookie(kSessionCookie) || !b.Cookie(kDeviceCookie)) {
    return Answer("POST /api/v1/auth/magic-link/consume", r);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult SignInByLink(Browser& b, Outbox& outbox, const std::string& email) {
  std::string token;
  if (auto r = RequestLink(b, outbox, email, &token); !r) {
    return r;
  }
  const HttpResult r = Consume(b, token);
  if (r.status != 200 || !b.Cookie(kSessionCookie) || !b.Cookie(kDeviceCookie)) {
    return Answer("POST /api/v1/auth/magic-link/consume", r);
  }
  return ::testing::AssertionSuccess();
}

std::string CsrfToken(Browser& b) {
  const HttpResult r = b.Get("/api/v1/me");
  return r.status == 200 ? StringAt(JsonOf(r), "csrf_token") : std::string();
}

std::string StringAt(const boost::json::value& v, std::string_view key) {
  if (!v.is_object()) {
    return {};
  }
  const auto* member = v.as_object().if_contains(key);
  return member != nullptr && member->is_string() ? std::string(member->as_string())
                                                  : std::string();
}

std::map<std::string, std::string> RoomyRateLimits() {
  return {{"ALCOVE_RATE_LIMITS_SIGN_IN", "100000 per 1h burst 100000"},
          {"ALCOVE_RATE_LIMITS_MAGIC_LINK", "100000 per 1h burst 100000"},
          {"ALCOVE_RATE_LIMITS_CONSUME", "100000 per 1h burst 100000"},
          {"ALCOVE_RATE_LIMITS_PASSWORD", "100000 per 1h burst 100000"}};
}

std::string NewTestAddress(std::string_view tag) {
  static std::atomic<int> n{0};
  return std::string(tag) + "." + std::to_string(++n) + "@example.org";
}

}  // namespace alcove::testing
