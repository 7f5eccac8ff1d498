// SHA-256 (OpenSSL, libsodium) and Ed25519 (libsodium), with hex at the boundaries.
//
//   Digest d = sha256("abc");
//   auto key = SigningKey::load_or_create("deconflict.db.key");   // 0600 file
//   std::string sig = key->sign(d);                                // hex
//   bool ok = verify_signature(key->public_hex(), d, sig);
//
// Thread-safe (libsodium is initialised once; OpenSSL's SHA-256 is fetched once
// and each thread keeps its own context).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "deconflict/status.hpp"

namespace deconflict::record {

using Digest = std::array<unsigned char, 32>;

/// Initialises libsodium once; every function here calls it. Throws if it cannot.
void ensure_sodium();

/// SHA-256, by OpenSSL (with the processor's SHA extensions where it has
/// them), or by libsodium when OpenSSL cannot give it.
Digest sha256(std::string_view bytes);
/// SHA-256 of the concatenation of a one-byte prefix and two digests (RFC 9162 nodes).
Digest sha256(unsigned char prefix, const Digest& a, const Digest* b = nullptr);
/// SHA-256 by libsodium alone: the fallback, and what tests hold sha256() to.
Digest sodium_sha256(std::string_view bytes);

/// HMAC-SHA-256 of `message` under the 32-byte `key` (RFC 2104).
Digest hmac_sha256(const Digest& key, std::string_view message);

std::string to_hex(const unsigned char* bytes, size_t n);
inline std::string to_hex(const Digest& d) { return to_hex(d.data(), d.size()); }
/// `bytes` bytes from libsodium's cryptographic generator, in hex.
std::string random_hex(size_t bytes);
/// Standard base64 with padding (RFC 4648 §4, as RFC 8941 byte sequences use).
std::string to_base64(std::string_view bytes);
/// The bytes of standard padded base64, or nothing when it is not that.
std::optional<std::string> from_base64(std::string_view text);
/// The bytes written in hex, or nothing when it is not hex.
std::optional<std::string> bytes_from_hex(std::string_view hex);
/// The digest written in hex, or nothing when it is not 64 hex digits.
std::optional<Digest> digest_from_hex(std::string_view hex);
/// The same for a hash anyone may read (the record's entry hashes, a million
/// of them at every opening), decoded by table: 0.11 CPU-s for the million
/// where libsodium's constant-time decoder took 0.39, in a time that depends
/// on the digits, so never for a secret (a key, an audience's seed).
std::optional<Digest> public_digest_from_hex(std::string_view hex);

/// True when `signature_hex` is the Ed25519 signature of `message` by `public_hex`.
bool verify_signature(std::string_view public_hex, std::string_view message, std::string_view signature_hex);
inline bool verify_signature(std::string_view public_hex, const Digest& d, std::string_view signature_hex) {
  return verify_signature(public_hex, std::string_view(reinterpret_cast<const char*>(d.data()), d.size()),
                          signature_hex);
}

/// An Ed25519 key pair kept in a file that only its owner can read.
class SigningKey {
 public:
  /// Reads the key at `path`; creates it (mode 0600) when `create` and there is none.
  static Result<SigningKey> load(const std::string& path, bool create);
  /// A fresh key, not yet written anywhere.
  static SigningKey generate();
  /// Writes the key to `path` (mode 0600), replacing any file there atomically.
  Status save(const std::string& path) const;

  const std::string& public_hex() const { return public_hex_; }
  /// A 32-byte key for `purpose`, derived from this one's secret (BLAKE2b),
  /// so that every node holding the key file derives the same.
  std::array<unsigned char, 32> derive(std::string_view purpose) const;
  std::string sign(std::string_view message) const;
  std::string sign(const Digest& d) const {
    return sign(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  }

 private:
  std::array<unsigned char, 64> secret_{};
  std::string public_hex_;
};

/// Turns numbers into opaque tokens that only the key's holder can read back:
/// the number and a context (whose it is) sealed with XChaCha20-Poly1305 under
/// a nonce derived from both, so one number always gives one token, and a
/// token tells nothing of its number nor of others.
class Sealer {
 public:
  explicit Sealer(const std::array<unsigned char, 32>& key) : key_(key) {}
  /// 96 hex digits.
  std::string seal(int64_t n, std::string_view context) const;
  /// The number, or nothing when the token was not sealed by this key for `context`.
  std::optional<int64_t> open(std::string_view token, std::string_view context) const;

 private:
  std::array<unsigned char, 32> key_;
};

}  // namespace deconflict::record
