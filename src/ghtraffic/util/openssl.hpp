// OpenSSL objects owned by std::unique_ptr: the signing of a GitHub App's JWT and the mock's
// check of it hold keys, buffers and digest contexts this way.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>

#include <memory>

namespace ghtraffic::util {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

using Bio = std::unique_ptr<BIO, BioFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

}  // namespace ghtraffic::util
