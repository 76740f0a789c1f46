#include "crypto/field_ciphertext.hpp"

namespace alcove::crypto {

Error DecryptionFailedError() {
  return Error::Make(ErrorCode::kInternal, "decryption failed", "decryption failed");
}

Result<FieldCiphertextView> ParseFieldCiphertext(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kFieldOverhead || bytes[0] != kFieldFormatVersion) {
    return std::unexpected(DecryptionFailedError());
  }
  FieldCiphertextView view;
  view.key_id = (std::uint32_t{bytes[1]} << 24) | (std::uint32_t{bytes[2]} << 16) |
                (std::uint32_t{bytes[3]} << 8) | std::uint32_t{bytes[4]};
  view.nonce = bytes.subspan(1 + kFieldKeyIdSize, kFieldNonceSize);
  view.ciphertext_and_tag = bytes.subspan(kFieldHeaderSize);
  return view;
}

}  // namespace alcove::crypto
