// What a list costs in the library alone, without HTTP: PartyView::page of
// the boxes bench/http.sh asks for (0.35 x 0.35 degrees, about 100 features)
// on a store like its own (20,000 point activities of one party over 5 x 5
// degrees), made fresh in a scratch directory.
//
//   build-bench/bench/deconflict-bench-lists --benchmark_repetitions=3
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "deconflict/service.hpp"
#include "format/feature_reader.hpp"

namespace {

using deconflict::Service;

std::string activities(int count) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> unit(0, 1);
  std::string out;
  char line[512];
  for (int i = 0; i < count; ++i) {
    std::snprintf(line, sizeof line,
                  R"({"type":"Feature","geometry":{"type":"Point","coordinates":[%.5f,%.5f]},)"
                  R"("properties":{"id":"bench-%d","type":"activity","party":"coalition","kind":"patrol",)"
                  R"("radius_m":500,"start":"2018-10-01T00:00:00Z","end":"2018-10-02T00:00:00Z"}})"
                  "\n",
                  36 + 5 * unit(random), 31 + 5 * unit(random), i);
    out += line;
  }
  return out;
}

template <typename T>
T must(deconflict::Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

// The store, opened once for every benchmark of the run.
struct Store {
  std::filesystem::path dir;
  std::unique_ptr<Service> service;
  deconflict::Party party;

  Store() {
    dir = std::filesystem::temp_directory_path() / ("deconflict-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    deconflict::Options options;
    options.db_path = (dir / "bench.db").string();
    options.key_path = (dir / "bench.db.key").string();
    service = must(Service::open(options), "open");
    const std::string token = must(service->add_party("coalition", "coalition", false), "add_party");
    party = must(service->authenticate(token), "authenticate");
    auto batch = must(deconflict::format::read_features(activities(20'000)), "read");
    must(service->import(std::move(batch.volumes), deconflict::ImportMode::create), "import");
  }
  ~Store() { std::filesystem::remove_all(dir); }
};

Store& store() {
  static Store s;
  return s;
}

void BM_ListBox(benchmark::State& state) {
  Store& s = store();
  const deconflict::PartyView view = s.service->as(s.party);
  std::mt19937 random(1);
  std::uniform_real_distribution<double> corner(0, 4.65);
  size_t features = 0;
  for (auto _ : state) {
    deconflict::ListFilter filter;
    filter.type = deconflict::ObjectType::activity;
    const double west = 36 + corner(random), south = 31 + corner(random);
    filter.bbox = deconflict::BoundingBox{west, south, west + 0.35, south + 0.35};
    auto page = view.page(filter, "", deconflict::PageLimits::kMaxItems);
    features += page->texts.size();
    benchmark::DoNotOptimize(page);
  }
  state.counters["features"] =
      benchmark::Counter(static_cast<double>(features) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_ListBox);

}  // namespace

BENCHMARK_MAIN();
