#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

namespace alcove::testing {

// A file of shared/testvectors/wycheproof, parsed. A missing or malformed file fails
// the calling test (never a skip) and yields a null value.
boost::json::value LoadWycheproof(const std::string& file_name);

// A hex-string field of a vector as bytes; malformed hex fails the calling test.
std::vector<std::uint8_t> HexField(const boost::json::value& v);

}  // namespace alcove::testing
