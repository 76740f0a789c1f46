# Writes OUT, a C++ source that holds every instrument file under ROOT
# (src/measures/instruments/*.toml) as a string, for measures::BuiltInInstrumentFiles
# (src/measures/instruments.hpp). Run by the custom command in CMakeLists.txt, which lists
# the files as dependencies: editing one rebuilds.
#   cmake -DROOT=<dir> -DOUT=<file.cpp> -P embed_instruments.cmake
file(GLOB files RELATIVE ${ROOT} ${ROOT}/*.toml)
list(SORT files)
list(LENGTH files n)
set(delimiter "alcove_measure")
set(body "")
foreach(f IN LISTS files)
  file(READ ${ROOT}/${f} text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "instruments/${f} contains the raw-string delimiter )${delimiter}\"")
  endif()
  string(APPEND body "    {\"${f}\", R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()
set(content "// Generated from src/measures/instruments/*.toml by cmake/embed_instruments.cmake.
// Do not edit.
#include <array>

#include \"measures/instruments.hpp\"

namespace alcove::measures {
namespace {
// clang-format off
const std::array<InstrumentFile, ${n}> kFiles = {{
${body}}};
// clang-format on
}  // namespace

std::span<const InstrumentFile> BuiltInInstrumentFiles() { return kFiles; }

}  // namespace alcove::measures
")
file(WRITE ${OUT} "${content}")
