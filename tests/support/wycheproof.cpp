#include "support/wycheproof.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/encoding.hpp"

namespace alcove::testing {

boost::json::value LoadWycheproof(const std::string& file_name) {
  const auto path = std::filesystem::path(ALCOVE_TESTVECTORS_DIR) / "wycheproof" / file_name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing test vectors: " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto v = boost::json::parse(ss.str(), ec);
  EXPECT_FALSE(ec) << "malformed test vectors: " << path;
  return ec ? boost::json::value() : v;
}

std::vector<std::uint8_t> HexField(const boost::json::value& v) {
  auto bytes = HexDecode(std::string(v.as_string()));
  EXPECT_TRUE(bytes.has_value()) << "malformed hex in a test vector";
  return bytes.value_or(std::vector<std::uint8_t>{});
}

}  // namespace alcove::testing
