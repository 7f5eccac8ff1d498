// The OpenAPI 3 description of the HTTP API (docs/openapi.yaml), built in.
#pragma once

#include <string_view>

namespace deconflict::server {

std::string_view openapi_yaml();

}  // namespace deconflict::server
