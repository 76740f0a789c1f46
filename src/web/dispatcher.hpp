#pragma once

#include <cstddef>
#include <string_view>

#include "web/http.hpp"

namespace alcove::web {

// What the connection layer needs from an application: how to read a request's body
// (decided from the head alone, before any body byte is read) and how to answer.
// Thread-safety: both methods are called from many threads at once.
class Dispatcher {
 public:
  struct Plan {
    bool read_body = true;           // false: answer right after the head, then close
    std::size_t max_body_bytes = 0;  // larger bodies get 413 without being read
    bool runs_inline = false;        // answer on the I/O thread (never blocks)
    bool streaming_body = false;     // RouteOptions::streaming_body: read while handling
  };

  virtual ~Dispatcher() = default;
  // May remember what it worked out in `request` (Request::routing) for Handle.
  virtual Plan PlanFor(Request& request) const = 0;
  // Never throws: every failure becomes a response.
  virtual Response Handle(Request& request) const = 0;
};

}  // namespace alcove::web
