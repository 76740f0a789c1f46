#include "store/tenant_tables.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace alcove::store {

std::string TenantTablePolicySql(std::string_view table) {
  bool ok = !table.empty() && table.size() <= 63 && !(table[0] >= '0' && table[0] <= '9');
  for (const char c : table) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    throw std::logic_error("TenantTablePolicySql: table name must be a lowercase identifier");
  }
  return fmt::format(
      "ALTER TABLE {0} ENABLE ROW LEVEL SECURITY;\n"
      "ALTER TABLE {0} FORCE ROW LEVEL SECURITY;\n"
      "CREATE POLICY tenant_isolation ON {0}\n"
      "  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)\n"
      "  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);\n"
      "GRANT SELECT, INSERT, UPDATE, DELETE ON {0} TO {1};\n",
      table, kPostgresAppRole);
}

}  // namespace alcove::store
