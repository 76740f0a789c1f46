#pragma once

// The live posture of a deployment (issue #20; docs/operations.md § Posture): what only
// the running deployment can know — its certificate, database transport, audit witness,
// backups and key retirement, mail, AI providers, file permissions, proxies — each item
// with what to do when it is not right. Made by `alcove doctor` (cli/doctor.hpp) and shown
// to the operator on the security page.

#include <string>
#include <string_view>
#include <vector>

namespace alcove::security {

enum class Level {
  kOk,    // as it should be
  kNote,  // worth knowing; nothing to fix (an outside AI provider named, say)
  kWarn,  // should be fixed before serving a practice (a development certificate)
  kFail,  // wrong now (a key file others can read, an expired certificate)
};

inline std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kOk:
      return "ok";
    case Level::kNote:
      return "note";
    case Level::kWarn:
      return "warning";
    case Level::kFail:
      return "problem";
  }
  return "problem";
}

struct PostureItem {
  std::string id;     // "tls.certificate"
  std::string title;  // "TLS certificate"
  Level level = Level::kOk;
  std::string detail;  // what was found, in plain words (never a secret)
  std::string fix;     // what to do, when level is kWarn or kFail
};

// True when any item is a warning or a problem.
inline bool NeedsAttention(const std::vector<PostureItem>& items) {
  for (const auto& i : items) {
    if (i.level == Level::kWarn || i.level == Level::kFail) {
      return true;
    }
  }
  return false;
}

}  // namespace alcove::security
