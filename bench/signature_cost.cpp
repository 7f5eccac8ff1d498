// The cost of a signed act (issue 16): signing a request (the client) and
// reading and verifying it (the server, on the line thread), per request.
//   g++ -std=c++20 -O2 -I src -I include bench/signature_cost.cpp build/libdeconflict.a -lsodium -lcrypto -o /tmp/sc
#include <chrono>
#include <cstdio>

#include "record/http_signature.hpp"
using namespace deconflict;
int main() {
  auto key = record::SigningKey::generate();
  std::string body(600, 'x');
  const int n = 20000;
  auto t0 = std::chrono::steady_clock::now();
  record::SignedHeaders h;
  for (int i = 0; i < n; ++i)
    h = record::sign_request("POST", "http://127.0.0.1:8080/v1/activities", body, key, 1700000000,
                             record::random_hex(16));
  auto t1 = std::chrono::steady_clock::now();
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    auto s = record::read_statement("POST", "http://127.0.0.1:8080/v1/activities", body, h.content_digest,
                                    h.signature_input, h.signature);
    ok += s && record::verify_statement(*s).ok();
  }
  auto t2 = std::chrono::steady_clock::now();
  std::printf("sign %.1f us, read+verify %.1f us per request (%d ok)\n",
              std::chrono::duration<double, std::micro>(t1 - t0).count() / n,
              std::chrono::duration<double, std::micro>(t2 - t1).count() / n, ok);
}
