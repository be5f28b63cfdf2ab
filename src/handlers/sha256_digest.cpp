#include "handlers/sha256_digest.hpp"

#include <array>

namespace jobforge::handlers {

sha256_digest::sha256_digest() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  valid_ = ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1;
}

void sha256_digest::update(std::string_view bytes) {
  if (valid_ && !bytes.empty())
    valid_ = EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) == 1;
}

std::string sha256_digest::hex() const {
  if (!valid_) return {};
  // Finalising consumes the context, so a copy is finalised: hex() may be
  // asked for more than once.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> copy(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1 ||
      EVP_DigestFinal_ex(copy.get(), digest.data(), &length) != 1)
    return {};
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned i = 0; i < length; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 0xf];
  }
  return out;
}

}  // namespace jobforge::handlers
