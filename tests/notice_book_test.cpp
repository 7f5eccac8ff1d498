// The notices in memory (src/service/notice_book.*): each lookup gives what
// a scan of every notice would, and the pending ones stay in deadline order
// as notices are answered.
#include "service/notice_book.hpp"

#include <gtest/gtest.h>

#include "deconflict/time.hpp"

namespace deconflict {
namespace {

Notice notice(const std::string& id, const std::string& activity, int version, const std::string& from,
              const std::string& to, const char* deadline) {
  Notice n;
  n.id = id;
  n.activity_id = activity;
  n.activity_version = version;
  n.from_party = from;
  n.to_party = to;
  n.deadline = *parse_rfc3339(deadline);
  return n;
}

std::vector<std::string> ids(const std::vector<const Notice*>& notices) {
  std::vector<std::string> out;
  for (const Notice* n : notices) out.push_back(n->id);
  return out;
}

using Ids = std::vector<std::string>;

TEST(NoticeBook, FindsByActivityVersionAndPartyAndKeepsDeadlinesInOrder) {
  NoticeBook book;
  book.keep(notice("n-3", "russia.entry", 2, "russia", "coalition", "2018-09-02T00:00:00Z"));
  book.keep(notice("n-1", "russia.entry", 1, "russia", "coalition", "2018-09-03T00:00:00Z"));
  book.keep(notice("n-2", "coalition.fire", 1, "coalition", "un", "2018-09-01T12:00:00Z"));
  EXPECT_EQ(ids(book.of_activity("russia.entry")), (Ids{"n-1", "n-3"}));
  EXPECT_EQ(ids(book.of_version("russia.entry", 2)), (Ids{"n-3"}));
  EXPECT_EQ(ids(book.of_party("coalition")), (Ids{"n-1", "n-2", "n-3"}));
  EXPECT_EQ(ids(book.of_party("un")), (Ids{"n-2"}));
  EXPECT_TRUE(book.of_party("iran").empty());
  EXPECT_EQ(ids(book.due(*parse_rfc3339("2018-09-02T00:00:00Z"))), (Ids{"n-2", "n-3"}));
  EXPECT_TRUE(book.any_due(*parse_rfc3339("2018-09-01T12:00:00Z")));
  EXPECT_FALSE(book.any_due(*parse_rfc3339("2018-09-01T11:59:59Z")));

  // Answered, or superseded: no longer due, still found.
  Notice answered = *book.find("n-2");
  answered.state = NoticeState::acknowledged;
  book.keep(answered);
  Notice superseded = *book.find("n-1");
  superseded.state = NoticeState::superseded;
  book.keep(superseded);
  EXPECT_EQ(ids(book.due(*parse_rfc3339("2030-01-01T00:00:00Z"))), (Ids{"n-3"}));
  EXPECT_EQ(book.find("n-2")->state, NoticeState::acknowledged);
  EXPECT_EQ(ids(book.of_party("un")), (Ids{"n-2"}));
  EXPECT_EQ(book.find("n-9"), nullptr);

  book.clear();
  EXPECT_TRUE(book.of_activity("russia.entry").empty());
  EXPECT_TRUE(book.due(*parse_rfc3339("2030-01-01T00:00:00Z")).empty());
  EXPECT_FALSE(book.any_due(*parse_rfc3339("2030-01-01T00:00:00Z")));
}

}  // namespace
}  // namespace deconflict
