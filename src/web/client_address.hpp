#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "web/middleware.hpp"

namespace alcove::web {

// The reverse proxies whose X-Forwarded-For is believed (server.trusted_proxies). Each
// address is kept in its canonical text form, as the connection layer writes peers.
class TrustedProxies {
 public:
  TrustedProxies() = default;
  // "10.0.0.5, ::1" (comma-separated IP addresses; empty: none). kInvalidArgument,
  // naming the bad entry, for anything that is not an IP address.
  static Result<TrustedProxies> Parse(std::string_view list);
  bool Contains(std::string_view address) const;
  bool empty() const { return addresses_.empty(); }
  const std::vector<std::string>& addresses() const { return addresses_; }

 private:
  std::vector<std::string> addresses_;
};

// The client's address for a request from `peer`: the peer itself unless it is a trusted
// proxy; then the right-most X-Forwarded-For entry that is not a trusted proxy (the
// left-most entries are whatever the client chose to send, so they are never believed).
// A malformed entry where the real address should be leaves the proxy's own address.
std::string ClientAddress(std::string_view peer, std::optional<std::string_view> forwarded_for,
                          const TrustedProxies& trusted);

// A middleware that replaces Request::remote_address with ClientAddress (the first
// layer: rate limits, audit events and sessions then see the real client).
Middleware ClientAddresses(TrustedProxies trusted);

}  // namespace alcove::web
