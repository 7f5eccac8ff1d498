// What a read beside the service's thread may rely on (include/deconflict/
// service.hpp, "Threads"): when memory is the present's (reads_aside), that a
// token is known from memory alone, and that each view counts its own work.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "deconflict/party_view.hpp"
#include "deconflict/service.hpp"
#include "deconflict/time.hpp"
#include "point_activity.hpp"
#include "scratch_dir.hpp"

namespace deconflict {
namespace {

// A 5 km patrol at (lon, 33.5).
PreparedVolume activity(const std::string& id, const std::string& party, double lon) {
  return deconflict::testing::point_activity(id, party, lon, 5000);
}

class ReadsAside : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.db_path = (dir_ / "test.db").string();
    options_.clock = [this] { return now_; };
    service_ = open();
    for (const char* id : {"russia", "coalition"}) {
      auto token = service_->add_party(id, id, false);
      ASSERT_TRUE(token.ok());
      tokens_[id] = *token;
      parties_[id] = *service_->authenticate(*token);
    }
  }
  std::unique_ptr<Service> open() {
    auto s = Service::open(options_);
    EXPECT_TRUE(s.ok()) << s.error().describe();
    return s.ok() ? std::move(*s) : nullptr;
  }
  PartyView as(const std::string& party) { return service_->as(parties_.at(party)); }

  deconflict::testing::ScratchDir dir_{"reads-aside"};
  TimePoint now_ = *parse_rfc3339("2018-09-01T08:00:00Z");
  Options options_;
  std::unique_ptr<Service> service_;
  std::map<std::string, std::string> tokens_;
  std::map<std::string, Party> parties_;
};

// A notice's deadline that passed unmarked makes memory stale (the notice is
// overdue, its escalation unsent): reads wait for the service's thread,
// which marks it, until then.
TEST_F(ReadsAside, NotWhileADeadlineHasPassedUnmarked) {
  EXPECT_TRUE(service_->reads_aside());
  ASSERT_TRUE(as("coalition").declare(activity("coalition.patrol", "coalition", 38.60)).ok());
  auto clash = as("russia").declare(activity("russia.patrol", "russia", 38.61));
  ASSERT_TRUE(clash.ok()) << clash.error().describe();
  ASSERT_EQ(clash->notices.size(), 1u);
  EXPECT_TRUE(service_->reads_aside()) << "a deadline still ahead";
  now_ = clash->notices[0].deadline;
  EXPECT_FALSE(service_->reads_aside()) << "the deadline is due";
  auto overdue = service_->advance();
  ASSERT_TRUE(overdue.ok());
  EXPECT_EQ(overdue->size(), 1u);
  EXPECT_TRUE(service_->reads_aside()) << "marked overdue";
}

// authenticate_known() reads memory only: a token revoked by another process
// is refused once the service has followed the store, which the server does
// after a read arrives and before it is answered.
TEST_F(ReadsAside, ATokenIsKnownFromMemoryUntilTheStoreIsFollowed) {
  auto other = open();  // another process on the same store (the CLI)
  ASSERT_TRUE(other->revoke_party("russia").ok());
  EXPECT_TRUE(service_->authenticate_known(tokens_["russia"]).ok()) << "memory has not followed the store yet";
  ASSERT_TRUE(service_->follow().ok());
  auto refused = service_->authenticate_known(tokens_["russia"]);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::not_found);
  EXPECT_TRUE(service_->authenticate_known(tokens_["coalition"]).ok());
  EXPECT_FALSE(service_->authenticate_known("dcf_not-a-token").ok());
}

// Views of one party made for requests served at once count only their own
// work: each request is charged what it cost, not what the other one did.
TEST_F(ReadsAside, EachViewCountsItsOwnWork) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(
        as("coalition").declare(activity("coalition.a" + std::to_string(i), "coalition", 38.6 + i * 0.01)).ok());
  }
  ASSERT_TRUE(as("russia").declare(activity("russia.patrol", "russia", 38.65)).ok());
  PartyView first = as("russia"), second = as("russia");
  const ConflictPage page = first.conflict_page("", 100);
  ASSERT_FALSE(page.items.empty());  // its own, and those it was shown
  EXPECT_FALSE(page.items[0].conflicts.empty());
  EXPECT_GT(first.work_spent(), 0u) << "checking is work";
  EXPECT_EQ(second.work_spent(), 0u);
  const uint64_t once = first.work_spent();
  EXPECT_EQ(second.conflict_page("", 100).items.size(), page.items.size());
  EXPECT_EQ(second.work_spent(), once) << "the same page costs the same, counted apart";
  EXPECT_EQ(first.work_spent(), once);
}

// Lists come sorted by id, however the ids compare: within their first 16
// bytes (compared as numbers), past them, and one a prefix of another.
TEST_F(ReadsAside, ListsAreSortedByIdWhereverIdsDiffer) {
  std::vector<std::string> ids = {"coalition.a",
                                  "coalition.a0",
                                  "coalition.aaaaaaaaaaaaaaaa",
                                  "coalition.aaaaaaaaaaaaaaaa-10",
                                  "coalition.aaaaaaaaaaaaaaaa-2",
                                  "coalition.aaaaaa",
                                  "coalition.\u00e9t\u00e9",
                                  "coalition.Z",
                                  "coalition.b"};
  for (size_t i = 0; i < ids.size(); ++i) {
    PreparedVolume v = activity("x", "coalition", 38.6 + 0.01 * static_cast<double>(i));
    v.id = nlohmann::json::parse("\"" + ids[i] + "\"").get<std::string>();
    ids[i] = v.id;
    ASSERT_TRUE(as("coalition").declare(std::move(v)).ok()) << ids[i];
  }
  std::sort(ids.begin(), ids.end());
  ListFilter filter;
  filter.bbox = BoundingBox{38, 33, 39, 34};  // through the index, then sorted
  std::vector<std::string> listed;
  for (const Volume* v : as("coalition").list(filter)) listed.push_back(v->id);
  EXPECT_EQ(listed, ids);
}

}  // namespace
}  // namespace deconflict
