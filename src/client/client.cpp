// jobforge::client over the transport: each call builds one request,
// sends it (retryable or not) and reads the answer into the client's types.

#include "jobforge/client.hpp"
#include "model/exact_json_parse.hpp"

#include "client/completion_watcher.hpp"
#include "client/job_json.hpp"
#include "client/sse_parser.hpp"
#include "client/transport.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <thread>

namespace jobforge::client {

namespace json = boost::json;
using steady = std::chrono::steady_clock;

std::string to_string(error_kind k) {
  switch (k) {
    case error_kind::unreachable:
      return "unreachable";
    case error_kind::circuit_open:
      return "circuit_open";
    case error_kind::server_error:
      return "server_error";
    case error_kind::rejected:
      return "rejected";
    case error_kind::bad_response:
      return "bad_response";
    case error_kind::timeout:
      return "timeout";
    case error_kind::job_failed:
      return "job_failed";
    case error_kind::job_canceled:
      return "job_canceled";
    case error_kind::invalid_argument:
      return "invalid_argument";
  }
  return "unknown";
}

namespace {

error make_error(error_kind kind, std::string message, std::string url = {}) {
  error e;
  e.kind = kind;
  e.message = std::move(message);
  e.url = std::move(url);
  return e;
}

/// Ids go into paths: only what an id can hold, so nothing else is addressed.
bool plausible_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

result<json::value> parse_body(const http_answer& a, const std::string& url) {
  json::error_code ec;
  auto v = parse_json_exactly(a.body, ec);
  if (ec)
    return make_error(error_kind::bad_response, "the server answered something that is not JSON",
                      url);
  return v;
}

/// An answer that is a JSON object holding the array `field` (a list's
/// items, a batch's jobs).
result<json::object> object_with_array(const result<http_answer>& a, const char* field,
                                       const std::string& url) {
  if (!a) return a.error_value();
  auto v = parse_body(*a, url);
  if (!v) return v.error_value();
  const auto* items = v->is_object() ? v->get_object().if_contains(field) : nullptr;
  if (!items || !items->is_array())
    return make_error(error_kind::bad_response,
                      std::string("the server's answer holds no array `") + field + "`", url);
  return std::move(v->get_object());
}

result<job> job_of(const result<http_answer>& a, const std::string& url) {
  if (!a) return a.error_value();
  auto v = parse_body(*a, url);
  if (!v) return v.error_value();
  auto j = job_from_json(*v);
  if (!j) return make_error(error_kind::bad_response, "the server's answer is not a job", url);
  return *j;
}

result<schedule> schedule_of(const result<http_answer>& a, const std::string& url) {
  if (!a) return a.error_value();
  auto v = parse_body(*a, url);
  if (!v) return v.error_value();
  auto s = schedule_from_json(*v);
  if (!s) return make_error(error_kind::bad_response, "the server's answer is not a schedule", url);
  return *s;
}

/// Schedule names go into paths: only what a name can hold.
bool plausible_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

error not_a_name(const std::string& name) {
  return make_error(error_kind::invalid_argument, "not a schedule name: " + name);
}

std::string query_value(const std::string& text) {
  return httplib::detail::encode_query_param(text);
}

}  // namespace

struct client::impl {
  explicit impl(options o) : net(std::move(o)) {}

  result<job> get(const std::string& id) {
    if (!plausible_id(id)) return make_error(error_kind::invalid_argument, "not a job id: " + id);
    return job_of(net.send({"GET", "/api/jobs/" + id, "", true, {}}), net.current_url());
  }

  result<submitted> submit(const submit_request& r, std::optional<milliseconds> wait) {
    std::string problem;
    auto body = request_to_json(r, net.settings().unique_for, problem);
    if (!body) return make_error(error_kind::invalid_argument, problem);
    http_call call{"POST", "/api/jobs", json::serialize(*body), r.unique_key.has_value(), {}};
    if (wait) {
      call.path += "?wait=" + std::to_string(static_cast<double>(wait->count()) / 1000.0);
      call.read_timeout = *wait + net.settings().read_timeout;
    }
    auto a = net.send(call);
    auto j = job_of(a, net.current_url());
    if (!j) return j.error_value();
    return submitted{std::move(*j), a->status == 201};
  }

