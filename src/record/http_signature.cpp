#include "record/http_signature.hpp"

#include <cctype>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "record/canonical.hpp"

namespace deconflict::record {
namespace {

// The components every act's signature covers, and the only ones.
const std::vector<std::string> kCovered = {"@method", "@target-uri", "content-digest"};

Error refused(std::string why) { return make_error(ErrorCode::unauthorized, "signature: " + std::move(why)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An RFC 8941 key: lowercase letter or '*', then lowercase, digits, _ - . *
size_t key_length(std::string_view s) {
  if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '*')) return 0;
  size_t n = 1;
  while (n < s.size() &&
         (std::islower(static_cast<unsigned char>(s[n])) || std::isdigit(static_cast<unsigned char>(s[n])) ||
          std::string_view("_-.*").find(s[n]) != std::string_view::npos)) {
    ++n;
  }
  return n;
}

// An RFC 8941 string at the front of `s` (consumed): printable ASCII, with
// \" and \\ as its only escapes.
std::optional<std::string> take_string(std::string_view& s) {
  if (s.empty() || s[0] != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      s.remove_prefix(i + 1);
      return out;
    }
    if (c == '\\') {
      if (++i == s.size() || (s[i] != '"' && s[i] != '\\')) return std::nullopt;
      out += s[i];
    } else if (c < 0x20 || c > 0x7e) {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return std::nullopt;
}

// The single member "label=VALUE" of a dictionary field; more than one member
// is refused (one act, one signature).
Result<std::pair<std::string, std::string_view>> single_member(std::string_view field, const char* name) {
  field = trim(field);
  const size_t n = key_length(field);
  if (n == 0 || n >= field.size() || field[n] != '=') return refused(std::string(name) + " is not label=value");
  return std::pair<std::string, std::string_view>{std::string(field.substr(0, n)), field.substr(n + 1)};
}

// The parameters of Signature-Input after its inner list.
struct Params {
  std::map<std::string, std::string> strings;
  std::map<std::string, int64_t> integers;
};

Result<Params> read_params(std::string_view s) {
  Params p;
  while (!s.empty()) {
    if (s[0] != ';') return refused("Signature-Input parameters are not ;key=value");
    s.remove_prefix(1);
    const size_t n = key_length(s);
    if (n == 0 || n >= s.size() || s[n] != '=') return refused("Signature-Input parameters are not ;key=value");
    const std::string key(s.substr(0, n));
    s.remove_prefix(n + 1);
    if (p.strings.count(key) || p.integers.count(key)) return refused("parameter " + key + " is given twice");
    if (!s.empty() && s[0] == '"') {
      auto v = take_string(s);
      if (!v) return refused("parameter " + key + " is not a well-formed string");
      p.strings[key] = std::move(*v);
    } else {
      int64_t v = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || end == s.data() || end - s.data() > 15) {
        return refused("parameter " + key + " is neither a string nor an integer");
      }
      s.remove_prefix(static_cast<size_t>(end - s.data()));
      p.integers[key] = v;
    }
  }
  return p;
}

// The covered components of Signature-Input's inner list, and the rest.
Result<std::vector<std::string>> read_components(std::string_view& s) {
  if (s.empty() || s[0] != '(') return refused("Signature-Input is not an inner list");
  s.remove_prefix(1);
  std::vector<std::string> out;
  while (!s.empty() && s[0] != ')') {
    if (!out.empty()) {
      if (s[0] != ' ') return refused("Signature-Input's components are not separated by spaces");
      s.remove_prefix(1);
    }
    auto c = take_string(s);
    if (!c) return refused("Signature-Input's components are not strings");
    out.push_back(std::move(*c));
  }
  if (s.empty()) return refused("Signature-Input's inner list is not closed");
  s.remove_prefix(1);
  return out;
}

Status read_params_into(Statement& st, std::string_view params_text) {
  std::string_view rest = params_text;
  auto components = read_components(rest);
  if (!components) return components.error();
  std::vector<std::string> sorted = *components;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != kCovered) return refused("it must cover exactly \"@method\" \"@target-uri\" \"content-digest\"");
  auto params = read_params(rest);
  if (!params) return params.error();
  const auto str = [&](const char* k) { return params->strings.count(k) ? params->strings.at(k) : std::string(); };
  if (params->strings.count("alg") && str("alg") != "ed25519") return refused("alg must be ed25519");
  if (!params->integers.count("created")) return refused("created is missing");
  st.created = params->integers.at("created");
  st.key = str("keyid");
  if (st.key.size() != 64 || !bytes_from_hex(st.key)) return refused("keyid must be the key's 64 hex digits");
  st.nonce = str("nonce");
  if (st.nonce.size() < 16 || st.nonce.size() > 128) return refused("nonce must have 16 to 128 characters");
  st.signature_params = std::string(params_text);
  return {};
}

std::string_view path_of(std::string_view uri) {
  const size_t scheme = uri.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : uri.find('/', scheme + 3);
  if (start == std::string_view::npos) return "/";
  uri.remove_prefix(start);
  return uri.substr(0, uri.find('?'));
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (size_t at = 1; at <= path.size();) {
    const size_t end = std::min(path.find('/', at), path.size());
    out.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

std::string singular(std::string_view collection) {
  if (collection == "zones") return "zone";
  if (collection == "sites") return "site";
  if (collection == "activities") return "activity";
  return "";
}

}  // namespace

std::string content_digest(std::string_view body) {
  const Digest d = sha256(body);
  return "sha-256=:" + to_base64(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())) + ":";
}

SignedHeaders sign_request(std::string_view method, std::string_view target_uri, std::string_view body,
                           const SigningKey& key, int64_t created, std::string_view nonce) {
  Statement s;
  s.method = method;
  s.target_uri = target_uri;
  s.content_digest = content_digest(body);
  s.signature_params = R"(("@method" "@target-uri" "content-digest");created=)" + std::to_string(created) +
                       R"(;keyid=")" + key.public_hex() + R"(";alg="ed25519";nonce=")" + std::string(nonce) + "\"";
  const std::string signature = *bytes_from_hex(key.sign(signature_base(s)));
  return {s.content_digest, "act=" + s.signature_params, "act=:" + to_base64(signature) + ":"};
}

