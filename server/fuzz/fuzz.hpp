// Shared by the fuzz targets: the input as a string_view, splitting it into fields, and a check that aborts (so
// libFuzzer saves the input) when a property the parser promises does not hold.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace otk::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The input cut at every `sep` byte: how one input carries several fields ("name\0email\0phone\0message").
inline std::vector<std::string_view> split(std::string_view s, char sep = '\0') {
  std::vector<std::string_view> out;
  for (;;) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

[[noreturn]] inline void broken(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line, what);
  std::abort();
}

}  // namespace otk::fuzz

// A property of the code under test (not an input check): failing it is a bug, reported like a crash.
#define OTK_FUZZ_CHECK(cond) ((cond) ? (void)0 : ::otk::fuzz::broken(#cond, __FILE__, __LINE__))
