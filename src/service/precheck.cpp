#include <bit>
#include <cstring>

#include "service/precheck_state.hpp"

namespace deconflict {
namespace {

// FNV-1a over 64-bit words: the fingerprint guards against serving one
// query's measurements to another (a mistake, not an attack: both come from
// the same request), so speed matters more than strength.
class Digest {
 public:
  void add(uint64_t word) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (word >> (8 * i)) & 0xff;
      h_ *= 0x100000001b3ULL;
    }
  }
  void add(double d) { add(std::bit_cast<uint64_t>(d)); }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

uint64_t geometric_fingerprint(const Volume& v) {
  Digest d;
  d.add(static_cast<uint64_t>(v.geometry.type));
  for (const auto& part : v.geometry.parts) {
    d.add(static_cast<uint64_t>(part.size()));
    for (const auto& ring : part) {
      d.add(static_cast<uint64_t>(ring.size()));
      for (const LatLon& p : ring) {
        d.add(p.lat_deg);
        d.add(p.lon_deg);
      }
    }
  }
  d.add(v.radius.value);
  d.add(v.altitude.lower_m);
  d.add(v.altitude.upper_m);
  d.add(static_cast<uint64_t>(v.window.start.time_since_epoch().count()));
  d.add(static_cast<uint64_t>(v.window.end.time_since_epoch().count()));
  return d.value();
}

Precheck::Precheck() = default;
Precheck::Precheck(std::unique_ptr<State> state) : state_(std::move(state)) {}
Precheck::~Precheck() = default;
Precheck::Precheck(Precheck&&) noexcept = default;
Precheck& Precheck::operator=(Precheck&&) noexcept = default;

bool Precheck::planned() const { return state_ && !state_->refined; }

uint64_t Precheck::work() const { return state_ ? state_->work.used() : 0; }

uint64_t Precheck::positions() const {
  if (!planned()) return 0;
  const uint64_t own = state_->query->geometry.position_count();
  uint64_t n = 0;
  for (const auto& other : state_->candidates) n += own + other->geometry.position_count();
  return n;
}

void Precheck::refine(const std::atomic<bool>* cancel) {
  if (!planned()) return;
  State& s = *state_;
  s.work.cancel_on(cancel);
  for (const auto& other : s.candidates) {
    if (!s.work.spend(1)) break;
    const auto m = index::intersect(*s.query, *other, s.work);
    if (s.work.exhausted()) break;
    s.measured.emplace(other.get(), m ? std::optional<double>(m->distance_m) : std::nullopt);
  }
  s.work.cancel_on(nullptr);
  s.refined = true;
}

}  // namespace deconflict
