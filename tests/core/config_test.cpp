#include "core/config.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "core/files.hpp"
#include "support/temp_dir.hpp"

namespace alcove {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void WriteToml(const std::string& text) {
    std::ofstream(dir_ / "alcove.toml") << text;
  }
  testing::TempDir dir_;
};

TEST_F(ConfigTest, DefaultFileLoadsWithDefaults) {
  WriteToml(DefaultConfigToml());
  auto c = LoadConfig(dir_.path(), {});
  ASSERT_TRUE(c) << c.error().internal;
  EXPECT_EQ(c->server.https_port, 8443);
  EXPECT_EQ(c->server.http_port, 8080);
  EXPECT_EQ(c->server.bind, "127.0.0.1");
  EXPECT_EQ(c->mail.mode, "outbox");
  EXPECT_EQ(c->PublicOrigin(8443), "https://localhost:8443");
}

TEST_F(ConfigTest, EnvironmentOverridesFileAndFlagsOverrideBoth) {
  WriteToml("[server]\nhttps_port = 9000\nhttp_port = 9001\n");
  auto from_file = LoadConfig(dir_.path(), {});
  ASSERT_TRUE(from_file);
  EXPECT_EQ(from_file->server.https_port, 9000);

  Environment env{{"ALCOVE_SERVER_HTTPS_PORT", "9100"}, {"PATH", "/bin"}};
  auto from_env = LoadConfig(dir_.path(), env);
  ASSERT_TRUE(from_env) << from_env.error().internal;
  EXPECT_EQ(from_env->server.https_port, 9100);
  EXPECT_EQ(from_env->server.http_port, 9001);

  auto from_flag = LoadConfig(dir_.path(), env, {{"server.https_port", "9200"}});
  ASSERT_TRUE(from_flag);
  EXPECT_EQ(from_flag->server.https_port, 9200);
}

TEST_F(ConfigTest, DatabaseUrlComesFromTheDocumentedVariable) {
  WriteToml("");
  auto c = LoadConfig(dir_.path(),
                      {{"ALCOVE_DATABASE_URL", "postgresql://alcove@db.internal/alcove"}});
  ASSERT_TRUE(c) << c.error().internal;
  EXPECT_EQ(c->database.url, "postgresql://alcove@db.internal/alcove");
}

TEST_F(ConfigTest, UnknownKeyInFileIsAnErrorNamingIt) {
  WriteToml("[server]\nhttps_prot = 1\n");
  auto c = LoadConfig(dir_.path(), {});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().internal.find("server.https_prot"), std::string::npos);
}

