# Writes OUT, a C++ source that holds every rules file under ROOT (rules/**/*.toml) as a
# string, for hours::BuiltInRulesFiles (src/hours/rules.hpp). Run by the custom command
# in CMakeLists.txt, which lists the files as dependencies: editing one rebuilds.
#   cmake -DROOT=<dir> -DOUT=<file.cpp> -P embed_rules.cmake
file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/*.toml)
list(SORT files)
list(LENGTH files n)
set(delimiter "alcove_rules")
set(body "")
foreach(f IN LISTS files)
  file(READ ${ROOT}/${f} text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "rules/${f} contains the raw-string delimiter )${delimiter}\"")
  endif()
  string(APPEND body "    {\"${f}\", R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()
set(content "// Generated from rules/**/*.toml by cmake/embed_rules.cmake. Do not edit.
#include <array>

#include \"hours/rules.hpp\"

namespace alcove::hours {
namespace {
// clang-format off
const std::array<RulesFile, ${n}> kFiles = {{
${body}}};
// clang-format on
}  // namespace

std::span<const RulesFile> BuiltInRulesFiles() { return kFiles; }

}  // namespace alcove::hours
")
file(WRITE ${OUT} "${content}")
