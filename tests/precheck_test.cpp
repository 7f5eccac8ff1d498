// A check measured ahead (include/deconflict/precheck.hpp) gives the answer a
// check of the world as it is when served gives, whatever changed in between.
#include "deconflict/precheck.hpp"

#include <gtest/gtest.h>

#include "deconflict/party_view.hpp"
#include "deconflict/service.hpp"
#include "deconflict/time.hpp"
#include "point_activity.hpp"
#include "scratch_dir.hpp"

namespace deconflict {
namespace {

using testing::point_activity;

std::vector<std::string> others(const std::vector<Conflict>& conflicts) {
  std::vector<std::string> out;
  for (const Conflict& c : conflicts) out.push_back(c.other_id + " " + std::string(rule_name(c.rule)));
  return out;
}

class PrecheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.db_path = (dir_ / "test.db").string();
    options_.clock = [] { return *parse_rfc3339("2018-09-01T08:00:00Z"); };
    auto s = Service::open(options_);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    service_ = std::move(*s);
    for (const char* id : {"russia", "coalition"}) {
      auto token = service_->add_party(id, id, false);
      ASSERT_TRUE(token.ok());
      parties_[id] = *service_->authenticate(*token);
    }
  }
  PartyView as(const std::string& party, const Precheck* ahead = nullptr) {
    return service_->as(parties_.at(party), ahead);
  }
  void declare(PreparedVolume v) {
    const std::string party = v.party;
    auto d = as(party).declare(std::move(v));
    ASSERT_TRUE(d.ok()) << d.error().describe();
  }

  deconflict::testing::ScratchDir dir_{"precheck"};
  Options options_;
  std::unique_ptr<Service> service_;
  std::map<std::string, Party> parties_;
};

// What changed between the plan and the check is measured then: a volume
// declared since is found, one withdrawn is gone, one moved is where it is now.
TEST_F(PrecheckTest, TheAnswerIsThatOfTheWorldWhenTheCheckIsServed) {
  declare(point_activity("coalition.kept", "coalition", 38.60, 5000));
  declare(point_activity("coalition.gone", "coalition", 38.61, 5000));
  declare(point_activity("coalition.moved", "coalition", 38.62, 5000));
  const PreparedVolume query = point_activity("russia.q", "russia", 38.605, 5000);
  Precheck ahead = as("russia").plan(query);
  ASSERT_TRUE(ahead.planned());
  ahead.refine();
  EXPECT_GT(ahead.work(), 0u);

  declare(point_activity("coalition.new", "coalition", 38.603, 5000));
  ASSERT_TRUE(as("coalition").withdraw(ObjectType::activity, "coalition.gone").ok());
  auto moved = as("coalition").replace(point_activity("coalition.moved", "coalition", 40.0, 5000), 1);
  ASSERT_TRUE(moved.ok()) << moved.error().describe();

  const std::vector<Conflict> without = service_->check(query);  // the operator's view: nothing redacted
  PartyView russia = as("russia", &ahead);
  auto with = russia.declare(query);  // a declaration shows its party what it meets
  ASSERT_TRUE(with.ok()) << with.error().describe();
  // Only the one volume declared since was measured when served (the moved
  // one no longer comes near): the rest came from the precheck.
  const uint64_t served = russia.work_spent() - ahead.work();
  EXPECT_LT(served, ahead.work() / 2) << "measured when served: " << served << ", ahead: " << ahead.work();
  EXPECT_EQ(others(with->conflicts), others(without));
  EXPECT_EQ(others(with->conflicts),
            (std::vector<std::string>{"coalition.kept activity-clash", "coalition.new activity-clash"}));
}

// A precheck serves only the query it measured: another one is measured in full.
TEST_F(PrecheckTest, APrecheckOfAnotherQueryIsNotUsed) {
  declare(point_activity("coalition.near", "coalition", 38.60, 5000));
  const PreparedVolume far = point_activity("russia.q", "russia", 45.0, 5000);
  Precheck ahead = as("russia").plan(far);
  ahead.refine();
  auto with = as("russia", &ahead).declare(point_activity("russia.q", "russia", 38.60, 5000));
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(others(with->conflicts), (std::vector<std::string>{"coalition.near activity-clash"}));
}

// The work measured ahead counts against the check's budget: a precheck
// that ran out of it makes the check too complex, as it would have been.
TEST_F(PrecheckTest, APrecheckOverTheBudgetMakesTheCheckTooComplex) {
  declare(point_activity("coalition.near", "coalition", 38.60, 5000));
  service_.reset();
  options_.max_check_work = 10;
  auto reopened = Service::open(options_);
  ASSERT_TRUE(reopened.ok());
  service_ = std::move(*reopened);
  const PreparedVolume query = point_activity("russia.q", "russia", 38.601, 5000);
  Precheck ahead = as("russia").plan(query);
  ahead.refine();
  auto with = as("russia", &ahead).check(query);
  ASSERT_FALSE(with.ok());
  EXPECT_EQ(with.error().code, ErrorCode::too_complex);
}

// Cancelled (a server stopping), a precheck ends at once and its check is refused.
TEST_F(PrecheckTest, ACancelledPrecheckStopsAndItsCheckIsRefused) {
  declare(point_activity("coalition.near", "coalition", 38.60, 5000));
  const PreparedVolume query = point_activity("russia.q", "russia", 38.601, 5000);
  Precheck ahead = as("russia").plan(query);
  const std::atomic<bool> stopping{true};
  ahead.refine(&stopping);
  auto with = as("russia", &ahead).check(query);
  ASSERT_FALSE(with.ok());
  EXPECT_EQ(with.error().code, ErrorCode::too_complex);
}

// Stored objects are planned by id, only for a caller that may see them.
TEST_F(PrecheckTest, AStoredObjectIsPlannedOnlyForThoseWhoSeeIt) {
  declare(point_activity("coalition.near", "coalition", 38.60, 5000));
  declare(point_activity("russia.stored", "russia", 38.601, 5000));
  declare(point_activity("russia.hidden", "russia", 45.0, 5000));  // meets nothing of the coalition's
  EXPECT_TRUE(as("russia").plan("russia.stored").planned());
  EXPECT_TRUE(as("coalition").plan("russia.stored").planned()) << "disclosed by its conflict";
  EXPECT_FALSE(as("russia").plan("russia.absent").planned());
  EXPECT_FALSE(as("coalition").plan("russia.hidden").planned());
}

}  // namespace
}  // namespace deconflict
