#include "http/event_stream.hpp"

#include "model/job_codec.hpp"
#include "model/time.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace jobforge::http {

bool event_filter::matches(const job_id& id, const std::string& job_type,
                           const std::string& job_tenant) const {
  return (jobs.empty() || std::binary_search(jobs.begin(), jobs.end(), id)) &&
         (types.empty() || std::find(types.begin(), types.end(), job_type) != types.end()) &&
         (!tenant || *tenant == job_tenant);
}

namespace {

std::string format_node_event(const job_event& e) {
  const auto& n = *e.node;
  boost::json::array types;
  for (const auto& t : n.types)
    types.emplace_back(t);
  boost::json::object data{{"node", n.node},
                           {"session", fmt_session(n.session)},
                           {"state", n.state},
                           {"address", n.host},
                           {"types", std::move(types)},
                           {"capacity", n.capacity},
                           {"at", format_rfc3339(e.at)}};
  if (!n.reason.empty()) data["reason"] = n.reason;
  return "id: " + std::to_string(e.sequence) +
         "\nevent: node\ndata: " + boost::json::serialize(data) + "\n\n";
}

}  // namespace

std::string fmt_session(std::uint64_t session) {
  static const char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, session >>= 4)
    out[static_cast<std::size_t>(i)] = digits[session & 0xf];
  return out;
}

std::string format_event(const job_event& e) {
  if (e.what == job_event::kind::node && e.node) return format_node_event(e);
  boost::json::object data{{"job_id", to_string(e.id)}, {"type", e.type}};
  std::string name;
  if (e.what == job_event::kind::status) {
    name = "status";
    data["from"] = e.from ? boost::json::value(to_string(*e.from)) : nullptr;
    data["to"] = to_string(e.to);
    data["attempt"] = e.attempt;
    if (e.error) data["error"] = to_json(*e.error);
  } else if (e.what == job_event::kind::log && e.log) {
    name = "log";
    data["attempt"] = e.log->attempt;
    data["level"] = to_string(e.log->level);
    data["message"] = e.log->text;
    if (e.log->held_back > 0) data["held_back"] = e.log->held_back;
  } else {
    name = "progress";
    data["percent"] = e.progress.percent;
    data["stage"] = e.progress.stage;
    data["message"] = e.progress.message;
    data["eta_ms"] = e.progress.eta_ms ? boost::json::value(*e.progress.eta_ms) : nullptr;
  }
  data["at"] = format_rfc3339(e.at);
  return "id: " + std::to_string(e.sequence) + "\nevent: " + name +
         "\ndata: " + boost::json::serialize(data) + "\n\n";
}

event_broadcaster::event_broadcaster(limits l) : limits_(l) {}

bool event_broadcaster::matches(const client& c, const kept& k) const {
  // A node event concerns no tenant's job: every stream that asks for no
  // particular job or type gets it.
  if (k.event.what == job_event::kind::node) return !c.filter_.narrowed();
  // Decided before deliver() formats anything: a stream without job events
  // costs each job event one test, however many of them flow.
  if (!c.filter_.job_events) return false;
  return c.filter_.matches(k.event.id, k.event.type, k.event.tenant);
}

void event_broadcaster::deliver(client& c, kept& k) {
  if (k.text.empty()) k.text = format_event(k.event);
  std::lock_guard<std::mutex> guard(c.mutex_);
  if (c.closed_ || c.overflowed_) return;
  if (c.queue_.size() >= limits_.client_queue) {
    c.overflowed_ = true;  // it reconnects with Last-Event-ID and catches up
    c.queue_.clear();
  } else {
    c.queue_.push_back(k.text);
  }
  c.changed_.notify_one();
}

std::string format_stats_event(const std::string& data, std::optional<std::uint64_t> position) {
  std::string text = position ? "id: " + std::to_string(*position) + "\n" : std::string();
  return text + "event: stats\ndata: " + data + "\n\n";
}

bool event_broadcaster::wants_stats() {
  std::lock_guard<std::mutex> guard(mutex_);
  return std::any_of(clients_.begin(), clients_.end(),
                     [](const auto& c) { return c->filter_.stats; });
}

void event_broadcaster::publish_stats(const std::string& data) {
  const auto text = format_stats_event(data);
  std::lock_guard<std::mutex> guard(mutex_);
  // Every event up to the newest was queued for each client it matches (all
  // under this lock), so the newest one's id is a resume point for any
  // filter. A stream without job events passes it on: the client switching
  // to job events resumes from now, not from before it stopped seeing them.
  std::optional<std::string> positioned;
  for (const auto& c : clients_) {
    if (!c->filter_.stats) continue;
    if (!c->filter_.job_events && !positioned)
      positioned = format_stats_event(
          data, recent_.empty() ? std::nullopt : std::optional(recent_.back().event.sequence));
    std::lock_guard<std::mutex> inner(c->mutex_);
    if (c->closed_ || c->overflowed_) continue;
    // Stats are not worth cutting a client off for: one far behind misses them.
    if (c->queue_.size() >= limits_.client_queue) continue;
    c->queue_.push_back(c->filter_.job_events ? text : *positioned);
    c->changed_.notify_one();
  }
}

void event_broadcaster::publish(const job_event& e) {
  std::lock_guard<std::mutex> guard(mutex_);
  kept& k = recent_.emplace_back(kept{e, {}});
  for (const auto& c : clients_)
    if (matches(*c, k)) deliver(*c, k);
  if (recent_.size() > limits_.recent) recent_.pop_front();
}

std::shared_ptr<event_broadcaster::client> event_broadcaster::connect(
    event_filter filter, std::optional<std::uint64_t> last_seen) {
  auto c = std::make_shared<client>();
  c->filter_ = std::move(filter);
  std::lock_guard<std::mutex> guard(mutex_);
  if (last_seen)
    for (auto& f : recent_)
      if (f.event.sequence > *last_seen && matches(*c, f)) deliver(*c, f);
  clients_.push_back(c);
  return c;
}

void event_broadcaster::disconnect(const std::shared_ptr<client>& c) {
  std::lock_guard<std::mutex> guard(mutex_);
  clients_.erase(std::remove(clients_.begin(), clients_.end(), c), clients_.end());
}

void event_broadcaster::close_all() {
  std::lock_guard<std::mutex> guard(mutex_);
  for (const auto& c : clients_) {
    std::lock_guard<std::mutex> inner(c->mutex_);
    c->closed_ = true;
    c->changed_.notify_all();
  }
}

std::optional<std::string> event_broadcaster::client::next(std::chrono::milliseconds idle) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, idle, [&] { return closed_ || overflowed_ || !queue_.empty(); });
  if (closed_) return std::nullopt;
  if (overflowed_) {
    if (told_overflow_) return std::nullopt;
    told_overflow_ = true;
    return std::string(": too far behind; reconnect with Last-Event-ID\n\n");
  }
  if (queue_.empty()) return std::string(": keep-alive\n\n");
  std::string out;
  while (!queue_.empty()) {
    out += queue_.front();
    queue_.pop_front();
  }
  return out;
}

}  // namespace jobforge::http
