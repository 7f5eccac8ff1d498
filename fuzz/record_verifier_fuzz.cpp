// libFuzzer target: the record verifier, as `deconflict record verify --file`
// runs it on an exported record that anyone may have edited. Each line is an
// entry's JSON; whatever it holds, the verifier says where the chain breaks
// or that it holds, and never crashes.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "record/entry.hpp"

using namespace deconflict;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  record::ChainVerifier verifier;
  std::string line;
  while (std::getline(in, line)) {
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded()) return 0;
    auto entry = record::entry_from_json(json);
    if (!entry) return 0;
    if (verifier.add(*entry)) return 0;  // broken: named, and the verifier stops there
  }
  (void)verifier.finish(verifier.key());
  return 0;
}