Result<Statement> read_statement(std::string method, std::string target_uri, std::string body,
                                 std::string_view content_digest_field, std::string_view signature_input_field,
                                 std::string_view signature_field) {
  if (signature_input_field.empty() || signature_field.empty())
    return refused("Signature-Input and Signature are required");
  if (content_digest_field.empty()) return refused("Content-Digest is required");
  Statement st;
  st.method = std::move(method);
  st.target_uri = std::move(target_uri);
  st.body = std::move(body);
  st.content_digest = std::string(trim(content_digest_field));
  auto input = single_member(signature_input_field, "Signature-Input");
  if (!input) return input.error();
  auto sig = single_member(signature_field, "Signature");
  if (!sig) return sig.error();
  if (sig->first != input->first) return refused("Signature and Signature-Input name different labels");
  if (Status ok = read_params_into(st, input->second); !ok) return ok.error();
  const std::string_view value = sig->second;
  if (value.size() < 2 || value.front() != ':' || value.back() != ':') return refused("Signature is not :base64:");
  st.signature = std::string(value.substr(1, value.size() - 2));
  return st;
}

std::string signature_base(const Statement& s) {
  std::string_view rest = s.signature_params;
  auto components = read_components(rest);
  std::string base;
  for (const std::string& c : components ? *components : kCovered) {
    const std::string& value = c == "@method" ? s.method : c == "@target-uri" ? s.target_uri : s.content_digest;
    base += "\"" + c + "\": " + value + "\n";
  }
  return base + "\"@signature-params\": " + s.signature_params;
}

