// Reading a batch of features: detecting the layout, labelling each feature
// for messages, and refusing duplicate ids.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unordered_map>

#include "format/feature_reader.hpp"

namespace deconflict::format {
namespace {

using nlohmann::json;

struct Item {
  const json* feature;
  std::string position;  // "features[3]", "line 4" or "feature"
};

std::string where_in(std::string_view text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Error malformed(std::string_view text, const json::exception& e, size_t offset, const std::string& label) {
  std::string what = e.what();
  if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
  if (const auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
  const auto* parse = dynamic_cast<const json::parse_error*>(&e);
  const size_t byte = parse && parse->byte > 0 ? parse->byte - 1 : 0;
  const std::string where = label.empty() ? (parse ? where_in(text, offset + byte) : "input") : label;
  return make_error(ErrorCode::invalid_input, "malformed JSON at " + where + ": " + what);
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// NDJSON: several non-blank lines, each a complete JSON value. A pretty-printed
// Feature or FeatureCollection fails on its first line, which is not.
bool looks_like_ndjson(std::string_view text) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  const size_t end = text.find('\n', start);
  if (end == std::string_view::npos || blank(text.substr(end))) return false;
  return json::accept(text.substr(start, end - start));
}

// The feature's own id when it has a usable one, even if it is otherwise bad.
std::string given_id(const json& feature) {
  if (!feature.is_object()) return {};
  if (auto it = feature.find("id"); it != feature.end() && it->is_string()) return it->get<std::string>();
  const auto props = feature.find("properties");
  if (props == feature.end() || !props->is_object()) return {};
  if (auto it = props->find("id"); it != props->end() && it->is_string()) return it->get<std::string>();
  return {};
}

Result<Batch> label_and_read(const std::vector<Item>& items, const ReadOptions& options) {
  Batch batch;
  std::unordered_map<std::string, std::string> seen;  // id -> where it was first seen
  for (const Item& item : items) {
    auto v = read_feature(*item.feature);
    std::string label = item.position;
    if (const std::string id = given_id(*item.feature); !id.empty() && id.size() <= kMaxIdLength) label = id;
    if (v && !v->id.empty()) {
      const auto [it, fresh] = seen.emplace(v->id, item.position);
      if (!fresh) v = make_error(ErrorCode::invalid_input, "duplicate id (also at " + it->second + ")", "properties.id");
    }
    if (!v) {
      Error e = v.error();
      e.field = label + (e.field.empty() ? "" : ": " + e.field);
      if (!options.skip_invalid) return e;
      batch.rejected.push_back(std::move(e));
      continue;
    }
    batch.labels.push_back(label);
    batch.volumes.push_back(std::move(*v));
  }
  return batch;
}

}  // namespace

Result<Batch> read_features(std::string_view text, const ReadOptions& options) {
  if (blank(text)) return make_error(ErrorCode::invalid_input, "input is empty");
  std::vector<json> docs;
  std::vector<Item> items;
  if (looks_like_ndjson(text)) {
    size_t line_no = 0, pos = 0;
    std::vector<std::string> positions;
    while (pos <= text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      ++line_no;
      const std::string_view line = text.substr(pos, end - pos);
      const std::string label = "line " + std::to_string(line_no);
      if (!blank(line)) {
        try {
          docs.push_back(json::parse(line));
          positions.push_back(label);
        } catch (const json::exception& e) {
          Error err = malformed(text, e, pos, label);
          if (!options.skip_invalid) return err;
          docs.push_back(json());  // keeps positions aligned; rejected below
          positions.push_back(label + " (" + err.message + ")");
        }
      }
      pos = end + 1;
    }
    for (size_t i = 0; i < docs.size(); ++i) items.push_back({&docs[i], positions[i]});
  } else {
    try {
      docs.push_back(json::parse(text));
    } catch (const json::exception& e) {
      return malformed(text, e, 0, "");
    }
    const json& doc = docs.front();
    if (doc.is_object() && doc.value("type", "") == "FeatureCollection") {
      const auto features = doc.find("features");
      if (features == doc.end() || !features->is_array()) {
        return make_error(ErrorCode::invalid_input, "expected an array", "features");
      }
      for (size_t i = 0; i < features->size(); ++i) {
        items.push_back({&(*features)[i], "features[" + std::to_string(i) + "]"});
      }
    } else {
      items.push_back({&doc, "feature"});
    }
  }
  return label_and_read(items, options);
}

Result<std::string> read_file(const std::string& path) {
  if (path == "-") {
    std::ostringstream os;
    os << std::cin.rdbuf();
    return os.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::io_error, "cannot open file", path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return make_error(ErrorCode::io_error, "cannot read file", path);
  return text;
}

}  // namespace deconflict::format
