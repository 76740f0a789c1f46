#include "identity/unit_of_work.hpp"

namespace alcove::identity {

audit::Details ClientDetails(std::string_view client_id) {
  audit::Details d;
  // A client id is a store id (32 hex), always a token; a malformed one is left out
  // rather than failing the change it describes.
  (void)d.SetToken("client", client_id);
  return d;
}

}  // namespace alcove::identity
