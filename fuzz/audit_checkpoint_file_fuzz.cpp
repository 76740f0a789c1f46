// Fuzzes the framing that readers of checkpoint files use when they hold only part of one
// (audit/checkpoint.cpp: FirstNoteLength for the streaming reader, LastNoteStart for the
// tail read at start-up), which also reads what a witness answers. Beyond "no crash",
// checks that they agree with ParseCheckpointFile: on a file it accepts, the last note
// found from the end is its last note, from the whole file and from any tail long enough
// to hold the blank line before it.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "audit/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)alcove::audit::FirstNoteLength(text);
  (void)alcove::audit::LastNoteStart(text, true);
  (void)alcove::audit::LastNoteStart(text, false);
  auto all = alcove::audit::ParseCheckpointFile(text);
  if (!all || all->empty()) {
    return 0;
  }
  const auto start = alcove::audit::LastNoteStart(text, true);
  if (!start || text.substr(*start, text.size() - 1 - *start) != all->back().text) {
    std::abort();
  }
  if (*start >= 2) {
    const auto tail = text.substr(*start - 2);
    const auto from_tail = alcove::audit::LastNoteStart(tail, false);
    if (!from_tail || *from_tail != 2) {
      std::abort();
    }
  }
  const auto first = alcove::audit::FirstNoteLength(text);
  if (!first || text.substr(0, *first) != all->front().text) {
    std::abort();
  }
  return 0;
}
