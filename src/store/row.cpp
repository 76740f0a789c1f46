#include <stdexcept>

#include "store/db.hpp"

namespace alcove::store {
namespace {

template <typename T>
const T& Get(const Value& v, const char* what) {
  if (const T* p = std::get_if<T>(&v)) {
    return *p;
  }
  throw std::logic_error(std::string("column is not ") + what);
}

template <typename T>
std::optional<T> GetOptional(const Value& v, const char* what) {
  if (std::holds_alternative<Null>(v)) {
    return std::nullopt;
  }
  return Get<T>(v, what);
}

}  // namespace

std::int64_t Row::Int(std::size_t i) const { return Get<std::int64_t>(values_.at(i), "an integer"); }
const std::string& Row::Text(std::size_t i) const { return Get<std::string>(values_.at(i), "text"); }
const Bytes& Row::Blob(std::size_t i) const { return Get<Bytes>(values_.at(i), "bytes"); }
std::optional<std::int64_t> Row::OptionalInt(std::size_t i) const {
  return GetOptional<std::int64_t>(values_.at(i), "an integer");
}
std::optional<std::string> Row::OptionalText(std::size_t i) const {
  return GetOptional<std::string>(values_.at(i), "text");
}
std::optional<Bytes> Row::OptionalBlob(std::size_t i) const {
  return GetOptional<Bytes>(values_.at(i), "bytes");
}

}  // namespace alcove::store
