#pragma once
/// A SHA-256 computed piece by piece (OpenSSL EVP), for files read in chunks.

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace jobforge::handlers {

/// Feeds bytes in any number of pieces, then yields the lowercase hex digest.
class sha256_digest {
 public:
  sha256_digest();
  /// False if OpenSSL could not set up the digest (out of memory).
  bool valid() const { return valid_; }
  void update(std::string_view bytes);
  /// The digest of everything fed so far, as 64 lowercase hex digits.
  std::string hex() const;

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
  bool valid_ = false;
};

}  // namespace jobforge::handlers
