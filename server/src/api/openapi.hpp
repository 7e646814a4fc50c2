// The OpenAPI 3 document of the REST API (docs/openapi.json), compiled into the binary by CMake
// (server/src/api/CMakeLists.txt writes openapi.cpp from openapi.cpp.in), served at GET /api/v1/openapi.json.
#pragma once
#include <string_view>

namespace otk {

/// The text of docs/openapi.json as it was when the binary was built.
std::string_view openapi_document();

}  // namespace otk
