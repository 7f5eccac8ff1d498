#include "server/cot_drawings.hpp"

#include "gis/cot.hpp"

namespace deconflict::server {

std::shared_ptr<const CotDrawing> CotDrawings::find(const Volume& v) const {
  std::lock_guard lock(mutex_);
  const auto it = drawn_.find(v.id);
  if (it == drawn_.end() || it->second.version != v.version || it->second.state != v.state) return nullptr;
  return it->second.drawing;
}

std::shared_ptr<const CotDrawing> CotDrawings::draw(const Volume& v, TimePoint now) {
  auto events = gis::to_cot(v, now);
  // A shape with no drawing in longitude and latitude (round a pole) is left
  // out, and said so in an XML comment where it would be.
  CotDrawing d;
  if (events) {
    for (gis::CotEvent& e : *events) {
      d.events += e.xml + "\n";
      d.uids.push_back(std::move(e.uid));
    }
  } else {
    d.events = "<!-- a volume whose outline reaches a pole: no drawing -->\n";
  }
  auto kept = std::make_shared<const CotDrawing>(std::move(d));
  std::lock_guard lock(mutex_);
  drawn_[v.id] = Drawn{v.version, v.state, kept};
  return kept;
}

}  // namespace deconflict::server
