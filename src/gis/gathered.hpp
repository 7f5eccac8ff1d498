// The features a GIS or CoT file gave, each labelled by where it was, on
// their way to format::read_parsed_features. Internal to src/gis.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "format/feature_reader.hpp"
#include "gis/gis.hpp"

namespace deconflict::gis::detail {

class Gathered {
 public:
  explicit Gathered(const ReadOptions& options) : options_(options) {}

  /// Keeps the feature, or its error named by `label`: skipped with
  /// --skip-invalid, else the error to return.
  Status add(Result<nlohmann::json> feature, std::string label) {
    if (feature) {
      features_.push_back(std::move(*feature));
      labels_.push_back(std::move(label));
      return {};
    }
    Error e = feature.error();
    e.field = label + (e.field.empty() ? "" : ": " + e.field);
    if (!options_.skip_invalid) return e;
    rejected_.push_back(std::move(e));
    return {};
  }

  /// The features read as volumes (ids unique across them), with the skipped
  /// ones first among the rejected and `warnings` after the batch's own.
  Result<format::Batch> read(const std::vector<std::string>& warnings = {}) const {
    auto batch = format::read_parsed_features(features_, labels_, {options_.skip_invalid, options_.server_fields});
    if (!batch) return batch;
    batch->rejected.insert(batch->rejected.begin(), rejected_.begin(), rejected_.end());
    batch->ignored.insert(batch->ignored.end(), warnings.begin(), warnings.end());
    return batch;
  }

 private:
  const ReadOptions& options_;
  std::vector<nlohmann::json> features_;
  std::vector<std::string> labels_;
  std::vector<Error> rejected_;
};

}  // namespace deconflict::gis::detail
