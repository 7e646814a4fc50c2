// Files under the data directory (photos, attachments): written so that a crash leaves them absent or whole.
// Blocking calls: run them on App's CPU pool, never on an I/O thread.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace otk {

/// Writes path.tmp, fsyncs it, renames it to path and fsyncs the directory: after a crash the file is either
/// absent or complete. Creates the directory when missing. Error: unavailable.
Result<void> write_file_durably(const std::filesystem::path& path, std::string_view bytes);

/// True for the two upload paths whose bodies may be as large as [limits] attachment_mb.
bool is_attachment_upload(std::string_view path);

}  // namespace otk
