// The measures' mail (measure_mail.hpp).
#include "measures/measure_mail.hpp"

#include <spdlog/spdlog.h>

#include "store/ids.hpp"

namespace alcove::measures {

Result<std::string> MeasureMail::ClientAddress(const identity::TherapistScope& who,
                                               std::string_view client_id,
                                               const identity::Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto record, practice_.GetClient(who, client_id, caller));
  const auto& email = record.profile.email;
  if (!email || email->reveal().empty()) {
    return Fail(ErrorCode::kFailedPrecondition, "client without email",
                "This client has no email address in their record: add one, or share the "
                "link yourself.");
  }
  auto normalized = identity::NormalizeEmail(email->reveal());
  if (!normalized) {
    return Fail(ErrorCode::kFailedPrecondition, "client email not mailable",
                "The email address in this client's record cannot be mailed: correct it, or "
                "share the link yourself.");
  }
  return std::move(*normalized);
}

Status MeasureMail::SendLink(std::string_view address, const crypto::SecretString& link) {
  ALCOVE_TRY_ASSIGN(auto message,
                    mail::Message::Make(mail::MailKind::kQuestionnaireLink, address,
                                        public_origin_ + link.reveal(), public_origin_));
  return mail_.Enqueue(std::move(message));
}

void MeasureMail::NotifyFlag(store::TenantId tenant, std::string_view assigned_by,
                             std::string_view client_id) {
  auto send = [&]() -> Status {
    if (!store::IsValidId(client_id)) {
      return Fail(ErrorCode::kInternal, "flag notice: not a client id");
    }
    ALCOVE_TRY_ASSIGN(const auto account, identity_.AccountById(assigned_by));
    ALCOVE_TRY_ASSIGN(auto message, mail::Message::Make(mail::MailKind::kMeasureFlag, account.email,
                                                        public_origin_ + "/clients/" +
                                                            std::string(client_id) + "/measures",
                                                        public_origin_));
    return mail_.Enqueue(std::move(message));
  };
  if (auto st = send(); !st) {
    spdlog::warn("questionnaire flag notice for account {} of tenant {} not sent: {}", assigned_by,
                 tenant, st.error().internal);
  }
}

Measures::FlagNotice MeasureMail::FlagNotice() {
  return [this](store::TenantId tenant, std::string_view assigned_by, std::string_view client_id) {
    NotifyFlag(tenant, assigned_by, client_id);
  };
}

}  // namespace alcove::measures
