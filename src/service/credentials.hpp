// Bearer tokens: made from 32 random bytes, shown once, stored only as a
// SHA-256 hash, compared in constant time (libsodium). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace deconflict::credentials {

/// A fresh token: "dcf_" and 43 URL-safe base64 characters.
std::string make_token();
/// The hex SHA-256 of a token, as stored.
std::string hash_token(std::string_view token);
/// Constant-time equality of two stored hashes.
bool same_hash(std::string_view a, std::string_view b);

}  // namespace deconflict::credentials
