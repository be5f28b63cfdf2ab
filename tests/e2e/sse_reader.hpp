#pragma once
// Reads a server's event stream (GET /api/events) into events, bounded.
#include <httplib.h>
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace e2e {

struct sse_event {
  std::uint64_t id = 0;
  std::string name;
  boost::json::object data;
};

/// Reads the stream at `path` until `enough` says so or `limit` passes.
inline std::vector<sse_event> read_events(
    int port, const std::string& path,
    const std::function<bool(const std::vector<sse_event>&)>& enough, std::string* raw = nullptr) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(5));
  std::vector<sse_event> events;
  std::string buffer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  client.Get(path.c_str(), [&](const char* data, std::size_t size) {
    buffer.append(data, size);
    if (raw) raw->append(data, size);
    for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
      const std::string block = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      sse_event e;
      std::istringstream lines(block);
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("id: ", 0) == 0) e.id = std::stoull(line.substr(4));
        if (line.rfind("event: ", 0) == 0) e.name = line.substr(7);
        if (line.rfind("data: ", 0) == 0) e.data = boost::json::parse(line.substr(6)).as_object();
      }
      if (!e.name.empty()) events.push_back(std::move(e));
    }
    return !enough(events) && std::chrono::steady_clock::now() < deadline;
  });
  return events;
}

}  // namespace e2e
