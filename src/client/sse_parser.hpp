#pragma once
/// Cuts a Server-Sent Events byte stream into events (the subset the
/// server speaks: `id:`, `event:`, `data:` lines, `:` comments, a blank
/// line ending each event). Pure, fed in arbitrary chunks.

#include "jobforge/client_types.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace jobforge::client {

class sse_parser {
 public:
  /// The events completed by `size` more bytes (comments yield none).
  std::vector<event> feed(const char* data, std::size_t size);

 private:
  void line(const std::string& text);

  std::string buffer_;
  event current_;
  bool has_data_ = false;
  std::vector<event> done_;
};

}  // namespace jobforge::client
