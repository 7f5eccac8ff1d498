// Errors as values.
//
// Expected failures (bad input, not found, store errors...) are returned as an
// Error with a stable code; exceptions are reserved for broken invariants.
//
//   Result<Volume> v = read_feature(json);
//   if (!v) { std::cerr << v.error().describe(); return; }
//   use(*v);
//
// Thread-compatible value types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace deconflict {

/// Stable error codes; their names (code_name) appear in JSON and never change.
enum class ErrorCode {
  invalid_input,       // the input broke the interchange format or a rule of validity
  not_found,           // the object does not exist (or the caller may not see it)
  forbidden,           // the caller may not act on this object
  version_conflict,    // the object changed since the caller read it
  already_exists,      // an object with this id is already stored
  store_error,         // the store failed (I/O, corruption, schema)
  io_error,            // a file could not be read or written
  usage,               // the command or request was malformed
  unauthorized,        // no valid credentials were given
  too_large,           // the request exceeds a configured size limit
  limit_exceeded,      // the caller has reached a configured quota
  rate_limited,        // the caller sends requests faster than its configured rate
  overloaded,          // the server is at a configured limit of its own (connections); try again later
  probe_limit,         // the caller made its day's probes of volumes not disclosed to it (DESIGN §6.3)
  too_complex,         // checking the request would take more work than one request may (DESIGN §12): simplify it
  method_not_allowed,  // the path exists but not with this method (the answer's Allow header lists those it has)
  store_unavailable,   // the store cannot be reached now (a database restarting or failing over); try again
};

std::string_view code_name(ErrorCode code);

/// An error: a stable code, a message for people and, when one is to blame,
/// the path of the offending field (for example `o17: geometry.coordinates[0][3]`).
struct Error {
  ErrorCode code = ErrorCode::invalid_input;
  std::string message;
  std::string field;

  /// "field: message", or the message alone when no field is named.
  std::string describe() const { return field.empty() ? message : field + ": " + message; }
};

inline Error make_error(ErrorCode code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field)};
}

/// not_found naming what was asked for: "no such notice 'n-1f2e...'" (the
/// caller's own words, cut at 80 characters), the same whether the thing is
/// absent or only hidden from the caller.
inline Error no_such(std::string_view what, std::string_view id, std::string field = "id") {
  const std::string_view shown = id.substr(0, 80);
  return make_error(
      ErrorCode::not_found,
      "no such " + std::string(what) + " '" + std::string(shown) + (shown.size() < id.size() ? "...'" : "'"),
      std::move(field));
}

/// A value of type T or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

/// Success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  static Status success() { return {}; }
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace deconflict
