#include "deconflict/party.hpp"

namespace deconflict {

bool is_party_id(std::string_view s) {
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (s.empty() || s.size() > 64 || !lower_or_digit(s[0])) return false;
  for (char c : s) {
    if (!lower_or_digit(c) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace deconflict
