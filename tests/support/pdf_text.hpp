#pragma once

#include <string>

namespace alcove::testing {

// The text poppler's `pdftotext -layout` reads out of a PDF's bytes (written to a
// temporary file first); empty when pdftotext is missing or fails.
std::string PdfText(const std::string& pdf);

}  // namespace alcove::testing
