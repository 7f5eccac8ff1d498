// RFC 8785 JSON Canonicalization Scheme: one byte sequence for one JSON value,
// so that every party hashes and signs the same bytes.
//
//   canonical(json::parse(R"({"b": 1.0, "a": "x"})"))  ==  R"({"a":"x","b":1})"
//
// Object members are sorted by the UTF-16 code units of their names, numbers
// are written as ECMAScript writes them (shortest round trip), strings escape
// only what JSON requires. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "deconflict/status.hpp"

namespace deconflict::record {

/// The canonical form of a value; invalid_input for non-finite numbers.
Result<std::string> canonical(const nlohmann::json& value);
Result<std::string> canonical(const nlohmann::ordered_json& value);

/// A number as ECMAScript's Number.prototype.toString writes it (finite only).
std::string ecmascript_number(double x);

}  // namespace deconflict::record
