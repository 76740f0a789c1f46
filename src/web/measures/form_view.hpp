#pragma once

// A questionnaire's form as a person fills it in (docs/measures.md § The public form):
// reading the answers of a posted form against the instrument, and the form's template
// data (q_form.mustache). Shared by the public form /q/{token} and the client portal's
// signed-in form (/portal/questionnaires/{id}), so both ask the same questions the same
// way and refuse the same answers.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "measures/types.hpp"
#include "web/body.hpp"
#include "web/templates.hpp"

namespace alcove::web::measures_routes {

// The form's answers: one byte per item (measures::kNoAnswer where none), with what is
// wrong with each item (empty when nothing).
struct FormAnswers {
  std::vector<std::uint8_t> values;
  std::vector<std::string> problems;
  bool ok = true;
};

// Reads item1..itemN of `fields` against the instrument: a scored item needs one of its
// values; an unscored one may be left out. Other fields are ignored.
FormAnswers ReadAnswers(const measures::Instrument& in, const FormFields& fields);

// The form's data: the instrument, who asks (`practice`), and (when it comes again) the
// answers given and what is wrong; `csrf_token`, when not empty, goes in the form (a
// signed-in form; the public one has none).
TemplateData FormData(const measures::Instrument& in, std::string_view practice,
                      const FormAnswers* given, const std::string& error,
                      std::string_view csrf_token = "");

}  // namespace alcove::web::measures_routes
