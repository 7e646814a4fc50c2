// Browser assets (widget, console, demo pages) read once at start from the assets directory
// (default: <directory of the binary>/web, built by web/build.mjs) and served from memory.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace otk {

struct Asset {
  std::string body;
  std::string content_type;
  std::string etag;
};

class Assets {
 public:
  /// Loads every file under dir (up to 32 MiB in all). Missing dir: no assets, the API still works.
  explicit Assets(const std::filesystem::path& dir);
  /// By path relative to the assets directory, e.g. "widget.js", "console/index.html".
  [[nodiscard]] const Asset* find(const std::string& rel) const;
  [[nodiscard]] std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, Asset, std::less<>> files_;
};

}  // namespace otk
