#include "record/checkpoint.hpp"

#include <charconv>

namespace deconflict::record {
namespace {

constexpr unsigned char kEd25519 = 0x01, kCosignatureV1 = 0x04;
const std::string kDash = "\xE2\x80\x94";  // U+2014, which begins a signature line

std::string raw(const Digest& d) { return std::string(reinterpret_cast<const char*>(d.data()), d.size()); }

// SHA-256(name || "\n" || type || public key)[:4]
std::string key_id(const std::string& name, unsigned char type, const std::string& public_raw) {
  return raw(sha256(name + "\n" + std::string(1, static_cast<char>(type)) + public_raw)).substr(0, 4);
}

std::string signature_bytes(const SigningKey& key, const std::string& message) {
  return *bytes_from_hex(key.sign(message));
}

std::string cosigned_message(const std::string& body, int64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + body;
}

std::string big_endian(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

// The signature bytes of a line by `name` whose key id is `id`, or nothing.
std::optional<std::string> line_signature(const std::string& line, const std::string& name, const std::string& id) {
  const std::string prefix = kDash + " " + name + " ";
  if (line.rfind(prefix, 0) != 0) return std::nullopt;
  auto bytes = from_base64(line.substr(prefix.size()));
  if (!bytes || bytes->size() < 4 || bytes->substr(0, 4) != id) return std::nullopt;
  return bytes->substr(4);
}

Error bad(std::string why) { return make_error(ErrorCode::invalid_input, "checkpoint: " + std::move(why)); }

}  // namespace

std::string checkpoint_body(const std::string& origin, int64_t size, const Digest& root) {
  return origin + "\n" + std::to_string(size) + "\n" + to_base64(raw(root)) + "\n";
}

std::string note_signature(const std::string& name, const SigningKey& key, const std::string& body) {
  const std::string id = key_id(name, kEd25519, *bytes_from_hex(key.public_hex()));
  return kDash + " " + name + " " + to_base64(id + signature_bytes(key, body)) + "\n";
}

std::string cosignature(const std::string& name, const SigningKey& key, const std::string& body, int64_t timestamp) {
  const std::string id = key_id(name, kCosignatureV1, *bytes_from_hex(key.public_hex()));
  const std::string sig = signature_bytes(key, cosigned_message(body, timestamp));
  return kDash + " " + name + " " + to_base64(id + big_endian(static_cast<uint64_t>(timestamp)) + sig) + "\n";
}

std::string verifier_key(const std::string& name, const std::string& public_hex) {
  const std::string pk = *bytes_from_hex(public_hex);
  const std::string id = key_id(name, kEd25519, pk);
  return name + "+" + to_hex(reinterpret_cast<const unsigned char*>(id.data()), 4) + "+" +
         to_base64(std::string(1, static_cast<char>(kEd25519)) + pk);
}

Result<Checkpoint> parse_checkpoint(std::string_view note) {
  if (note.size() > 64 * 1024) return bad("longer than 64 KiB");
  for (const char ch : note) {
    if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n') return bad("a control character");
  }
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos || note.empty() || note.back() != '\n') {
    return bad("not a signed note (text, a blank line, signature lines)");
  }
  Checkpoint c;
  c.body = std::string(note.substr(0, split + 1));
  for (size_t at = split + 2; at < note.size();) {
    const size_t end = note.find('\n', at);
    c.signatures.emplace_back(note.substr(at, end - at));
    at = end + 1;
  }
  if (c.signatures.size() > 64) return bad("more than 64 signatures");
  std::vector<std::string> lines;
  for (size_t at = 0; at < c.body.size();) {
    const size_t end = c.body.find('\n', at);
    lines.push_back(c.body.substr(at, end - at));
    at = end + 1;
  }
  if (lines.size() < 3) return bad("fewer than three lines (origin, size, root)");
  c.origin = lines[0];
  const auto [end, ec] = std::from_chars(lines[1].data(), lines[1].data() + lines[1].size(), c.size);
  if (ec != std::errc() || end != lines[1].data() + lines[1].size() || c.size < 0 ||
      (lines[1].size() > 1 && lines[1][0] == '0')) {
    return bad("the size is not a decimal number");
  }
  const auto root = from_base64(lines[2]);
  if (!root || root->size() != 32) return bad("the root is not 32 bytes of base64");
  std::copy(root->begin(), root->end(), c.root.begin());
  return c;
}

bool verify_note(const Checkpoint& c, const std::string& name, const std::string& public_hex) {
  const auto pk = bytes_from_hex(public_hex);
  if (!pk || pk->size() != 32) return false;
  const std::string id = key_id(name, kEd25519, *pk);
  for (const std::string& line : c.signatures) {
    const auto sig = line_signature(line, name, id);
    if (sig && sig->size() == 64 &&
        verify_signature(public_hex, c.body, to_hex(reinterpret_cast<const unsigned char*>(sig->data()), 64))) {
      return true;
    }
  }
  return false;
}

std::optional<int64_t> verify_cosignature_line(const std::string& body, const std::string& line,
                                               const std::string& name, const std::string& public_hex) {
  const auto pk = bytes_from_hex(public_hex);
  if (!pk || pk->size() != 32) return std::nullopt;
  const auto sig = line_signature(line, name, key_id(name, kCosignatureV1, *pk));
  if (!sig || sig->size() != 72) return std::nullopt;
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | static_cast<unsigned char>((*sig)[static_cast<size_t>(i)]);
  if (t > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  const auto timestamp = static_cast<int64_t>(t);
  if (!verify_signature(public_hex, cosigned_message(body, timestamp),
                        to_hex(reinterpret_cast<const unsigned char*>(sig->data() + 8), 64))) {
    return std::nullopt;
  }
  return timestamp;
}

std::optional<int64_t> verify_cosignature(const Checkpoint& c, const std::string& name, const std::string& public_hex) {
  for (const std::string& line : c.signatures) {
    if (auto t = verify_cosignature_line(c.body, line, name, public_hex)) return t;
  }
  return std::nullopt;
}

}  // namespace deconflict::record
