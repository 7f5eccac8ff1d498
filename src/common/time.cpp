#include "deconflict/time.hpp"

#include <cctype>
#include <cstdio>

namespace deconflict {
namespace {

// A field of exactly `len` ASCII digits (at most 4: no overflow).
bool read_int(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  out = value;
  return true;
}

Error bad(std::string_view text, const char* why) {
  return make_error(ErrorCode::invalid_input,
                    "'" + std::string(text.substr(0, 64)) + "' is not an RFC 3339 timestamp (" + why + ")");
}

}  // namespace

Result<TimePoint> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!read_int(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !read_int(s, 5, 2, mo) || s[7] != '-' ||
      !read_int(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_int(s, 11, 2, h) ||
      s[13] != ':' || !read_int(s, 14, 2, mi) || s[16] != ':' || !read_int(s, 17, 2, sec)) {
    return bad(s, "expected YYYY-MM-DDTHH:MM:SSZ");
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad(s, "no such date");
  if (h > 23 || mi > 59 || sec > 60) return bad(s, "no such time of day");
  size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad(s, "empty fraction of a second");
    for (int k = digits; k < 3; ++k) millis *= 10;
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!read_int(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !read_int(s, pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return bad(s, "bad offset");
    }
    offset_min = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return bad(s, "missing time zone: add Z or an offset");
  }
  if (pos != s.size()) return bad(s, "trailing characters");
  const auto t =
      sys_days{ymd} + hours{h} + minutes{mi} + seconds{std::min(sec, 59)} + milliseconds{millis} - minutes{offset_min};
  const TimePoint point(duration_cast<milliseconds>(t.time_since_epoch()));
  // kTimeMin and kTimeMax stand for open ends, and years outside 0001..9999
  // cannot be written back as RFC 3339.
  if (point <= kTimeMin || point >= kTimeMax) return bad(s, "outside the years 0001 to 9999");
  return point;
}

std::string format_rfc3339(TimePoint t) {
  std::string out;
  append_rfc3339(t, out);
  return out;
}

// Digits written in place (a check's output writes two times a conflict,
// and snprintf was most of their cost); a year outside 0 to 9999 as
// snprintf's %04d writes it.
void append_rfc3339(TimePoint t, std::string& out) {
  using namespace std::chrono;
  const auto day_point = floor<days>(t);
  const year_month_day ymd{day_point};
  const long long ms = (t - day_point).count();
  const long long secs = ms / 1000;
  const int year = static_cast<int>(ymd.year());
  char buf[40] = "0000-00-00T00:00:00.000";
  size_t n = 19;
  if (year >= 0 && year <= 9999) {
    const auto put = [&buf](size_t at, size_t width, long long v) {
      for (size_t i = at + width; i-- > at; v /= 10) buf[i] = static_cast<char>('0' + v % 10);
    };
    put(0, 4, year);
    put(5, 2, static_cast<unsigned>(ymd.month()));
    put(8, 2, static_cast<unsigned>(ymd.day()));
    put(11, 2, secs / 3600);
    put(14, 2, (secs / 60) % 60);
    put(17, 2, secs % 60);
  } else {
    n = static_cast<size_t>(std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld", year,
                                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                          secs / 3600, (secs / 60) % 60, secs % 60));
  }
  out.append(buf, n);
  if (ms % 1000 != 0) {
    char fraction[5] = ".000";
    for (long long i = 3, v = ms % 1000; i > 0; --i, v /= 10) fraction[i] = static_cast<char>('0' + v % 10);
    out.append(fraction, 4);
  }
  out += 'Z';
}

}  // namespace deconflict
