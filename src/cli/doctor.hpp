#pragma once

// `alcove doctor` (issue #20; docs/operations.md § Posture): the live posture of a data
// directory and its configuration, each item with what to do when it is not right. The
// same items are shown to the operator on the security page.

#include <vector>

#include "ai/provider.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "security/posture.hpp"

namespace alcove::cli {

// Every check, in a fixed order. Reads files and the configuration only: it opens no
// database connection and no key leaves crypto/. `running`: the server's AI providers
// (null: made from the configuration, as `alcove doctor` does).
std::vector<security::PostureItem> CheckPosture(const Config& config, const Environment& env,
                                                Micros now, const ai::Providers* running = nullptr);

// Prints the items and returns the exit status: 0 when all are ok or notes, 1 when any
// is a warning or a problem (2 when `web_link` was asked for and no link could be made).
// With `web_link`, also issues a reusable token valid for an hour (stored as its hash)
// and prints <origin>/security#token=<token>: the security page shows its holder the
// same items (the token in the fragment, which browsers never send).
int Doctor(const Config& config, bool web_link = false);

}  // namespace alcove::cli