Status verify_statement(const Statement& s) {
  // Content-Digest may list several algorithms; its sha-256 must be the body's.
  const std::string want = content_digest(s.body);
  bool digest_ok = false;
  for (std::string_view rest = s.content_digest; !rest.empty();) {
    const size_t comma = rest.find(',');
    if (trim(rest.substr(0, comma)) == want) digest_ok = true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (!digest_ok) return refused("Content-Digest has no sha-256 of the body, or not this body's");
  const auto raw = from_base64(s.signature);
  if (!raw || raw->size() != 64) return refused("Signature is not 64 bytes of base64");
  if (!verify_signature(s.key, signature_base(s), to_hex(reinterpret_cast<const unsigned char*>(raw->data()), 64))) {
    return refused("it is not a valid signature of this request by key " + s.key.substr(0, 16) + "...");
  }
  return {};
}

std::string statement_json(const Statement& s) {
  return *canonical(nlohmann::json{{"body", s.body},
                                   {"content_digest", s.content_digest},
                                   {"method", s.method},
                                   {"signature", s.signature},
                                   {"signature_params", s.signature_params},
                                   {"target_uri", s.target_uri}});
}

Result<Statement> statement_from_json(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return refused("the statement is not a JSON object");
  Statement s;
  try {
    s.body = j.at("body").get<std::string>();
    s.content_digest = j.at("content_digest").get<std::string>();
    s.method = j.at("method").get<std::string>();
    s.signature = j.at("signature").get<std::string>();
    s.target_uri = j.at("target_uri").get<std::string>();
    if (Status ok = read_params_into(s, j.at("signature_params").get<std::string>()); !ok) return ok.error();
  } catch (const nlohmann::json::exception&) {
    return refused("the statement lacks a member or has one of the wrong type");
  }
  return s;
}

std::optional<Act> act_of(std::string_view method, std::string_view uri_or_path) {
  const auto seg = segments(path_of(uri_or_path));
  if (seg.size() < 2 || seg[0] != "v1") return std::nullopt;
  const std::string type = singular(seg[1]);
  const auto id = seg.size() > 2 ? std::string(seg[2]) : std::string();
  if (!type.empty()) {
    if (seg.size() == 2 && method == "POST") return Act{type + ".create", ""};
    if (seg.size() == 3 && method == "PUT") return Act{type + ".replace", id};
    if (seg.size() == 3 && method == "DELETE") return Act{type + (type == "activity" ? ".withdraw" : ".retire"), id};
    if (seg.size() == 4 && method == "POST" && type == "zone" && (seg[3] == "accept" || seg[3] == "decline")) {
      return Act{"zone." + std::string(seg[3]), id};
    }
    return std::nullopt;
  }
  if (seg[1] == "notices" && seg.size() == 4 && method == "POST") {
    if (seg[3] == "ack") return Act{"notice.acknowledge", id};
    if (seg[3] == "object") return Act{"notice.object", id};
  }
  if (seg[1] == "messages" && seg.size() == 2 && method == "POST") return Act{"message", ""};
  if (seg[1] == "keys" && seg.size() == 2 && method == "POST") return Act{"party.key.add", ""};
  if (seg[1] == "keys" && seg.size() == 3 && method == "DELETE") return Act{"party.key.revoke", id};
  return std::nullopt;
}

std::string act_subject(std::string_view action, const std::string& subject, const std::string& public_key) {
  return action.rfind("party.key.", 0) == 0 ? public_key : subject;
}

bool is_party_act(std::string_view action) {
  static const char* const kActs[] = {"zone.create",   "site.create",      "activity.create",   "zone.replace",
                                      "site.replace",  "activity.replace", "activity.withdraw", "zone.retire",
                                      "site.retire",   "zone.accept",      "zone.decline",      "notice.acknowledge",
                                      "notice.object", "message",          "party.key.add",     "party.key.revoke"};
  for (const char* a : kActs) {
    if (action == a) return true;
  }
  return false;
}

}  // namespace deconflict::record
