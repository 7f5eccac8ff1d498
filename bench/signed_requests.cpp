// Writes N creates (POST /v1/activities) of one party, each an HTTP request
// signed with the party's key as its client would sign it (RFC 9421 over an
// RFC 9530 Content-Digest, a fresh nonce each, created now), for
// bench/http/signed_create.lua to send: the signing is done before the run,
// so the load generator spends nothing on it while the server is measured.
// The requests are separated by a NUL byte. Usage:
//   signed_requests KEY_FILE HOST:PORT TOKEN N SEED > requests.bin
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

#include "record/crypto.hpp"
#include "record/http_signature.hpp"

using namespace deconflict;

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: signed_requests KEY_FILE HOST:PORT TOKEN N SEED\n";
    return 2;
  }
  auto key = record::SigningKey::load(argv[1], false);
  if (!key) {
    std::cerr << key.error().message << "\n";
    return 1;
  }
  const std::string host = argv[2], token = argv[3];
  const long n = std::stol(argv[4]);
  std::mt19937_64 rng(std::stoull(argv[5]));
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<int> day(1, 28);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (long i = 0; i < n; ++i) {
    // As bench/http/create.lua: 2 km movements at random over 5 x 5 degrees.
    char body[400];
    const int d = day(rng);
    std::snprintf(body, sizeof body,
                  R"({"type":"Feature","geometry":{"type":"Point","coordinates":[%.5f,%.5f]},)"
                  R"("properties":{"kind":"movement","radius_m":2000,)"
                  R"("start":"2018-09-%02dT06:00:00Z","end":"2018-09-%02dT18:00:00Z"}})",
                  36 + 5 * unit(rng), 31 + 5 * unit(rng), d, d);
    const std::string b = body;
    const auto h =
        record::sign_request("POST", "http://" + host + "/v1/activities", b, *key, now, record::random_hex(16));
    std::cout << "POST /v1/activities HTTP/1.1\r\nHost: " << host << "\r\nAuthorization: Bearer " << token
              << "\r\nContent-Type: application/json\r\nContent-Digest: " << h.content_digest
              << "\r\nSignature-Input: " << h.signature_input << "\r\nSignature: " << h.signature
              << "\r\nContent-Length: " << b.size() << "\r\n\r\n"
              << b << '\0';
  }
  return 0;
}
