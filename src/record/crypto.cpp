#include "record/crypto.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <vector>

namespace deconflict::record {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

namespace {

template <size_t N>
bool from_hex(std::string_view hex, std::array<unsigned char, N>& out) {
  size_t len = 0;
  return hex.size() == 2 * N && sodium_hex2bin(out.data(), N, hex.data(), hex.size(), nullptr, &len, nullptr) == 0 &&
         len == N;
}

// The key file holds the 64-byte Ed25519 secret key (seed and public key) in hex.
constexpr size_t kSecretHex = 2 * crypto_sign_SECRETKEYBYTES;

}  // namespace

std::string random_hex(size_t bytes) {
  ensure_sodium();
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  return to_hex(buf.data(), buf.size());
}

namespace {

// SHA-256 by OpenSSL, which uses the processor's SHA extensions where it has
// them (libsodium does not): 0.17 against 0.66 us for a Merkle node's 65
// bytes on this project's AMD EPYC (docs/performance.md), and a million
// entries hashed three times each at every opening. The algorithm is fetched
// once; each thread keeps a context. When OpenSSL cannot give SHA-256 (a
// provider configuration without it), libsodium's is used.
struct EvpMdFree {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct EvpContextFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

const EVP_MD* openssl_sha256() {
  static const std::unique_ptr<EVP_MD, EvpMdFree> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return md.get();
}

// Hashes the concatenation of `parts`; false when OpenSSL could not.
bool openssl_digest(std::initializer_list<std::string_view> parts, Digest& out) {
  const EVP_MD* md = openssl_sha256();
  if (md == nullptr) return false;
  thread_local const std::unique_ptr<EVP_MD_CTX, EvpContextFree> context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex2(context.get(), md, nullptr) != 1) return false;
  for (const std::string_view part : parts) {
    if (EVP_DigestUpdate(context.get(), part.data(), part.size()) != 1) return false;
  }
  unsigned int length = 0;
  return EVP_DigestFinal_ex(context.get(), out.data(), &length) == 1 && length == out.size();
}

// The same by libsodium, which cannot fail.
Digest sodium_digest(std::initializer_list<std::string_view> parts) {
  ensure_sodium();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (const std::string_view part : parts) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  }
  Digest d;
  crypto_hash_sha256_final(&state, d.data());
  return d;
}

// SHA-256 of the concatenation of `parts`, by OpenSSL or else by libsodium.
Digest digest_of(std::initializer_list<std::string_view> parts) {
  Digest d;
  return openssl_digest(parts, d) ? d : sodium_digest(parts);
}

std::string_view bytes_of(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

}  // namespace

Digest sha256(std::string_view bytes) { return digest_of({bytes}); }

Digest sha256(unsigned char prefix, const Digest& a, const Digest* b) {
  const std::string_view prefix_byte(reinterpret_cast<const char*>(&prefix), 1);
  return digest_of({prefix_byte, bytes_of(a), b ? bytes_of(*b) : std::string_view()});
}

Digest sodium_sha256(std::string_view bytes) { return sodium_digest({bytes}); }

Digest hmac_sha256(const Digest& key, std::string_view message) {
  ensure_sodium();
  Digest d;
  crypto_auth_hmacsha256(d.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(), key.data());
  return d;
}

std::string to_hex(const unsigned char* bytes, size_t n) {
  std::string hex(2 * n + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, n);
  hex.pop_back();
  return hex;
}

std::string to_base64(std::string_view bytes) {
  ensure_sodium();
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  ensure_sodium();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::optional<std::string> bytes_from_hex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &len,
                     &end) != 0 ||
      end != hex.data() + hex.size() || len != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::optional<Digest> digest_from_hex(std::string_view hex) {
  Digest d;
  if (!from_hex(hex, d)) return std::nullopt;
  return d;
}

namespace {

// A hex digit's value (either case, as libsodium's decoder takes), 16 for
// any other byte.
constexpr std::array<unsigned char, 256> kHexDigit = [] {
  std::array<unsigned char, 256> t{};
  t.fill(16);
  for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<unsigned char>(c);
  for (int c = 0; c < 6; ++c) t['a' + c] = t['A' + c] = static_cast<unsigned char>(10 + c);
  return t;
}();

}  // namespace

std::optional<Digest> public_digest_from_hex(std::string_view hex) {
  Digest d;
  if (hex.size() != 2 * d.size()) return std::nullopt;
  unsigned any_bad = 0;  // bit 4 set by any byte that is not a digit
  for (size_t i = 0; i < d.size(); ++i) {
    const unsigned high = kHexDigit[static_cast<unsigned char>(hex[2 * i])];
    const unsigned low = kHexDigit[static_cast<unsigned char>(hex[2 * i + 1])];
    any_bad |= high | low;
    d[i] = static_cast<unsigned char>(high << 4 | low);
  }
  if (any_bad & 16) return std::nullopt;
  return d;
}

bool verify_signature(std::string_view public_hex, std::string_view message, std::string_view signature_hex) {
  ensure_sodium();
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk;
  std::array<unsigned char, crypto_sign_BYTES> sig;
  if (!from_hex(public_hex, pk) || !from_hex(signature_hex, sig)) return false;
  return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     pk.data()) == 0;
}

