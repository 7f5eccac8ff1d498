#include "service/credentials.hpp"

#include <sodium.h>

#include "record/crypto.hpp"

namespace deconflict::credentials {

std::string make_token() {
  record::ensure_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(bytes, sizeof bytes);
  return std::string("dcf_") + text;
}

std::string hash_token(std::string_view token) { return record::to_hex(record::sha256(token)); }

bool same_hash(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace deconflict::credentials
