#pragma once

#include <string>

#include "core/error.hpp"
#include "practice/practice.hpp"

namespace alcove::practice {

// The only thing the sharing code (the client portal, a later issue) will accept
// (claim C22): a summary the therapist has reviewed. It can be made from a Summary and
// nothing else; the overloads for notes are deleted, so no code path can turn a raw
// session note into something shareable — it does not compile
// (tests/practice/shareable_test.cpp).
class ShareableItem {
 public:
  // kFailedPrecondition unless the summary is reviewed.
  static Result<ShareableItem> FromSummary(const Summary& summary);
  static Result<ShareableItem> FromSummary(const Note&) = delete;
  static Result<ShareableItem> FromSummary(const NoteInfo&) = delete;

  const std::string& summary_id() const { return summary_id_; }
  const std::string& client_id() const { return client_id_; }

 private:
  ShareableItem(std::string summary_id, std::string client_id)
      : summary_id_(std::move(summary_id)), client_id_(std::move(client_id)) {}
  std::string summary_id_;
  std::string client_id_;
};

}  // namespace alcove::practice
