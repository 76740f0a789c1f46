#pragma once

// The measures' mail (issue #16, part "api"; docs/measures.md § Safety flag mail): the
// questionnaire link to a client, and the safety flag's notice to the therapist. Links
// only (C53): the client's mail is the link "/q/TOKEN"; the therapist's is the link to
// the client's questionnaires page `/clients/{id}/measures`, which needs sign-in. Neither
// says which instrument, what was answered, or whose it is.
//
// Thread-safety: every method may be called from any thread; Enqueue does not block.

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "identity/identity.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "mail/queue.hpp"
#include "measures/service.hpp"
#include "practice/practice.hpp"
#include "store/db.hpp"

namespace alcove::measures {

class MeasureMail {
 public:
  // Borrows everything; all must outlive it. `public_origin`: "https://host[:port]".
  MeasureMail(practice::Practice& practice, identity::Identity& identity, mail::Queue& mail,
              std::string public_origin)
      : practice_(practice),
        identity_(identity),
        mail_(mail),
        public_origin_(std::move(public_origin)) {}

  // The email address in the client's record, opened through practice (an audited read
  // of the record, C40). kNotFound as GetClient; kFailedPrecondition when the record
  // holds no address, or none that mail can go to (the words say so, not the address).
  Result<std::string> ClientAddress(const identity::TherapistScope& who, std::string_view client_id,
                                    const identity::Caller& caller);
  // Queues the questionnaire link `link` ("/q/TOKEN") to `address`.
  Status SendLink(std::string_view address, const crypto::SecretString& link);
  // Queues the flag notice to the account `assigned_by` (its sign-in address), linking to
  // `/clients/{client_id}/measures`. Failures are logged with ids only.
  void NotifyFlag(store::TenantId tenant, std::string_view assigned_by, std::string_view client_id);
  // NotifyFlag as Measures::SetFlagNotice takes it.
  Measures::FlagNotice FlagNotice();

 private:
  practice::Practice& practice_;
  identity::Identity& identity_;
  mail::Queue& mail_;
  std::string public_origin_;
};

}  // namespace alcove::measures
