#include "client/completion_watcher.hpp"
#include "model/exact_json_parse.hpp"

#include "client/sse_parser.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace jobforge::client {

namespace {

bool terminal(const std::string& status) {
  return status == "completed" || status == "failed" || status == "canceled";
}

}  // namespace

completion_watcher::completion_watcher(transport& t, reader read)
    : transport_(t), read_(std::move(read)) {
  stream_thread_ = std::thread([this] { stream_loop(); });
  dispatch_thread_ = std::thread([this] { dispatch_loop(); });
}

completion_watcher::~completion_watcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (live_stream_) live_stream_->stop();  // unblocks its read at once
  }
  changed_.notify_all();
  stream_thread_.join();
  dispatch_thread_.join();
}

void completion_watcher::watch(const std::string& id, std::function<void(const job&)> fn) {
  {
    std::lock_guard lock(mutex_);
    watchers_[id].push_back(std::move(fn));
    to_check_.insert(id);  // it may have ended already
  }
  changed_.notify_all();
}

std::size_t completion_watcher::awaiting() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, fns] : watchers_)
    n += fns.size();
  return n;
}

void completion_watcher::on_event(const event& e) {
  if (e.name != "status") return;
  boost::json::error_code ec;
  const auto v = parse_json_exactly(e.data, ec);
  if (ec || !v.is_object()) return;
  const auto* id = v.get_object().if_contains("job_id");
  const auto* to = v.get_object().if_contains("to");
  if (!id || !to || !id->is_string() || !to->is_string()) return;
  if (!terminal(std::string(to->get_string()))) return;
  std::lock_guard lock(mutex_);
  const std::string key(id->get_string());
  if (watchers_.count(key)) {
    to_check_.insert(key);
    changed_.notify_all();
  }
}

void completion_watcher::stream_loop() {
  milliseconds pause{200};
  for (;;) {
    auto client = transport_.stream_client(transport_.settings().event_stream_idle);
    const std::string url = transport_.current_url();
    httplib::Headers headers;
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      live_stream_ = client.get();
      if (last_event_id_) headers.emplace("Last-Event-ID", std::to_string(*last_event_id_));
    }
    sse_parser parser;
    std::string leader;
    client->Get(
        "/api/events", headers,
        [&](const httplib::Response& r) {
          if (r.status == 503) leader = r.get_header_value("X-Jobforge-Leader");
          if (r.status != 200) return false;
          pause = milliseconds{200};
          std::lock_guard lock(mutex_);
          check_all_ = true;  // whatever ended while we were not listening
          changed_.notify_all();
          return !stopping_;
        },
        [&](const char* data, std::size_t size) {
          for (const auto& e : parser.feed(data, size)) {
            if (e.id) {
              std::lock_guard lock(mutex_);
              last_event_id_ = e.id;
            }
            on_event(e);
          }
          std::lock_guard lock(mutex_);
          return !stopping_;
        });
    if (!leader.empty() && leader != url && transport_.settings().follow_leader &&
        !(url.rfind("https://", 0) == 0 && leader.rfind("https://", 0) != 0))
      transport_.follow(url, leader);
    std::unique_lock lock(mutex_);
    live_stream_ = nullptr;
    if (changed_.wait_for(lock, pause, [&] { return stopping_; })) return;
    pause = std::min(pause * 2, milliseconds{5'000});
  }
}

void completion_watcher::dispatch_loop() {
  std::unique_lock lock(mutex_);
  std::set<std::string> retry_later;
  for (;;) {
    changed_.wait_for(lock, milliseconds{1'000},
                      [&] { return stopping_ || check_all_ || !to_check_.empty(); });
    if (stopping_) return;
    if (check_all_) {
      for (const auto& [id, fns] : watchers_)
        to_check_.insert(id);
      check_all_ = false;
    }
    // Reads that failed are tried again about once a second.
    to_check_.insert(retry_later.begin(), retry_later.end());
    retry_later.clear();
    auto ids = std::exchange(to_check_, {});
    for (const auto& id : ids) {
      if (!watchers_.count(id)) continue;
      lock.unlock();
      auto j = read_(id);
      lock.lock();
      if (stopping_) return;
      if (!j) {
        // An unknown job never ends: its callbacks are dropped.
        if (j.error_value().http_status == 404)
          watchers_.erase(id);
        else
          retry_later.insert(id);
        continue;
      }
      if (!j->finished()) continue;
      auto it = watchers_.find(id);
      if (it == watchers_.end()) continue;
      auto fns = std::move(it->second);
      watchers_.erase(it);
      lock.unlock();
      for (auto& fn : fns)
        fn(*j);
      lock.lock();
    }
  }
}

}  // namespace jobforge::client
