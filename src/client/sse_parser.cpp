#include "client/sse_parser.hpp"

#include <cstdlib>

namespace jobforge::client {

std::vector<event> sse_parser::feed(const char* data, std::size_t size) {
  buffer_.append(data, size);
  std::size_t start = 0;
  for (auto end = buffer_.find('\n', start); end != std::string::npos;
       end = buffer_.find('\n', start)) {
    std::string text = buffer_.substr(start, end - start);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    line(text);
    start = end + 1;
  }
  buffer_.erase(0, start);
  return std::exchange(done_, {});
}

void sse_parser::line(const std::string& text) {
  if (text.empty()) {  // the end of an event
    if (has_data_ || !current_.name.empty()) done_.push_back(current_);
    const auto id = current_.id;
    current_ = event{};
    current_.id = id;  // an id holds until the next one names another
    has_data_ = false;
    return;
  }
  if (text[0] == ':') return;  // a comment: keep-alive
  const auto colon = text.find(':');
  const std::string field = text.substr(0, colon);
  std::string value = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.erase(0, 1);
  if (field == "event") {
    current_.name = value;
  } else if (field == "data") {
    if (has_data_) current_.data += "\n";
    current_.data += value;
    has_data_ = true;
  } else if (field == "id") {
    char* end = nullptr;
    const auto n = std::strtoull(value.c_str(), &end, 10);
    if (end && *end == '\0' && !value.empty()) current_.id = n;
  }
}

}  // namespace jobforge::client
