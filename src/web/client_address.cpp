#include "web/client_address.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace alcove::web {
namespace {

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
    v.remove_prefix(1);
  }
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
    v.remove_suffix(1);
  }
  return v;
}

// The canonical text of an IP address (as inet_ntop writes it), or nullopt.
std::optional<std::string> Canonical(std::string_view text) {
  const std::string s(text);
  unsigned char buf[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    return std::string(inet_ntop(AF_INET, buf, out, sizeof out));
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return std::string(inet_ntop(AF_INET6, buf, out, sizeof out));
  }
  return std::nullopt;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view entry = Trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) {
      continue;
    }
    auto canonical = Canonical(entry);
    if (!canonical) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("server.trusted_proxies: `{}` is not an IP address", entry));
    }
    out.addresses_.push_back(std::move(*canonical));
  }
  return out;
}

bool TrustedProxies::Contains(std::string_view address) const {
  for (const auto& a : addresses_) {
    if (a == address) {
      return true;
    }
  }
  return false;
}

std::string ClientAddress(std::string_view peer, std::optional<std::string_view> forwarded_for,
                          const TrustedProxies& trusted) {
  if (!forwarded_for || !trusted.Contains(peer)) {
    return std::string(peer);
  }
  std::string_view rest = *forwarded_for;
  // From the right: each trusted hop appended the address it saw.
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view entry =
        Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    auto canonical = Canonical(entry);
    if (!canonical) {
      return std::string(peer);
    }
    if (!trusted.Contains(*canonical)) {
      return *canonical;
    }
  }
  return std::string(peer);
}

Middleware ClientAddresses(TrustedProxies trusted) {
  return [trusted = std::move(trusted)](Request& req, const Next& next) {
    if (!trusted.empty()) {
      req.remote_address =
          ClientAddress(req.remote_address, req.headers.Get("X-Forwarded-For"), trusted);
    }
    return next(req);
  };
}

}  // namespace alcove::web
