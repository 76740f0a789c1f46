// `alcove doctor` through the binary (docs/security.md § Live posture): a development
// data directory reports the development certificate and outbox mail as warnings and
// exits 1; a deliberately weakened one (a world-readable key file, sslmode=require, a
// master-key version past the backup window) reports each with its fix; a deployment with
// everything in place exits 0. Nothing secret is printed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace alcove::testing {
namespace {

namespace fs = std::filesystem;

// The line of `out` that starts with `level` and names `title`, and the line after it.
std::string ItemOf(const std::string& out, const std::string& level, const std::string& title) {
  const std::string head = level + std::string(8 - level.size() + 1, ' ') + title + ":";
  const auto at = out.find(head);
  if (at == std::string::npos) {
    return "<no \"" + head + "\" in:\n" + out + ">";
  }
  const auto end = out.find('\n', out.find('\n', at) + 1);
  return out.substr(at, end - at);
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Doctor, ADevelopmentDirectoryWarnsOfItsCertificateAndItsOutboxMail) {
  TempDir tmp;
  const fs::path d = tmp / "var";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", d.string()}).exit_code, 0);
  const auto r = RunAlcove({"doctor", "--data-dir", d.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(
      ItemOf(r.out, "warning", "TLS certificate").find("development certificate for localhost"),
      std::string::npos)
      << r.out;
  EXPECT_NE(ItemOf(r.out, "warning", "TLS certificate").find("Fix: Install a certificate"),
            std::string::npos);
  EXPECT_NE(ItemOf(r.out, "warning", "Mail").find("Development mode"), std::string::npos);
  EXPECT_NE(ItemOf(r.out, "warning", "Mail").find("Fix: Set mail.mode = \"smtp\""),
            std::string::npos);
  EXPECT_NE(ItemOf(r.out, "warning", "Backups").find("No backup"), std::string::npos);
  EXPECT_NE(ItemOf(r.out, "ok", "Database").find("SQLite"), std::string::npos);
  EXPECT_NE(ItemOf(r.out, "ok", "Permissions of the data directory and key files")
                .find("private to this user"),
            std::string::npos);
  EXPECT_NE(ItemOf(r.out, "ok", "AI providers").find("nothing leaves it"), std::string::npos);
  EXPECT_NE(r.out.find("problem(s)."), std::string::npos);
  EXPECT_NE(ItemOf(r.out, "warning", "Security contact").find("mailto:security@localhost"),
            std::string::npos);

  // Nothing of the key file is printed.
  const std::string key_file = Slurp(d / "master.key");
  for (std::size_t at = key_file.find("key 1 "); at != std::string::npos;) {
    const std::string key = key_file.substr(at + 6, 44);
    EXPECT_EQ(r.out.find(key), std::string::npos);
    break;
  }
}

TEST(Doctor, AWeakenedDeploymentIsReportedItemByItemWithItsFix) {
  TempDir tmp;
  const fs::path d = tmp / "var";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", d.string()}).exit_code, 0);
  ASSERT_EQ(::chmod((d / "master.key").c_str(), 0644), 0);
  const auto r = RunAlcove(
      {"doctor", "--data-dir", d.string()},
      {{"ALCOVE_DATABASE_URL", "postgresql://alcove@db.example.org/alcove?sslmode=require"}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string files =
      ItemOf(r.out, "problem", "Permissions of the data directory and key files");
  EXPECT_NE(files.find("master key file"), std::string::npos) << files;
  EXPECT_NE(files.find("chmod 600"), std::string::npos) << files;
  const std::string db = ItemOf(r.out, "warning", "Database");
  EXPECT_NE(db.find("sslmode=require"), std::string::npos) << db;
  EXPECT_NE(db.find("Fix: Use sslmode=verify-full"), std::string::npos) << db;
  EXPECT_NE(ItemOf(r.out, "note", "Backups").find("pg_dump"), std::string::npos);
  // A world-readable key file is also a problem for the key file's own check.
  EXPECT_NE(ItemOf(r.out, "problem", "Master-key retirement and the backup window")
                .find("master key file"),
            std::string::npos);
}

TEST(Doctor, AMasterKeyVersionReplacedLongerAgoThanTheBackupWindowIsToBeRetired) {
  TempDir tmp;
  const fs::path d = tmp / "var";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", d.string()}).exit_code, 0);
  ASSERT_EQ(RunAlcove({"keys", "rotate", "--data-dir", d.string()}).exit_code, 0);
  // Version 1 was replaced just now: within any window.
  auto r = RunAlcove({"doctor", "--data-dir", d.string()});
  EXPECT_NE(ItemOf(r.out, "ok", "Master-key retirement and the backup window")
                .find("2 version(s), the current one version 2"),
            std::string::npos)
      << r.out;
  // Rewrite the replacement date into the past, as if the rotation were 90 days old.
  std::string text = Slurp(d / "master.key");
  const auto at = text.find("replaced=");
  ASSERT_NE(at, std::string::npos) << "rotate marks the old version replaced";
  text.replace(at + 9, 10, "2020-01-01");
  {
    std::ofstream out(d / "master.key", std::ios::trunc);
    out << text;
  }
  ASSERT_EQ(::chmod((d / "master.key").c_str(), 0600), 0);
  r = RunAlcove({"doctor", "--data-dir", d.string()});
  const std::string item = ItemOf(r.out, "warning", "Master-key retirement and the backup window");
  EXPECT_NE(item.find("version 1 (replaced 2020-01-01)"), std::string::npos) << item;
  EXPECT_NE(item.find("Fix: Retire them: alcove keys retire --data-dir"), std::string::npos)
      << item;
}

TEST(Doctor, ADeploymentWithEverythingInPlaceNeedsNothing) {
  TempDir tmp;
  const fs::path d = tmp / "var";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", d.string()}).exit_code, 0);
  // A certificate for alcove.example.org issued by a CA of the test's own.
  const std::string ca = (tmp / "ca.pem").string();
  const std::string ca_key = (tmp / "ca.key").string();
  const std::string csr = (tmp / "leaf.csr").string();
  const std::string ext = (tmp / "leaf.ext").string();
  std::ofstream(ext) << "subjectAltName=DNS:alcove.example.org\n";
  const std::string tls = (d / "tls").string();
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 "
      "-subj /CN=Test-CA -keyout " +
      ca_key + " -out " + ca +
      " && "
      "rm -f " +
      tls + "/cert.pem " + tls +
      "/key.pem && "
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-subj /CN=alcove.example.org -keyout " +
      tls + "/key.pem -out " + csr +
      " && "
      "openssl x509 -req -in " +
      csr + " -CA " + ca + " -CAkey " + ca_key + " -CAcreateserial -days 90 -extfile " + ext +
      " -out " + tls + "/cert.pem && chmod 600 " + tls + "/key.pem";
  ASSERT_EQ(std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()), 0) << cmd;
  const fs::path witness = tmp / "witness";
  fs::create_directory(witness);
  const std::map<std::string, std::string> env = {
      {"ALCOVE_SERVER_PUBLIC_ORIGIN", "https://alcove.example.org"},
      {"ALCOVE_AUDIT_WITNESS", witness.string()},
      {"ALCOVE_MAIL_MODE", "smtp"},
      {"ALCOVE_MAIL_SMTP_URL", "smtps://smtp.example.org:465"},
      {"ALCOVE_SECURITY_CONTACT", "mailto:security@alcove-practice.org"}};
  ASSERT_EQ(
      RunAlcove({"backup", "--data-dir", d.string(), "--out", (tmp / "b.alcove").string()}, env)
          .exit_code,
      0);
  const auto r = RunAlcove({"doctor", "--data-dir", d.string()}, env);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 warning(s), 0 problem(s). Nothing to fix."), std::string::npos) << r.out;
  EXPECT_NE(ItemOf(r.out, "ok", "TLS certificate").find("by CN=Test-CA"), std::string::npos);
  EXPECT_NE(ItemOf(r.out, "ok", "Backups").find("minutes ago"), std::string::npos);
  EXPECT_NE(ItemOf(r.out, "ok", "Audit log witness").find(witness.string()), std::string::npos);
}

TEST(Doctor, AConfigurationThatDoesNotLoadExitsTwo) {
  TempDir tmp;
  const auto r = RunAlcove({"doctor", "--data-dir", (tmp / "missing").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("alcove doctor:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace alcove::testing