TEST_F(ConfigTest, UnknownSectionIsAnError) {
  WriteToml("[servre]\nbind = \"127.0.0.1\"\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
}

TEST_F(ConfigTest, TopLevelKeyIsAnError) {
  WriteToml("port = 1\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
}

TEST_F(ConfigTest, UnknownAlcoveVariableIsAnErrorNamingIt) {
  WriteToml("");
  auto c = LoadConfig(dir_.path(), {{"ALCOVE_SERVR_PORT", "1"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().internal.find("ALCOVE_SERVR_PORT"), std::string::npos);
}

TEST_F(ConfigTest, VariablesNamedAsSecretHoldersAreAccepted) {
  WriteToml("[database]\nurl = \"postgresql://app@db/alcove\"\npassword_env = \"ALCOVE_DB_PASSWORD\"\n");
  auto c = LoadConfig(dir_.path(), {{"ALCOVE_DB_PASSWORD", "s3cret"}, {"ALCOVE_MASTER_KEY", "x"}});
  ASSERT_TRUE(c) << c.error().internal;
  EXPECT_EQ(c->database.password_env, "ALCOVE_DB_PASSWORD");
}

TEST_F(ConfigTest, PasswordInsideDatabaseUrlIsRefused) {
  WriteToml("[database]\nurl = \"postgresql://app:hunter2@db/alcove\"\n");
  auto c = LoadConfig(dir_.path(), {});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().internal.find("password_env"), std::string::npos);
  // The secret itself is not repeated in the message.
  EXPECT_EQ(c.error().internal.find("hunter2"), std::string::npos);
}

TEST_F(ConfigTest, SecretHolderSettingMustBeAVariableName) {
  WriteToml("[mail]\nsmtp_password_env = \"my password\"\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
}

TEST_F(ConfigTest, WrongTypesAndRangesAreErrors) {
  WriteToml("[server]\nhttps_port = \"8443\"\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
  WriteToml("[server]\nhttps_port = 70000\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
  WriteToml("");
  EXPECT_FALSE(LoadConfig(dir_.path(), {{"ALCOVE_SERVER_HTTPS_PORT", "12ab"}}));
  EXPECT_FALSE(LoadConfig(dir_.path(), {{"ALCOVE_SERVER_HTTPS_PORT", "-1"}}));
}

TEST_F(ConfigTest, ShapedValuesAreValidated) {
  WriteToml("[server]\nbind = \"localhost\"\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
  WriteToml("[server]\npublic_origin = \"https://example.org/path\"\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
  WriteToml("[server]\npublic_origin = \"http://example.org\"\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
  WriteToml("[security]\ncontact = \"security@example.org\"\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
  WriteToml("[mail]\nmode = \"smtp\"\n");
  EXPECT_FALSE(LoadConfig(dir_.path(), {}));
  WriteToml("[server]\npublic_origin = \"https://alcove.example.org\"\n");
  auto ok = LoadConfig(dir_.path(), {});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->PublicOrigin(8443), "https://alcove.example.org");
}

TEST_F(ConfigTest, MalformedTomlNamesFileAndLine) {
  WriteToml("[server]\nbind = \n");
  auto c = LoadConfig(dir_.path(), {});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().internal.find("alcove.toml:2"), std::string::npos) << c.error().internal;
}

TEST_F(ConfigTest, MissingFileSaysHowToCreateOne) {
  auto c = LoadConfig(dir_.path(), {});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().internal.find("alcove init"), std::string::npos);
}

TEST_F(ConfigTest, EveryKnownKeyIsWrittenOrDocumented) {
  // docs/configuration.md must describe every setting the code accepts.
  auto doc = ReadSmallFile(std::filesystem::path(ALCOVE_SOURCE_DIR) / "docs/configuration.md",
                           1 << 20);
  ASSERT_TRUE(doc);
  for (const auto& key : KnownConfigKeys()) {
    EXPECT_NE(doc->find("`" + key + "`"), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace alcove

namespace alcove {
namespace {

TEST(ConfigDatabase, MigrationUrlFollowsTheSameRulesAsUrl) {
  testing::TempDir dir;
  auto load = [&](const std::string& toml, Environment env = {}) {
    std::ofstream(dir / "alcove.toml") << toml;
    return LoadConfig(dir.path(), env);
  };
  auto ok = load(
      "[database]\nurl = \"postgresql://alcove_app@db/alcove\"\n"
      "migration_url = \"postgresql://alcove_owner@db/alcove\"\n"
      "migration_password_env = \"ALCOVE_DB_OWNER_PASSWORD\"\n",
      {{"ALCOVE_DB_OWNER_PASSWORD", "x"}});
  ASSERT_TRUE(ok) << ok.error().internal;
  EXPECT_EQ(ok->database.migration_url, "postgresql://alcove_owner@db/alcove");
  auto with_password = load(
      "[database]\nurl = \"postgresql://alcove_app@db/alcove\"\n"
      "migration_url = \"postgresql://alcove_owner:pw@db/alcove\"\n");
  ASSERT_FALSE(with_password);
  EXPECT_NE(with_password.error().internal.find("database.migration_password_env"),
            std::string::npos);
  EXPECT_FALSE(load("[database]\nmigration_url = \"postgresql://o@db/a\"\n"));
  EXPECT_FALSE(load("[database]\nurl = \"postgresql://a@db/a\"\nmigration_url = \"mysql://o@db/a\"\n"));
}

}  // namespace
}  // namespace alcove
