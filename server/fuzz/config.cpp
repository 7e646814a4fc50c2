// main/config.hpp load_config_text: the server's TOML configuration file (the operator's own file, so trusted, but
// the first thing the server reads; toml++ is compiled in here so libFuzzer sees inside the parser too).
#include "fuzz.hpp"
#include "main/config.hpp"

using namespace otk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ServerConfig cfg;
  auto r = load_config_text(fuzz::as_text(data, size), "fuzz.toml", cfg);
  if (!r) {
    OTK_FUZZ_CHECK(r.error().message.starts_with("fuzz.toml: "));
    return 0;
  }
  OTK_FUZZ_CHECK(cfg.threads >= 0 && cfg.threads <= 256 && cfg.first_response_seconds >= 1);
  (void)parse_listen(cfg.listen);
  return 0;
}