  /// Follows the job's events until it ends or `deadline` (the caller reads it again then).
  void follow_events(const std::string& id, steady::time_point deadline,
                     const std::function<void(const event&)>& on_event) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady::now());
    // A stream with nothing to say is left when the wait is over: a read
    // may not outlast the deadline (keep-alives come every 15 s).
    auto c = net.stream_client(std::clamp(left, milliseconds{1}, milliseconds{20'000}));
    sse_parser parser;
    bool ended = false;
    const auto started = steady::now();
    auto r = c->Get("/api/events?job_id=" + id + "&last_event_id=0",
                    [&](const char* data, std::size_t size) {
                      for (const auto& e : parser.feed(data, size)) {
                        if (on_event) on_event(e);
                        if (e.name != "status") continue;
                        json::error_code ec;
                        auto v = parse_json_exactly(e.data, ec);
                        if (ec || !v.is_object()) continue;
                        const auto* to = v.get_object().if_contains("to");
                        const auto s = to ? text_of(*to) : std::string();
                        ended |= s == "completed" || s == "failed" || s == "canceled";
                      }
                      return !ended && steady::now() < deadline;
                    });
    // A stream refused at once (a proxy, an old server) must not make the
    // wait spin: then the job is read again a little later.
    if (!ended && steady::now() - started < milliseconds{200})
      std::this_thread::sleep_for(std::min(
          milliseconds{200}, std::chrono::duration_cast<milliseconds>(deadline - steady::now())));
  }

  result<job> wait(const std::string& id, milliseconds timeout,
                   const std::function<void(const event&)>& on_event) {
    const auto deadline = steady::now() + timeout;
    for (;;) {
      auto j = get(id);
      if (!j || j->finished()) return j;
      if (steady::now() >= deadline) {
        error e = make_error(error_kind::timeout,
                             "job " + id + " is still " + j->status + " after " +
                                 std::to_string(timeout.count()) + " ms",
                             net.current_url());
        e.job_id = id;
        e.job_status = j->status;
        return e;
      }
      follow_events(id, deadline, on_event);
    }
  }

  result<sync_result> run_locally(const submit_request& r, milliseconds timeout) {
    return net.settings().fallback->run(r, timeout);
  }

  result<sync_result> execute_sync(const submit_request& r, milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    // The server waits up to 300 s in one request; longer waits go on below.
    auto s = submit(r, std::min(timeout, milliseconds{300'000}));
    if (!s) {
      // Only when nothing reached the server, so the job cannot run twice.
      if (net.settings().fallback && s.error_value().not_sent) return run_locally(r, timeout);
      return s.error_value();
    }
    job j = s->job;
    if (!j.finished()) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - steady::now());
      auto w = wait(j.id, std::max(left, milliseconds{0}), {});
      if (!w) return w.error_value();
      j = *w;
    }
    if (j.status == "completed") return sync_result{j.result_json, j.id, false};
    error e = make_error(j.status == "failed" ? error_kind::job_failed : error_kind::job_canceled,
                         "job " + j.id + " " + j.status, net.current_url());
    if (j.last_error) {
      e.code = j.last_error->code;
      e.message += ": " + j.last_error->code + ": " + j.last_error->message;
    }
    if (j.cancel_reason) e.message += " (" + *j.cancel_reason + ")";
    e.job_id = j.id;
    e.job_status = j.status;
    return e;
  }

  transport net;
  std::mutex watcher_mutex;
  std::unique_ptr<completion_watcher> watcher;  ///< started by the first on_done
};

client::client(options o) : impl_(std::make_unique<impl>(std::move(o))) {}

client::~client() {
  impl_->watcher.reset();  // joins its threads before the transport goes
}

result<submitted> client::submit(const submit_request& request) {
  return impl_->submit(request, std::nullopt);
}

result<std::vector<submitted>> client::submit_batch(const std::vector<batch_entry>& entries) {
  json::array jobs;
  bool every_keyed = !entries.empty();
  for (const auto& e : entries) {
    std::string problem;
    auto body = request_to_json(e.request, impl_->net.settings().unique_for, problem);
    if (!body)
      return make_error(error_kind::invalid_argument,
                        "entry " + std::to_string(jobs.size()) + ": " + problem);
    if (!e.name.empty()) (*body)["name"] = e.name;
    every_keyed &= e.request.unique_key.has_value();
    jobs.push_back(std::move(*body));
  }
  auto a = impl_->net.send({"POST",
                            "/api/jobs/batch",
                            json::serialize(json::object{{"jobs", std::move(jobs)}}),
                            every_keyed,
                            {}});
  auto answer = object_with_array(a, "jobs", impl_->net.current_url());
  if (!answer) return answer.error_value();
  std::vector<submitted> out;
  for (const auto& item : answer->at("jobs").get_array()) {
    auto j = job_from_json(item);
    if (!j) return make_error(error_kind::bad_response, "the batch's answer holds a non-job");
    // 201: some entries are new; 200: every one was deduplicated.
    out.push_back(submitted{std::move(*j), a->status == 201});
  }
  return out;
}

result<job> client::get(const std::string& id) {
  return impl_->get(id);
}

result<job_page> client::list(const list_query& q) {
  std::string path = "/api/jobs?limit=" + std::to_string(q.limit);
  if (q.status) path += "&status=" + query_value(*q.status);
  if (q.type) path += "&type=" + query_value(*q.type);
  if (q.priority) path += "&priority=" + query_value(*q.priority);
  if (q.tag) path += "&tag=" + query_value(*q.tag);
  if (q.cursor) path += "&cursor=" + query_value(*q.cursor);
  if (q.oldest_first) path += "&order=created_asc";
  auto a = impl_->net.send({"GET", path, "", true, {}});
  auto answer = object_with_array(a, "items", impl_->net.current_url());
  if (!answer) return answer.error_value();
  job_page page;
  for (const auto& item : answer->at("items").get_array())
    if (auto j = job_from_json(item)) page.items.push_back(std::move(*j));
  if (const auto* next = answer->if_contains("next_cursor"); next && next->is_string())
    page.next_cursor = std::string(next->get_string());
  return page;
}

result<job> client::cancel(const std::string& id, const cancel_request& how) {
  if (!plausible_id(id)) return make_error(error_kind::invalid_argument, "not a job id: " + id);
  json::object body{{"mode", how.mode}};
  if (!how.reason.empty()) body["reason"] = how.reason;
  // A cancel changes nothing the second time, so it is retried like a read.
  return job_of(
      impl_->net.send({"POST", "/api/jobs/" + id + "/cancel", json::serialize(body), true, {}}),
      impl_->net.current_url());
}

result<job> client::change_priority(const std::string& id, const std::string& priority) {
  if (!plausible_id(id)) return make_error(error_kind::invalid_argument, "not a job id: " + id);
  const json::object body{{"priority", priority}};
  // Asking for the same priority again changes nothing: retried like a read.
  return job_of(
      impl_->net.send({"POST", "/api/jobs/" + id + "/priority", json::serialize(body), true, {}}),
      impl_->net.current_url());
}

result<job> client::wait(const std::string& id, milliseconds timeout,
                         const std::function<void(const event&)>& on_event) {
  if (!plausible_id(id)) return make_error(error_kind::invalid_argument, "not a job id: " + id);
  return impl_->wait(id, timeout, on_event);
}

result<sync_result> client::execute_sync(const submit_request& request, milliseconds timeout) {
  return impl_->execute_sync(request, timeout);
}

result<std::vector<schedule>> client::schedules() {
  auto a = impl_->net.send({"GET", "/api/schedules", "", true, {}});
  auto answer = object_with_array(a, "items", impl_->net.current_url());
  if (!answer) return answer.error_value();
  std::vector<schedule> out;
  for (const auto& item : answer->at("items").get_array())
    if (auto one = schedule_from_json(item)) out.push_back(std::move(*one));
  return out;
}

result<schedule> client::get_schedule(const std::string& name) {
  if (!plausible_name(name)) return not_a_name(name);
  return schedule_of(impl_->net.send({"GET", "/api/schedules/" + name, "", true, {}}),
                     impl_->net.current_url());
}

result<schedule> client::create_schedule(const schedule_request& r) {
  std::string problem;
  auto job = request_to_json(r.job, impl_->net.settings().unique_for, problem);
  if (!job) return make_error(error_kind::invalid_argument, "job: " + problem);
  json::object body{{"name", r.name},
                    {"cron", r.cron},
                    {"zone", r.zone},
                    {"on_missed", r.on_missed},
                    {"catch_up_cap", r.catch_up_cap},
                    {"paused", r.paused},
                    {"job", std::move(*job)}};
  // Not retried: a lost answer would make the retry a 409 for a schedule
  // that was made. The caller reads it back instead.
  return schedule_of(impl_->net.send({"POST", "/api/schedules", json::serialize(body), false, {}}),
                     impl_->net.current_url());
}

result<bool> client::delete_schedule(const std::string& name) {
  if (!plausible_name(name)) return not_a_name(name);
  // Not retried: after a lost answer the retry would say 404 for a
  // schedule it deleted.
  auto a = impl_->net.send({"DELETE", "/api/schedules/" + name, "", false, {}});
  if (!a) return a.error_value();
  return true;
}

result<schedule> client::pause_schedule(const std::string& name, bool paused) {
  if (!plausible_name(name)) return not_a_name(name);
  const std::string path = "/api/schedules/" + name + (paused ? "/pause" : "/resume");
  return schedule_of(impl_->net.send({"POST", path, "", true, {}}), impl_->net.current_url());
}

result<job> client::trigger_schedule(const std::string& name) {
  if (!plausible_name(name)) return not_a_name(name);
  return job_of(impl_->net.send({"POST", "/api/schedules/" + name + "/trigger", "", false, {}}),
                impl_->net.current_url());
}

void client::on_done(const std::string& id, std::function<void(const job&)> fn) {
  std::lock_guard lock(impl_->watcher_mutex);
  if (!impl_->watcher)
    impl_->watcher = std::make_unique<completion_watcher>(
        impl_->net, [this](const std::string& job_id) { return impl_->get(job_id); });
  impl_->watcher->watch(id, std::move(fn));
}

std::size_t client::awaiting() const {
  std::lock_guard lock(impl_->watcher_mutex);
  return impl_->watcher ? impl_->watcher->awaiting() : 0;
}

breaker_snapshot client::breaker() const {
  return impl_->net.breaker();
}

std::string client::current_url() const {
  return impl_->net.current_url();
}

}  // namespace jobforge::client