SigningKey SigningKey::generate() {
  ensure_sodium();
  SigningKey key;
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk;
  crypto_sign_keypair(pk.data(), key.secret_.data());
  key.public_hex_ = to_hex(pk.data(), pk.size());
  return key;
}

Result<SigningKey> SigningKey::load(const std::string& path, bool create) {
  ensure_sodium();
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    if (!create) return make_error(ErrorCode::io_error, "cannot read the record's signing key '" + path + "'", "key");
    SigningKey key = generate();
    if (Status st = key.save(path); !st) return st.error();
    return key;
  }
  char hex[kSecretHex + 2] = {};
  const size_t n = std::fread(hex, 1, sizeof hex, f);
  std::fclose(f);
  SigningKey key;
  if (n < kSecretHex || !from_hex(std::string_view(hex, kSecretHex), key.secret_)) {
    return make_error(ErrorCode::io_error, "'" + path + "' does not hold an Ed25519 key", "key");
  }
  sodium_memzero(hex, sizeof hex);
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk;
  crypto_sign_ed25519_sk_to_pk(pk.data(), key.secret_.data());
  key.public_hex_ = to_hex(pk.data(), pk.size());
  return key;
}

Status SigningKey::save(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, S_IRUSR | S_IWUSR);
  if (fd < 0) return make_error(ErrorCode::io_error, "cannot write the signing key '" + tmp + "'", "key");
  std::string hex = to_hex(secret_.data(), secret_.size()) + "\n";
  const bool written = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  sodium_memzero(hex.data(), hex.size());
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return make_error(ErrorCode::io_error, "cannot write the signing key '" + path + "'", "key");
  }
  return {};
}

std::string SigningKey::sign(std::string_view message) const {
  std::array<unsigned char, crypto_sign_BYTES> sig;
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return to_hex(sig.data(), sig.size());
}

std::array<unsigned char, 32> SigningKey::derive(std::string_view purpose) const {
  ensure_sodium();
  std::array<unsigned char, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                     secret_.data(), 32);  // keyed by the seed half of the secret
  return out;
}

namespace {

constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kSealed = 8 + crypto_aead_xchacha20poly1305_ietf_ABYTES;

std::array<unsigned char, 8> big_endian(int64_t n) {
  std::array<unsigned char, 8> b{};
  for (int i = 7; i >= 0; --i, n >>= 8) b[static_cast<size_t>(i)] = static_cast<unsigned char>(n & 0xff);
  return b;
}

}  // namespace

std::string Sealer::seal(int64_t n, std::string_view context) const {
  ensure_sodium();
  const auto plain = big_endian(n);
  std::array<unsigned char, kNonce + kSealed> out{};
  crypto_generichash_state state;
  crypto_generichash_init(&state, key_.data(), key_.size(), kNonce);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(context.data()), context.size());
  crypto_generichash_update(&state, plain.data(), plain.size());
  crypto_generichash_final(&state, out.data(), kNonce);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonce, &len, plain.data(), plain.size(),
                                             reinterpret_cast<const unsigned char*>(context.data()), context.size(),
                                             nullptr, out.data(), key_.data());
  return to_hex(out.data(), out.size());
}

std::optional<int64_t> Sealer::open(std::string_view token, std::string_view context) const {
  ensure_sodium();
  std::array<unsigned char, kNonce + kSealed> in{};
  if (!from_hex(token, in)) return std::nullopt;
  std::array<unsigned char, 8> plain{};
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &len, nullptr, in.data() + kNonce, kSealed,
                                                 reinterpret_cast<const unsigned char*>(context.data()), context.size(),
                                                 in.data(), key_.data()) != 0 ||
      len != plain.size()) {
    return std::nullopt;
  }
  int64_t n = 0;
  for (unsigned char b : plain) n = (n << 8) | b;
  return n;
}

}  // namespace deconflict::record
