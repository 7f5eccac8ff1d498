// Reading a batch of features: detecting the layout, labelling each feature
// for messages, and refusing duplicate ids.
#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "format/feature_reader.hpp"
#include "format/feature_steps.hpp"
#include "format/json_text.hpp"

namespace deconflict::format {
namespace {

using nlohmann::json;

struct Item {
  const json* feature = nullptr;   // a parsed feature, or
  std::string_view line;           // an NDJSON line still to parse
  size_t offset = 0;               // of the line in the input
  std::string position;            // "features[3]", "line 4" or "feature"
  bool position_names_it = false;  // the position says more than the id would (a GIS file's layer and feature)
};

// What reading one item gave: the volume or why not, and the id it claims.
struct Outcome {
  Result<PreparedVolume> volume = make_error(ErrorCode::invalid_input, "not read");
  std::string claimed_id;
  std::vector<std::string> ignored;  // server-managed properties it carried
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

Outcome read_item(std::string_view text, const Item& item, ServerFields taken) {
  Outcome out;
  json parsed;
  const json* feature = item.feature;
  if (!feature) {
    try {
      if (Status st = check_json_depth(item.line); !st) {
        out.volume = Error{st.error().code, st.error().message, item.position};
        return out;
      }
      parsed = json::parse(item.line);
    } catch (const json::exception& e) {
      out.volume = malformed(text, e, item.offset, "");
      return out;
    }
    feature = &parsed;
  }
  out.volume = read_feature(*feature, kMaxPositions, &out.ignored, taken);
  out.claimed_id = given_id(*feature);
  return out;
}

// Features are independent until ids are compared: read them on every core.
std::vector<Outcome> read_all(std::string_view text, const std::vector<Item>& items, ServerFields taken) {
  std::vector<Outcome> outcomes(items.size());
  const size_t threads = std::clamp<size_t>(items.size() / 2000, 1, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < items.size(); i += threads) outcomes[i] = read_item(text, items[i], taken);
    });
  }
  for (std::thread& w : workers) w.join();
  return outcomes;
}

Result<Batch> label_and_read(std::string_view text, const std::vector<Item>& items, const ReadOptions& options) {
  Batch batch;
  std::unordered_map<std::string, std::string> seen;  // id -> where it was first seen
  std::vector<Outcome> outcomes = read_all(text, items, options.server_fields);
  for (size_t i = 0; i < items.size(); ++i) {
    Result<PreparedVolume>& v = outcomes[i].volume;
    std::string label = items[i].position;
    const std::string& id = outcomes[i].claimed_id;
    if (!id.empty() && id.size() <= kMaxIdLength && !items[i].position_names_it) label = id;
    if (v && !v->id.empty()) {
      const auto [it, fresh] = seen.emplace(v->id, items[i].position);
      if (!fresh)
        v = make_error(ErrorCode::invalid_input, "duplicate id (also at " + it->second + ")", "properties.id");
    }
    if (!v) {
      Error e = v.error();
      e.field = label + (e.field.empty() ? "" : ": " + e.field);
      if (!options.skip_invalid) return e;
      batch.rejected.push_back(std::move(e));
      continue;
    }
    for (const std::string& field : outcomes[i].ignored) {
      batch.ignored.push_back(label + ": " + field +
                              (field == kThirdCoordinate ? " are altitudes, not read: a volume's altitude band is "
                                                           "properties.altitude"
                                                         : " is set by the server; ignored"));
    }
    batch.labels.push_back(std::move(label));
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
    while (pos <= text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      ++line_no;
      const std::string_view line = text.substr(pos, end - pos);
      if (!blank(line)) items.push_back({nullptr, line, pos, "line " + std::to_string(line_no)});
      pos = end + 1;
    }
  } else {
    if (Status st = check_json_depth(text); !st) return st.error();
    try {
      docs.push_back(json::parse(text));
    } catch (const json::exception& e) {
      return malformed(text, e, 0, "");
    }
    const json& doc = docs.front();
    if (Status st = detail::check_crs(doc); !st) return st.error();
    if (doc.is_object() && doc.value("type", "") == "FeatureCollection") {
      const auto features = doc.find("features");
      if (features == doc.end() || !features->is_array()) {
        return make_error(ErrorCode::invalid_input, "expected an array", "features");
      }
      for (size_t i = 0; i < features->size(); ++i) {
        items.push_back({&(*features)[i], {}, 0, "features[" + std::to_string(i) + "]"});
      }
    } else {
      items.push_back({&doc, {}, 0, "feature"});
    }
  }
  return label_and_read(text, items, options);
}

Result<Batch> read_parsed_features(const std::vector<nlohmann::json>& features,
                                   const std::vector<std::string>& positions, const ReadOptions& options) {
  std::vector<Item> items;
  items.reserve(features.size());
  for (size_t i = 0; i < features.size(); ++i) items.push_back({&features[i], {}, 0, positions.at(i), true});
  return label_and_read({}, items, options);
}

Result<std::string> read_file(const std::string& path) {
  if (path == "-") {
    std::ostringstream os;
    os << std::cin.rdbuf();
    return os.str();
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int reason = errno;  // what the system said, for a person to act on
    return make_error(ErrorCode::io_error,
                      "cannot open file" + (reason ? ": " + std::generic_category().message(reason) : std::string()),
                      path);
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return make_error(ErrorCode::io_error, "cannot read file", path);
  return text;
}

}  // namespace deconflict::format
