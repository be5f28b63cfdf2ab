#include "handlers/http_encoding.hpp"

#include <openssl/evp.h>

#include <cstdio>

namespace jobforge::handlers {

std::string base64_encode(std::string_view bytes) {
  // EVP_EncodeBlock writes a NUL after its output, hence the extra byte.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  std::size_t written = 0;
  // It also takes an int length: feed it slices a multiple of 3 long, so no
  // padding lands in the middle.
  constexpr std::size_t slice = 3 * (1 << 20);
  for (std::size_t at = 0; at < bytes.size(); at += slice) {
    const std::string_view part = bytes.substr(at, slice);
    written += static_cast<std::size_t>(EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()) + written,
        reinterpret_cast<const unsigned char*>(part.data()), static_cast<int>(part.size())));
  }
  out.resize(written);
  return out;
}

std::string form_url_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

}  // namespace jobforge::handlers
