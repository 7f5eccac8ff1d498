// The checkpoints parties and witnesses cosigned (C2SP tlog-cosignature), as
// the record's checkpoint.cosign entries hold them: a cosignature is served
// with the checkpoint of its size, so that anyone sees who vouched for it.
// Not thread-safe: the service's thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "deconflict/record.hpp"

namespace deconflict {

class Cosignatures {
 public:
  /// Takes in a committed entry (a checkpoint.cosign; others are ignored).
  void take(const RecordEntry& e);
  void clear() { lines_.clear(); }
  /// The cosignature lines of the checkpoint of `size`, by cosigner.
  std::vector<std::string> of(int64_t size) const;
  bool has(int64_t size, const std::string& cosigner) const;
  /// The largest size at least `min_size` that `cosigner` cosigned, 0 if none.
  int64_t latest(const std::string& cosigner, int64_t min_size) const;

 private:
  std::map<int64_t, std::map<std::string, std::string>> lines_;  // size -> cosigner -> line
};

}  // namespace deconflict
