// A test host of its own for the partition tests: a network namespace made by
// the test (`ip netns`, from Debian's iproute2), reached from this machine by
// two veth pairs, one for the clients and one for the database, so that the
// database's link can be cut and healed while clients still reach the host.
// A cut link drops packets silently, as a failed router or cable does: no
// reset, no error, nothing but silence. Needs root (CAP_NET_ADMIN).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace deconflict::testing {

class TestNetwork {
 public:
  TestNetwork() : tag_(std::to_string(::getpid() % 100000)), block_(std::to_string(::getpid() % 250)) {
    const std::string ns = name();
    remove();  // what a killed run of a process with this pid left behind
    ok_ =
        sh("ip netns add " + ns) && pair("c", "10.77.") && pair("d", "10.78.") && sh("ip -n " + ns + " link set lo up");
  }
  ~TestNetwork() { remove(); }
  TestNetwork(const TestNetwork&) = delete;
  TestNetwork& operator=(const TestNetwork&) = delete;

  bool ok() const { return ok_; }
  std::string name() const { return "deconflict" + tag_; }
  /// The host's address as the clients see it, and this machine's on the database's link.
  std::string host_address() const { return "10.77." + block_ + ".2"; }
  std::string database_side() const { return "10.78." + block_ + ".1"; }

  /// Cuts, or heals, the link between the host and the database.
  bool cut_database_link() { return sh("ip link set dcf" + tag_ + "d down"); }
  bool heal_database_link() { return sh("ip link set dcf" + tag_ + "d up"); }

 private:
  // This machine's end dcf<tag><c|d> at <prefix><block>.1, the host's end at .2.
  bool pair(const std::string& which, const std::string& prefix) {
    const std::string outer = "dcf" + tag_ + which, inner = outer + "h", net = prefix + block_;
    return sh("ip link add " + outer + " type veth peer name " + inner) &&
           sh("ip link set " + inner + " netns " + name()) && sh("ip addr add " + net + ".1/30 dev " + outer) &&
           sh("ip link set " + outer + " up") && sh("ip -n " + name() + " addr add " + net + ".2/30 dev " + inner) &&
           sh("ip -n " + name() + " link set " + inner + " up");
  }
  void remove() const {
    sh("ip link del dcf" + tag_ + "c");
    sh("ip link del dcf" + tag_ + "d");
    sh("ip netns del " + name());
  }
  static bool sh(const std::string& cmd) { return std::system((cmd + " > /dev/null 2>&1").c_str()) == 0; }

  std::string tag_, block_;
  bool ok_ = false;
};

}  // namespace deconflict::testing
