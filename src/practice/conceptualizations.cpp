// Case conceptualizations (the five Ps), versioned.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "crypto/field_cipher.hpp"
#include "crypto/sha.hpp"
#include "practice/alias.hpp"
#include "practice/internal.hpp"
#include "practice/practice.hpp"
#include "store/ids.hpp"

namespace alcove::practice {

Result<Conceptualization> Practice::CreateConceptualization(const TherapistScope& who,
                                                            std::string_view client_id,
                                                            Sections fields, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto sections,
                    Normalize(std::move(fields), kConceptualizationFields, "conceptualization"));
  ALCOVE_TRY_ASSIGN(auto key, ClientKeyOf(who, client_id));
  Conceptualization c{.id = store::NewId(),
                      .client_id = std::string(client_id),
                      .version = 1,
                      .created_at = clock_.Now(),
                      .fields = {}};
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed = cipher.Seal(EncodeSections(sections).reveal(),
                            {who.tenant(), "conceptualizations", "content", c.id});
  if (!sealed) {
    return std::unexpected(sealed.error());
  }
  c.fields = std::move(sections);
  return work_.Write(
      who, caller, [&](store::Transaction& tx) -> Result<Audited<Conceptualization>> {
        ALCOVE_TRY(LoadClient(tx, who, client_id));
        const store::Value q[] = {c.client_id, who.tenant()};
        ALCOVE_TRY_ASSIGN(auto next, tx.Query("SELECT COALESCE(MAX(version), 0) + 1 FROM "
                                              "conceptualizations WHERE client_id = $1 AND "
                                              "tenant_id = $2",
                                              q));
        c.version = next.front().Int(0);
        const store::Value params[] = {c.id,      who.tenant(),       c.client_id,
                                       c.version, std::move(*sealed), c.created_at};
        ALCOVE_TRY(
            tx.Execute("INSERT INTO conceptualizations (id, tenant_id, client_id, version, "
                       "content, created_at) "
                       "VALUES ($1, $2, $3, $4, $5, $6)",
                       params));
        AuditNote note{audit::Action::kRecordCreated, "conceptualization", c.id,
                       ClientDetails(c.client_id)};
        return Audited<Conceptualization>{std::move(c), std::move(note)};
      });
}

Result<std::vector<Conceptualization>> Practice::ListConceptualizations(const TherapistScope& who,
                                                                        std::string_view client_id,
                                                                        const Caller& caller) {
  ALCOVE_TRY_ASSIGN(std::vector<Conceptualization> out, LoadConceptualizations(who, client_id));
  ALCOVE_TRY(AuditRead(who, caller, audit::Action::kRecordAccessed, "conceptualizations", client_id,
                       client_id, static_cast<std::int64_t>(out.size())));
  return out;
}

Result<std::vector<Conceptualization>> Practice::LoadConceptualizations(
    const TherapistScope& who, std::string_view client_id) {
  std::vector<store::Row> rows;
  std::string id;
  crypto::KeyId key = 0;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto client, LoadClient(*tx, who, client_id));
    id = client.id;
    key = client.key_id;
    const store::Value params[] = {client.id, who.tenant()};
    ALCOVE_TRY_ASSIGN(
        auto r,
        tx->Query(
            "SELECT id, version, created_at, content FROM conceptualizations WHERE client_id = $1 "
            "AND tenant_id = $2 ORDER BY version DESC",
            params));
    rows = std::move(r);
  }
  std::vector<Conceptualization> out;
  const crypto::FieldCipher cipher(keys_, key);
  for (const auto& r : rows) {
    Conceptualization c{.id = r.Text(0),
                        .client_id = id,
                        .version = r.Int(1),
                        .created_at = r.Int(2),
                        .fields = {}};
    auto plain = cipher.Open(r.Blob(3), {who.tenant(), "conceptualizations", "content", c.id});
    if (!plain) {
      return std::unexpected(plain.error());
    }
    ALCOVE_TRY_ASSIGN(auto sections, DecodeSections(*plain));
    c.fields = std::move(sections);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace alcove::practice
