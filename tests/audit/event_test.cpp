// Audit events: typed, ids only, canonical bytes (C40, C43).
#include "audit/event.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/encoding.hpp"
#include "crypto/secret.hpp"
#include "store/ids.hpp"

namespace alcove::audit {
namespace {

// claim: C43 — client content (crypto::Phi<>) and secrets cannot be put in an event: the
// detail setters do not compile with them, and no field is assignable from them.
template <typename V>
concept DetailIntAccepts = requires(Details d, const V& v) {
  d.SetInt("k", v);
};
template <typename V>
concept DetailHashAccepts = requires(Details d, const V& v) {
  d.SetHash("k", v);
};
template <typename V>
concept DetailTokenAccepts = requires(Details d, const V& v) {
  d.SetToken("k", v);
};
template <typename V>
concept FieldAccepts = requires(Event e, const V& v) {
  e.object_id = v;
};

static_assert(DetailIntAccepts<std::int64_t>);
static_assert(DetailHashAccepts<crypto::Sha256Digest>);
static_assert(DetailTokenAccepts<std::string>);
static_assert(DetailTokenAccepts<std::string_view>);
static_assert(FieldAccepts<std::string>);
static_assert(!DetailIntAccepts<crypto::PhiString>);
static_assert(!DetailHashAccepts<crypto::Phi<crypto::Sha256Digest>>);
static_assert(!DetailTokenAccepts<crypto::PhiString>);
static_assert(!DetailTokenAccepts<crypto::Phi<std::vector<std::uint8_t>>>);
static_assert(!DetailTokenAccepts<crypto::SecretString>);
static_assert(!FieldAccepts<crypto::PhiString>);
static_assert(!FieldAccepts<crypto::SecretString>);

Event SampleEvent() {
  Event e;
  e.actor = *Actor::Account(store::NewId());
  e.tenant = 42;
  e.action = Action::kSignatureMade;
  e.object_type = "weekly_log";
  e.object_id = store::NewId();
  e.time = 1'795'000'000'000'000;
  e.client_ip = "2001:db8::1";
  e.user_agent_digest = UserAgentDigest("Mozilla/5.0 (X11; Linux x86_64)");
  EXPECT_TRUE(e.details.SetHash("content_sha256", crypto::Sha256(std::string_view("x"))));
  EXPECT_TRUE(e.details.SetInt("count", 3));
  EXPECT_TRUE(e.details.SetToken("status", "signed"));
  return e;
}

// claim: C43
TEST(AuditEventC43, DetailsAndFieldsHoldOnlyTokensNeverFreeText) {
  Details d;
  EXPECT_FALSE(d.SetToken("note", "Client said she feels better"));
  EXPECT_FALSE(d.SetToken("note", "Anna"));  // upper case is not a token
  EXPECT_FALSE(d.SetToken("Bad Key", "x"));
  EXPECT_FALSE(d.SetToken("k", ""));
  EXPECT_FALSE(d.SetToken("k", std::string(65, 'a')));
  EXPECT_TRUE(d.SetToken("k", std::string(64, 'a')));
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(d.SetInt("k" + std::to_string(i), i));
  }
  EXPECT_FALSE(d.SetInt("one_too_many", 1));
  EXPECT_TRUE(d.SetInt("k0", 7));  // replacing is fine

  Event e = SampleEvent();
  e.object_id = "free text";
  EXPECT_FALSE(Validate(e));
  e = SampleEvent();
  e.client_ip = "not an ip";
  EXPECT_FALSE(Validate(e));
  EXPECT_FALSE(Actor::Account("Jane Doe"));
  // The user agent is kept only as its SHA-256.
  e = SampleEvent();
  const auto bytes = EncodeEvent({.seq = 1, .id = store::NewId(), .event = e});
  const std::string text(bytes.begin(), bytes.end());
  EXPECT_EQ(text.find("Mozilla"), std::string::npos);
}

// claim: C40 — every auditable action has one distinct, stable name.
TEST(AuditEvent, EveryActionHasADistinctNameThatParsesBack) {
  std::set<std::string_view> names;
  for (const Action a : AllActions()) {
    const auto name = ActionName(a);
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(IsToken(name)) << name;
    EXPECT_EQ(ActionFromName(name), a);
    names.insert(name);
  }
  EXPECT_EQ(names.size(), AllActions().size());
  EXPECT_EQ(AllActions().size(), 30u);
  for (const char* required :
       {"auth.login.succeeded", "auth.magic_link.issued", "auth.magic_link.used",
        "auth.session.revoked", "record.accessed", "record.exported", "sharing.granted",
        "consent.given", "ai.used", "session_log.created", "session_log.edited",
        "session_log.deleted", "weekly_log.status_changed", "signature.made", "csv_import.started",
        "csv_import.completed", "key.rotated", "auth.magic_link.refused",
        "auth.session.device_mismatch", "auth.password.changed", "auth.account.created",
        "record.created", "record.updated", "record.deleted", "summary.reviewed", "reminder.sent"}) {
    EXPECT_TRUE(ActionFromName(required)) << required;
  }
}

TEST(AuditEvent, CanonicalBytesRoundTripAndAreFixed) {
  const LoggedEvent logged{.seq = 7, .id = store::NewId(), .event = SampleEvent()};
  const auto bytes = EncodeEvent(logged);
  EXPECT_EQ(bytes[0], 1);  // version
  auto back = DecodeEvent(bytes);
  ASSERT_TRUE(back) << back.error().internal;
  EXPECT_EQ(*back, logged);
  EXPECT_EQ(EncodeEvent(*back), bytes);

  // A fixed event has fixed bytes (docs/audit.md shows this layout).
  LoggedEvent fixed;
  fixed.seq = 1;
  fixed.id = std::string(32, 'a');
  fixed.event.action = Action::kLogout;
  fixed.event.time = 2;
  EXPECT_EQ(HexEncode(EncodeEvent(fixed)),
            "01"
            "0000000000000001"
            "00000020" +
                HexEncode(AsBytes(std::string(32, 'a'))) +
                "0000000000000002"
                "0000000000000000"
                "00000006" +
                HexEncode(AsBytes("system")) + "0000000b" + HexEncode(AsBytes("auth.logout")) +
                "00000000"
                "00000000"
                "00000000"
                "00000000"
                "00000000");
}

TEST(AuditEvent, DecodeRejectsEverythingEncodeWouldNotProduce) {
  const LoggedEvent logged{.seq = 7, .id = store::NewId(), .event = SampleEvent()};
  const auto bytes = EncodeEvent(logged);
  // Every truncation.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeEvent(std::span(bytes).first(n))) << n;
  }
  auto extra = bytes;
  extra.push_back(0);
  EXPECT_FALSE(DecodeEvent(extra));
  auto version = bytes;
  version[0] = 2;
  EXPECT_FALSE(DecodeEvent(version));
  // Every single-bit change either fails to decode or decodes to other bytes that
  // re-encode to exactly themselves (the encoding is canonical).
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto flipped = bytes;
    flipped[i] ^= 0x20;
    auto d = DecodeEvent(flipped);
    if (d) {
      EXPECT_EQ(EncodeEvent(*d), flipped) << i;
      EXPECT_NE(*d, logged) << i;
    }
  }
}

}  // namespace
}  // namespace alcove::audit
