#include "server/access_log.hpp"

#include <spdlog/details/log_msg.h>

#include <boost/asio/post.hpp>
#include <cstdio>

namespace deconflict::server {
namespace {

// More than this kept is written at once, whatever the turn.
constexpr size_t kMaxKeptBytes = 64 * 1024;

}  // namespace

AccessLog::AccessLog(boost::asio::io_context& io) : io_(io), stamp_(kLogPattern, spdlog::pattern_time_type::utc) {}

AccessLog::~AccessLog() { write(); }

void AccessLog::add(std::string_view line) {
  const bool first = kept_.size() == 0;
  stamp_.format(spdlog::details::log_msg("", spdlog::level::info, spdlog::string_view_t(line.data(), line.size())),
                kept_);
  if (kept_.size() > kMaxKeptBytes) return write();
  // Posted behind the handlers this turn already has: whatever they log
  // joins this write.
  if (first) boost::asio::post(io_, [this] { write(); });
}

void AccessLog::write() {
  if (kept_.size() == 0) return;
  // Standard error is unbuffered: one write(2), however long.
  std::fwrite(kept_.data(), 1, kept_.size(), stderr);
  kept_.clear();
}

}  // namespace deconflict::server
