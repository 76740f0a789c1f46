#include "support/pdf_text.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>

#include "support/temp_dir.hpp"

namespace alcove::testing {

std::string PdfText(const std::string& pdf) {
  TempDir dir;
  const auto file = dir.path() / "document.pdf";
  std::ofstream(file, std::ios::binary) << pdf;
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(
      ::popen(("pdftotext -layout '" + file.string() + "' -").c_str(), "r"), ::pclose);
  std::array<char, 4096> buf{};
  while (pipe) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe.get());
    if (n == 0) {
      break;
    }
    out.append(buf.data(), n);
  }
  return out;
}

}  // namespace alcove::testing
