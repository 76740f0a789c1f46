#pragma once

// Shared by the files of the practice service (not part of its interface): validation,
// the sealed sections encoding, error helpers and the client key. Content stays PhiString.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/secret.hpp"
#include "practice/practice.hpp"
#include "store/db.hpp"

namespace alcove::practice {

// What the service needs to know about a client to work under it.
struct Practice::ClientKey {
  std::string id;
  crypto::KeyId key_id = 0;
  std::string initials;
  std::int64_t ordinal = 1;
  ClientStatus status = ClientStatus::kActive;
  Micros created_at = 0;
};

// A note's metadata and its client's key (Practice::LoadNoteState).
struct Practice::NoteState {
  NoteInfo info;
  crypto::KeyId key_id = 0;
};

namespace internal {}

// The names every file of the service uses (this header is the service's own, not an
// interface: nothing outside src/practice/ includes it).
using crypto::PhiString;
using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::ClientDetails;
using identity::TherapistScope;
using namespace internal;  // NOLINT: this module's own helpers

namespace internal {

// kNotFound "no such <what>" (another tenant's id is the same: C20).
std::unexpected<Error> NotFound(std::string_view what);
// kInvalidArgument with both messages (neither may hold client content).
std::unexpected<Error> Invalid(std::string internal, std::string public_message);

// Text a person typed: valid UTF-8, at most `max` bytes, no control characters except
// (when `multiline`) tab, line feed and carriage return.
bool IsAcceptableText(std::string_view text, std::size_t max, bool multiline);
// "YYYY-MM-DD", a real calendar date.
bool IsDate(std::string_view d);

// Sections <-> the plaintext that is sealed: for each section, u32 name length, name,
// u32 text length, text (big-endian lengths).
crypto::PhiString EncodeSections(const Sections& sections);
Result<Sections> DecodeSections(const crypto::PhiString& bytes);
// `content` reduced to the sections `names` allows, in their order, each validated
// (kInvalidArgument naming the section, never its text); `what` names the record.
Result<Sections> Normalize(Sections content, std::span<const std::string_view> names,
                           std::string_view what);

// The columns of a note's row (alias n) that NoteFrom reads, and how many they are.
inline constexpr std::string_view kNoteColumns =
    "n.id, n.client_id, n.session_date, n.format, n.version, n.created_at, n.updated_at, "
    "n.session_time, n.duration_minutes, n.signed_at, n.voided_at";
inline constexpr std::size_t kNoteColumnCount = 11;
NoteInfo NoteFrom(const store::Row& r);
// kFailedPrecondition for a signed or voided note (no new version then).
Status Unlocked(const NoteInfo& note);

// The text of column `i`, or nullopt when it is NULL.
std::optional<std::string> OptText(const store::Row& row, std::size_t i);

}  // namespace internal
}  // namespace alcove::practice
