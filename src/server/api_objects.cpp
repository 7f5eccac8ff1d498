// The handlers of the objects' routes: the three collections, a zone's
// answers, an activity's conflicts and the dry run (routes in api.cpp).
#include <algorithm>
#include <charconv>

#include "deconflict/position.hpp"
#include "deconflict/time.hpp"
#include "engine/rules.hpp"
#include "format/feature_writer.hpp"
#include "gis/cot.hpp"
#include "server/api.hpp"

namespace deconflict::server {
namespace {

using json = nlohmann::ordered_json;

Result<ListFilter> filter_from(const Target& t, ObjectType type) {
  ListFilter f;
  f.type = type;
  if (auto it = t.query.find("party"); it != t.query.end()) {
    if (!is_party_id(it->second)) return make_error(ErrorCode::usage, "not a party id (a lowercase slug)", "party");
    f.party = it->second;
  }
  if (auto it = t.query.find("bbox"); it != t.query.end()) {
    auto b = BoundingBox::parse(it->second, "bbox");
    if (!b) return b.error();
    f.bbox = *b;
  }
  if (auto it = t.query.find("near"); it != t.query.end()) {
    auto at = read_position(it->second);
    if (!at) return make_error(ErrorCode::usage, at.error().message, "near");
    auto within = query_number(t, "within", 0);
    if (!within) return within.error();
    f.near = ListFilter::Near{at->point, Metres(static_cast<double>(*within))};
    if (Status st = f.near->validate(); !st) return st.error();
  } else if (t.query.count("within")) {
    return make_error(ErrorCode::usage, "within needs near", "within");
  }
  for (const char* key : {"start", "end"}) {
    auto it = t.query.find(key);
    if (it == t.query.end()) continue;
    auto time = parse_rfc3339(it->second);
    if (!time) return make_error(ErrorCode::usage, time.error().message, key);
    (std::string_view(key) == "start" ? f.start : f.end) = *time;
  }
  return f;
}

json conflicts_json(const std::vector<Conflict>& conflicts) {
  json out = json::array();
  for (const Conflict& c : conflicts) out.push_back(format::to_json(c));
  return out;
}

json declared_json(const Declared& d) {
  json notices = json::array();
  for (const Notice& n : d.notices) {
    // A site's notices are about others' activities; a zone's ask to agree to it.
    const std::string about(about_name(n.about));
    notices.push_back({{"id", n.id},
                       {"party", n.to_party},
                       {"about", about},
                       {about, n.activity_id},
                       {"deadline", format_rfc3339(n.deadline)},
                       {"state", state_name(n.state)}});
  }
  return {{"feature", format::to_feature(*d.volume)},
          {"conflicts", conflicts_json(d.conflicts)},
          {"notices", std::move(notices)}};
}

}  // namespace

// GET /v1/{collection}: a page of what the caller sees, joined from each
// feature's text (written once per revision).
Result<Answer> Api::list(Call& call) {
  auto filter = filter_from(call.target, call.route.type);
  if (!filter) return filter.error();
  const auto limit = query_number(call.target, "limit", PageLimits::kMaxItems);
  if (!limit) return limit.error();
  const auto after = call.target.query.find("after");
  auto listed = call.view.page(*filter, after == call.target.query.end() ? "" : after->second,
                               static_cast<size_t>(std::max<int64_t>(1, *limit)));
  if (!listed) return listed.error();
  const ListPage& page = *listed;
  size_t size = 128;
  for (std::string_view text : page.texts) size += text.size() + 1;
  std::string body;
  body.reserve(size);
  body = R"({"type":"FeatureCollection","features":[)";
  for (size_t i = 0; i < page.texts.size(); ++i) (body += i ? "," : "") += page.texts[i];
  body += "]";
  if (page.next) body += R"(,"next":)" + nlohmann::json(*page.next).dump();
  body += "}";
  return Answer::text(std::move(body));
}

Result<Answer> Api::create(Call& call) {
  auto v = feature(call);
  if (!v) return v.error();
  auto declared = call.view.declare(std::move(*v));
  if (!declared) return declared.error();
  return Answer::json(declared_json(*declared), http::status::created);
}

Result<Answer> Api::get_object(Call& call) {
  auto v = call.view.find(call.route.type, call.id);
  if (!v) return v.error();
  return Answer::text(std::string(call.view.feature_text(**v)));
}

// PUT /v1/{collection}/{id} with If-Match: the version it replaces.
Result<Answer> Api::replace(Call& call) {
  const auto header = call.req[http::field::if_match];
  std::string match(header.data(), header.size());
  match.erase(std::remove(match.begin(), match.end(), '"'), match.end());
  int if_match = 0;
  if (match.empty() || std::from_chars(match.data(), match.data() + match.size(), if_match).ec != std::errc{}) {
    return make_error(ErrorCode::usage, "PUT needs If-Match: <version>", "If-Match");
  }
  auto v = feature(call);
  if (!v) return v.error();
  if (v->id.empty()) v->id = call.id;
  if (v->id != call.id) return make_error(ErrorCode::invalid_input, "differs from the id in the path", "properties.id");
  auto replaced = call.view.replace(std::move(*v), if_match);
  if (!replaced) return replaced.error();
  return Answer::json(declared_json(*replaced));
}

// DELETE: an activity is withdrawn, a zone or a site retired.
Result<Answer> Api::withdraw(Call& call) {
  auto told = call.view.withdraw(call.route.type, call.id);
  if (!told) return told.error();
  const char* done = call.route.type == ObjectType::activity ? "withdrawn" : "retired";
  return Answer::json({{done, call.id}, {"notified", *told}});
}

Result<Answer> Api::accept_zone(Call& call) { return answer_zone(call, true); }
Result<Answer> Api::decline_zone(Call& call) { return answer_zone(call, false); }

// POST /v1/zones/{id}/accept or /decline, with an optional {"text": ...}:
// the zone as the caller now sees it.
Result<Answer> Api::answer_zone(Call& call, bool accept) {
  auto body = body_object(call.req, true);
  if (!body) return body.error();
  auto text = string_member(*body, "text");
  if (!text) return text.error();
  auto zone = call.view.answer_zone(call.id, accept, *text);
  if (!zone) return zone.error();
  return Answer::text(std::string(call.view.feature_text(**zone)));
}

Result<Answer> Api::conflict_page(Call& call) {
  const auto limit = query_number(call.target, "limit", 100);
  if (!limit) return limit.error();
  const auto after = call.target.query.find("after");
  const ConflictPage page = call.view.conflict_page(after == call.target.query.end() ? "" : after->second,
                                                    static_cast<size_t>(std::max<int64_t>(1, *limit)));
  json activities = json::array();
  for (const ConflictPage::Item& item : page.items) {
    json entry = {{"id", item.activity_id}, {"conflicts", conflicts_json(item.conflicts)}};
    if (item.error) entry["error"] = error_json(*item.error);
    activities.push_back(std::move(entry));
  }
  json body = {{"activities", std::move(activities)}};
  if (page.next) body["next"] = *page.next;
  return Answer::json(std::move(body));
}

// A position read in any grid and written in each (include/deconflict/position.hpp):
// the map's coordinate entry and readout. It reads nothing stored.
Result<Answer> Api::position(Call& call) {
  const auto q = call.target.query.find("q");
  if (q == call.target.query.end() || q->second.empty()) {
    return make_error(ErrorCode::usage, "q is required: the position as written", "q");
  }
  auto digits = query_number(call.target, "digits", 5);
  if (!digits) return digits.error();
  if (*digits > 11) return make_error(ErrorCode::usage, "digits is 0 to 11", "digits");
  const auto read = read_position(q->second);
  if (!read) return read.error();
  json grids = json::object();
  for (Grid g : kGrids) {
    auto text = write_position(read->point, g, static_cast<int>(*digits));
    if (!text) return text.error();
    grids[grid_name(g)] = std::move(*text);
  }
  return Answer::json({{"position", {read->point.lon_deg, read->point.lat_deg}},
                       {"written_as", grid_name(read->written_as)},
                       {"square_m", read->square_m},
                       {"grids", std::move(grids)}});
}

Result<ListPage> Api::cot_page(const PartyView& view, const Target& t) const {
  std::optional<ObjectType> type;
  if (auto it = t.query.find("type"); it != t.query.end()) {
    type = parse_object_type(it->second);
    if (!type) return make_error(ErrorCode::usage, "zone, site or activity", "type");
  }
  auto filter = filter_from(t, type.value_or(ObjectType::activity));
  if (!filter) return filter.error();
  filter->type = type;
  const auto limit = query_number(t, "limit", PageLimits::kMaxItems);
  if (!limit) return limit.error();
  const auto after = t.query.find("after");
  return view.page(*filter, after == t.query.end() ? "" : after->second,
                   static_cast<size_t>(std::max<int64_t>(1, *limit)));
}

void Api::plan_drawings(const Target& t, Prepared& p) {
  const PartyView view = service_.as(p.caller);
  const auto page = cot_page(view, t);
  if (!page) return;  // the handler answers the error
  p.drawn_at = service_.now();
  size_t positions = 0;
  for (const Volume* v : page->volumes) {
    if (drawings_.find(*v)) continue;
    if (!p.to_draw.empty() && positions + v->geometry.position_count() > CotDrawings::kNewPositionsPerPage) break;
    positions += v->geometry.position_count();
    p.to_draw.push_back(view.pin(*v));
  }
}

// GET /v1/cot: the caller's view as Cursor-on-Target drawings, one <event>
// a line inside <events>, a page at a time (next: the cursor of the next).
// A volume not drawn yet (the page's drawing budget ended before it, or it
// changed since the pool drew it) ends the page before it; the first one
// never is drawn here, on the line thread (503: ask again).
Result<Answer> Api::cot(Call& call) {
  auto page = cot_page(call.view, call.target);
  if (!page) return page.error();
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", events;
  std::optional<std::string> next = page->next;
  std::string last;
  for (const Volume* v : page->volumes) {
    auto drawn = drawings_.find(*v);
    // A page holds PageLimits::kMaxBytes of drawings (one at least): a large
    // shape's drawing is many times its feature, which the page was cut by.
    if (!last.empty() && (!drawn || events.size() + drawn->events.size() > PageLimits::kMaxBytes)) {
      next = last;
      break;
    }
    // The first changed after the pool drew it: drawing it here could hold
    // the line for seconds, so the client asks again (the pool draws it).
    if (!drawn) {
      return make_error(ErrorCode::overloaded, "what was drawn for this page changed meanwhile: ask again");
    }
    events += drawn->events;
    last = v->id;
  }
  std::string open = "<events";
  if (next) open += " next=\"" + gis::xml_escaped(*next) + "\"";
  Answer a = Answer::text(body + open + ">\n" + events + "</events>\n");
  a.content_type = "application/xml";
  return a;
}

Result<Answer> Api::rules(Call&) {
  json rules = json::array();
  for (const engine::Rule& r : engine::rules()) {
    rules.push_back({{"id", rule_name(r.id)}, {"other", type_name(r.other_type)}, {"summary", r.summary}});
  }
  json kinds = json::array(), hazardous = json::array();
  for (ActivityKind k : kActivityKinds) {
    kinds.push_back(kind_name(k));
    if (is_hazardous(k)) hazardous.push_back(kind_name(k));
  }
  return Answer::json(
      {{"rules", std::move(rules)}, {"activity_kinds", std::move(kinds)}, {"hazardous_kinds", std::move(hazardous)}});
}

Result<Answer> Api::conflicts(Call& call) {
  auto found = call.view.conflicts(call.id);
  if (!found) return found.error();
  return Answer::json({{"conflicts", conflicts_json(*found)}});
}

// POST /v1/check: a dry run (DESIGN §6.1), as the caller may see it.
Result<Answer> Api::dry_run(Call& call) {
  auto activity = feature(call);
  if (!activity) return activity.error();
  auto conflicts = call.view.check(*activity);
  if (!conflicts) return conflicts.error();
  return Answer::json({{"conflicts", conflicts_json(*conflicts)}});
}

}  // namespace deconflict::server
