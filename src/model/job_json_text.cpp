#include "model/job_json_text.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <utility>

namespace jobforge {
namespace {

// JSON's two-character escapes; empty for a character that has none (a
// control character then becomes \u00XX).
std::string_view short_escape(unsigned char c) {
  static constexpr std::pair<char, std::string_view> escapes[] = {
      {'"', "\\\""}, {'\\', "\\\\"}, {'\b', "\\b"}, {'\f', "\\f"},
      {'\n', "\\n"}, {'\r', "\\r"},  {'\t', "\\t"}};
  for (const auto& [from, to] : escapes)
    if (static_cast<char>(c) == from) return to;
  return {};
}

class writer {
 public:
  explicit writer(std::string& out) : out_(out) {}

  void raw(std::string_view s) { out_.append(s); }

  void string(std::string_view s) {
    out_.push_back('"');
    std::size_t run = 0;  // start of the current stretch that needs no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.substr(run, i - run));
      run = i + 1;
      if (const std::string_view e = short_escape(c); !e.empty()) {
        out_.append(e);
      } else {
        static constexpr char hex[] = "0123456789abcdef";
        const char escaped[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
        out_.append(escaped, sizeof escaped);
      }
    }
    out_.append(s.substr(run));
    out_.push_back('"');
  }

  void integer(std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }

  // A double stays a double once parsed: the text always has a fraction or
  // an exponent.
  void number(double v) {
    if (!std::isfinite(v)) {
      value(boost::json::value(v));  // Boost.JSON's spelling of what JSON cannot say
      return;
    }
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    out_.append(text);
    if (text.find_first_of(".eE") == std::string_view::npos) out_.append(".0");
  }

  void value(const boost::json::value& v) {
    boost::json::serializer sr;
    sr.reset(&v);
    char buf[1024];
    while (!sr.done())
      out_.append(sr.read(buf));
  }

  void null() { out_.append("null"); }

  void time(timestamp t) { string(format_rfc3339(t)); }

  template <class Optional>
  void time_or_null(const Optional& t) {
    if (t)
      time(*t);
    else
      null();
  }

  template <class Optional>
  void string_or_null(const Optional& s) {
    if (s)
      string(*s);
    else
      null();
  }

  // `"key":` with a comma before every key but an object's first.
  void key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(k);  // our own keys: nothing to escape
    out_.append("\":");
  }

  template <class Fill>
  void object(Fill fill) {
    out_.push_back('{');
    first_ = true;
    fill();
    out_.push_back('}');
    first_ = false;
  }

  template <class Range, class Each>
  void array(const Range& items, Each each) {
    out_.push_back('[');
    bool first = true;
    for (const auto& item : items) {
      if (!first) out_.push_back(',');
      first = false;
      each(item);
    }
    out_.push_back(']');
    first_ = false;
  }

 private:
  std::string& out_;
  bool first_ = true;
};

void write_error(writer& w, const job_error& e) {
  w.object([&] {
    w.key("code");
    w.string(e.code);
    w.key("message");
    w.string(e.message);
    w.key("kind");
    w.string(to_string(e.kind));
    if (e.retry_after_ms) {
      w.key("retry_after_ms");
      w.integer(*e.retry_after_ms);
    }
  });
}

void write_history_entry(writer& w, const history_entry& h) {
  w.object([&] {
    w.key("at");
    w.time(h.at);
    w.key("from");
    if (h.from)
      w.string(to_string(*h.from));
    else
      w.null();
    w.key("to");
    w.string(to_string(h.to));
    w.key("attempt");
    w.integer(h.attempt);
    w.key("error");
    if (h.error)
      write_error(w, *h.error);
    else
      w.null();
    w.key("node");
    w.string(h.node);
    w.key("reason");
    w.string(h.reason);
  });
}

void write_retry(writer& w, const retry_settings& s) {
  w.object([&] {
    w.key("initial_backoff_ms");
    w.integer(s.initial_backoff_ms);
    w.key("max_backoff_ms");
    w.integer(s.max_backoff_ms);
    w.key("multiplier");
    w.number(s.multiplier);
    w.key("jitter");
    w.number(s.jitter);
    w.key("retry_on");
    w.array(s.retry_on, [&](const std::string& code) { w.string(code); });
  });
}

void write_progress(writer& w, const job_progress& p) {
  w.object([&] {
    w.key("percent");
    w.number(p.percent);
    w.key("stage");
    w.string(p.stage);
    w.key("message");
    w.string(p.message);
    w.key("updated_at");
    w.time(p.updated_at);
    w.key("eta_ms");
    if (p.eta_ms)
      w.integer(*p.eta_ms);
    else
      w.null();
  });
}

void write_result_blob(writer& w, const result_blob& b) {
  w.object([&] {
    w.key("file");
    w.string(b.file);
    w.key("size");
    w.integer(b.size);
    w.key("sha256");
    w.string(b.sha256);
    w.key("content_type");
    w.string(b.content_type);
  });
}

}  // namespace

std::string job_json_text(const job& j) {
  std::string out;
  out.reserve(1024 + 200 * j.history.size());
  writer w(out);
  w.object([&] {
    w.key("id");
    w.string(to_string(j.id));
    w.key("type");
    w.string(j.type);
    w.key("payload");
    w.value(j.payload);
    w.key("status");
    w.string(to_string(j.status));
    w.key("priority");
    w.string(to_string(j.priority));
    w.key("attempts");
    w.integer(j.attempts);
    w.key("max_attempts");
    w.integer(j.max_attempts);
    w.key("retry");
    write_retry(w, j.retry);
    w.key("timeout_ms");
    w.integer(j.timeout_ms);
    w.key("run_at");
    w.time_or_null(j.run_at);
    w.key("depends_on");
    w.array(j.dependencies.depends_on, [&](const job_id& id) { w.string(to_string(id)); });
    w.key("dependency_mode");
    w.string(to_string(j.dependencies.mode));
    w.key("on_dependency_failure");
    w.string(to_string(j.dependencies.on_failure));
    w.key("unique_key");
    w.string_or_null(j.unique_key);
    w.key("unique_for_ms");
    w.integer(j.unique_for_ms);
    w.key("tenant");
    w.string(j.tenant);
    w.key("tags");
    w.array(j.tags, [&](const std::string& tag) { w.string(tag); });
    w.key("webhook_url");
    w.string_or_null(j.webhook_url);
    w.key("webhook_events");
    w.array(j.webhook_events, [&](job_status s) { w.string(to_string(s)); });
    w.key("progress");
    if (j.progress)
      write_progress(w, *j.progress);
    else
      w.null();
    w.key("result");
    w.value(j.result);
    w.key("result_file");
    if (j.result_file)
      write_result_blob(w, *j.result_file);
    else
      w.null();
    w.key("last_error");
    if (j.last_error)
      write_error(w, *j.last_error);
    else
      w.null();
    w.key("checkpoint");
    w.value(j.checkpoint);
    w.key("history");
    w.array(j.history, [&](const history_entry& h) { write_history_entry(w, h); });
    w.key("created_at");
    w.time(j.created_at);
    w.key("updated_at");
    w.time(j.updated_at);
    w.key("next_attempt_at");
    w.time_or_null(j.next_attempt_at);
    w.key("started_at");
    w.time_or_null(j.started_at);
    w.key("finished_at");
    w.time_or_null(j.finished_at);
    w.key("canceled_at");
    w.time_or_null(j.canceled_at);
    w.key("cancel_reason");
    w.string_or_null(j.cancel_reason);
    w.key("canceled_by");
    w.string_or_null(j.canceled_by);
  });
  return out;
}

}  // namespace jobforge
