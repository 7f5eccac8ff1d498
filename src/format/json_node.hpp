// The few questions the steps of reading a Feature's properties ask of a JSON
// value, answered alike over nlohmann-json (any input: read_feature) and over
// simdjson (the store's own rows: read_stored_feature), so that both readers
// run one set of checks and a stored row is read without building a second
// document. Internal to src/format.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace deconflict::format::detail {

/// A value of an nlohmann-json document, which must outlive it.
class JsonNode {
 public:
  explicit JsonNode(const nlohmann::json& j) : j_(&j) {}

  /// The member `key` of an object, or nothing when it is absent or null.
  std::optional<JsonNode> field(std::string_view key) const {
    const auto it = j_->find(key);
    if (it == j_->end() || it->is_null()) return std::nullopt;
    return JsonNode(*it);
  }
  bool is_string() const { return j_->is_string(); }
  bool is_number() const { return j_->is_number(); }
  bool is_integer() const { return j_->is_number_integer(); }
  bool is_array() const { return j_->is_array(); }
  bool is_object() const { return j_->is_object(); }
  /// nlohmann-json's names: null, object, array, string, boolean, number.
  const char* type_name() const { return j_->type_name(); }
  std::string_view string() const { return j_->get_ref<const std::string&>(); }
  double number() const { return j_->get<double>(); }
  int64_t integer() const { return j_->get<int64_t>(); }
  /// An integer as JSON writes it.
  std::string integer_text() const { return j_->dump(); }
  /// Calls f(index, element) for each element of an array until f returns false.
  template <class F>
  void each_element(F&& f) const {
    size_t i = 0;
    for (const auto& x : *j_) {
      if (!f(i++, JsonNode(x))) return;
    }
  }
  /// Calls f(key, value) for each member of an object.
  template <class F>
  void each_member(F&& f) const {
    for (auto it = j_->begin(); it != j_->end(); ++it) f(std::string_view(it.key()), JsonNode(it.value()));
  }
  nlohmann::json to_json() const { return *j_; }

 private:
  const nlohmann::json* j_;
};

/// Whether two property names are the same, length and first letter first:
/// most names compared while reading a feature differ in one of those.
inline bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || a[0] == b[0]) && a == b;
}

/// The members of one simdjson object, listed once: the steps ask a stored
/// row's properties for some thirty keys, most of them absent, and each
/// question of the object itself walks its members again on simdjson's tape.
class SimdMembers {
 public:
  /// Up to kMax members; an object with more is not listed (full() says so).
  explicit SimdMembers(simdjson::dom::object o) {
    for (simdjson::dom::key_value_pair kv : o) {
      if (count_ == kMax) {
        full_ = true;
        return;
      }
      members_[count_++] = {kv.key, kv.value};
    }
  }
  bool full() const { return full_; }
  /// The first member named `key`, as simdjson's at_key finds it.
  const simdjson::dom::element* find(std::string_view key) const {
    for (size_t i = 0; i < count_; ++i) {
      if (same_name(members_[i].key, key)) return &members_[i].value;  // most keys asked for are absent
    }
    return nullptr;
  }

 private:
  static constexpr size_t kMax = 24;
  struct Member {
    std::string_view key;
    simdjson::dom::element value;
  };
  Member members_[kMax];
  size_t count_ = 0;
  bool full_ = false;
};

/// A value of a simdjson document, whose parser must outlive it; an object
/// may be given its members listed (which must outlive the node too).
class SimdNode {
 public:
  explicit SimdNode(simdjson::dom::element e, const SimdMembers* members = nullptr)
      : e_(e), members_(members && !members->full() ? members : nullptr) {}

  std::optional<SimdNode> field(std::string_view key) const {
    simdjson::dom::element found;
    if (members_) {
      const simdjson::dom::element* m = members_->find(key);
      if (!m) return std::nullopt;
      found = *m;
    } else if (!is_object() || e_.at_key(key).get(found)) {
      return std::nullopt;
    }
    if (found.is_null()) return std::nullopt;
    return SimdNode(found);
  }
  bool is_string() const { return type() == Type::STRING; }
  bool is_number() const { return is_integer() || type() == Type::DOUBLE; }
  bool is_integer() const { return type() == Type::INT64 || type() == Type::UINT64; }
  bool is_array() const { return type() == Type::ARRAY; }
  bool is_object() const { return type() == Type::OBJECT; }
  const char* type_name() const {
    switch (type()) {
      case Type::ARRAY:
        return "array";
      case Type::OBJECT:
        return "object";
      case Type::STRING:
        return "string";
      case Type::BOOL:
        return "boolean";
      case Type::NULL_VALUE:
        return "null";
      default:
        return "number";
    }
  }
  std::string_view string() const { return std::string_view(e_); }
  double number() const {
    if (type() == Type::INT64) return static_cast<double>(int64_t(e_));
    if (type() == Type::UINT64) return static_cast<double>(uint64_t(e_));
    return double(e_);
  }
  int64_t integer() const {
    if (type() == Type::INT64) return int64_t(e_);
    const uint64_t u = uint64_t(e_);
    return u > uint64_t(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                             : static_cast<int64_t>(u);
  }
  std::string integer_text() const {
    return type() == Type::INT64 ? std::to_string(int64_t(e_)) : std::to_string(uint64_t(e_));
  }
  template <class F>
  void each_element(F&& f) const {
    size_t i = 0;
    for (simdjson::dom::element x : simdjson::dom::array(e_)) {
      if (!f(i++, SimdNode(x))) return;
    }
  }
  template <class F>
  void each_member(F&& f) const {
    for (simdjson::dom::key_value_pair kv : simdjson::dom::object(e_)) f(kv.key, SimdNode(kv.value));
  }
  /// The value as an nlohmann-json document (for the rare properties kept as they came).
  nlohmann::json to_json() const;

 private:
  using Type = simdjson::dom::element_type;
  Type type() const { return e_.type(); }
  simdjson::dom::element e_;
  const SimdMembers* members_ = nullptr;
};

}  // namespace deconflict::format::detail
