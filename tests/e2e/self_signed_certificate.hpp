#pragma once
/// A self-signed certificate for 127.0.0.1 made in the test with OpenSSL's
/// C API (no tool needed), for the HTTPS tests.

#include "../support/temp_dir.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

namespace e2e {

/// A PEM certificate and its key in a temp folder.
struct certificate {
  std::string cert;
  std::string key;
};

inline void add_extension(X509* x, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext);
  REQUIRE(X509_add_ext(x, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

inline void write_pem(const std::string& path, const std::function<int(FILE*)>& write) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  REQUIRE(f);
  REQUIRE(write(f.get()) == 1);
}

/// A self-signed certificate for IP 127.0.0.1, valid for a day (P-256 key:
/// quick to make).
inline certificate make_certificate(jobforge::testing_support::temp_dir& dir,
                                    const std::string& name) {
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  REQUIRE(key);
  std::unique_ptr<X509, void (*)(X509*)> x(X509_new(), &X509_free);
  REQUIRE(x);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 24 * 3600);
  REQUIRE(X509_set_pubkey(x.get(), key.get()) == 1);
  X509_NAME* subject = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x.get(), subject);
  add_extension(x.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(x.get(), NID_subject_alt_name, "IP:127.0.0.1");
  REQUIRE(X509_sign(x.get(), key.get(), EVP_sha256()) > 0);

  certificate out{dir.file(name + ".crt"), dir.file(name + ".key")};
  write_pem(out.cert, [&](FILE* f) { return PEM_write_X509(f, x.get()); });
  write_pem(out.key, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

}  // namespace e2e
