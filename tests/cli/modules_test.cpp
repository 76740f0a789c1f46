// The module registry (issue #11): one list walked by init, serve and the tests.
#include "cli/modules.hpp"

#include <gtest/gtest.h>

#include <set>

#include "cli/database.hpp"

namespace alcove::cli {
namespace {

TEST(Modules, OneListHoldsEveryModuleAndTheirMigrationsInOrder) {
  std::set<std::string_view> names;
  std::int32_t previous_max = 0;
  std::size_t total = 0;
  for (const Module& m : Modules()) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    ASSERT_NE(m.migrations, nullptr) << m.name;
    for (const store::Migration& mig : m.migrations()) {
      // Each module's versions come after the previous module's: ranges never overlap.
      EXPECT_GT(mig.version, previous_max) << m.name << " " << mig.name;
      ++total;
    }
    for (const store::Migration& mig : m.migrations()) {
      previous_max = std::max(previous_max, mig.version);
    }
  }
  EXPECT_EQ(AllMigrations().size(), total) << "init and serve apply exactly the list's migrations";
  EXPECT_TRUE(names.contains("practice"));
  EXPECT_TRUE(names.contains("identity"));
}

}  // namespace
}  // namespace alcove::cli
