#include "server/cot_drawings.hpp"

#include "gis/cot.hpp"

namespace deconflict::server {

std::shared_ptr<const std::string> CotDrawings::find(const Volume& v) const {
  std::lock_guard lock(mutex_);
  const auto it = drawn_.find(v.id);
  if (it == drawn_.end() || it->second.version != v.version || it->second.state != v.state) return nullptr;
  return it->second.events;
}

void CotDrawings::draw(const Volume& v, TimePoint now) {
  auto events = gis::to_cot(v, now);
  // A shape with no drawing in longitude and latitude (round a pole) is left
  // out, and said so in an XML comment where it would be.
  std::string text;
  if (events) {
    for (const gis::CotEvent& e : *events) text += e.xml + "\n";
  } else {
    text = "<!-- a volume whose outline reaches a pole: no drawing -->\n";
  }
  auto kept = std::make_shared<const std::string>(std::move(text));
  std::lock_guard lock(mutex_);
  drawn_[v.id] = Drawn{v.version, v.state, std::move(kept)};
}

}  // namespace deconflict::server
