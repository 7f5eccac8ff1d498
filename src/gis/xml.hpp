// libxml2 for the XML deconflict reads from the field (CoT drawings, TAK's
// stream): documents parsed as data, and their attributes and children.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

namespace deconflict::gis::xml {

using Doc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

/// Parses `text` as data: no network, no entities substituted, no DTD
/// loaded (an XXE is read as text). Null when it is not well-formed.
inline Doc parse(std::string_view text) {
  return Doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
             &xmlFreeDoc);
}

/// The element's name is `name`.
inline bool named(const xmlNode* n, std::string_view name) {
  return n && n->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(n->name);
}

/// The attribute's value; empty when it has none (or `n` is null).
inline std::string attribute(const xmlNode* n, const char* name) {
  xmlChar* v = n ? xmlGetProp(n, reinterpret_cast<const xmlChar*>(name)) : nullptr;
  if (!v) return {};
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

/// The first child element named `name`, or null.
inline const xmlNode* child(const xmlNode* n, std::string_view name) {
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next) {
    if (named(c, name)) return c;
  }
  return nullptr;
}

}  // namespace deconflict::gis::xml
