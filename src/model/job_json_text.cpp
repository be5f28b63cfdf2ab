#include "model/job_json_text.hpp"

#include "model/finite_json.hpp"
#include "model/job_codec.hpp"
#include "model/utf8_text.hpp"

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
  writer(std::string& out, bool compact) : out_(out), compact_(compact) {}

  // Writes `"key":` and answers true, or, in the compact form, answers false
  // for a field at its default (which job_from_json reads back when absent).
  bool key_unless(std::string_view k, bool at_default) {
    if (compact_ && at_default) return false;
    key(k);
    return true;
  }

  void raw(std::string_view s) { out_.append(s); }

  // Text that is not UTF-8 (a handler's error message may hold any bytes)
  // is repaired: a document that is not UTF-8 would not read back as JSON,
  // and PostgreSQL refuses it.
  void string(std::string_view s) {
    if (is_valid_utf8(s)) {
      escaped(s);
    } else {
      escaped(repair_utf8(s));
    }
  }

  void escaped(std::string_view s) {
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
  // an exponent. One JSON cannot spell fails the whole text (see refused()).
  void number(double v) {
    if (!std::isfinite(v)) {
      refused_ = true;
      return;
    }
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    out_.append(text);
    if (text.find_first_of(".eE") == std::string_view::npos) out_.append(".0");
  }

  void value(const boost::json::value& v) {
    if (find_non_finite(v)) {
      refused_ = true;  // Boost.JSON would write Infinity or NaN: not JSON
      return;
    }
    boost::json::serializer sr;
    sr.reset(&v);
    char buf[1024];
    while (!sr.done())
      out_.append(sr.read(buf));
  }

  void null() { out_.append("null"); }

  /// Whether a number that is not finite was met: the text is then not JSON.
  bool refused() const { return refused_; }

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
  bool compact_;
  bool first_ = true;
  bool refused_ = false;
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

// `"key":` and the part written by `write`, or null when the part is absent
// (left out altogether in the compact form).
template <class Optional, class Write>
void optional_part(writer& w, std::string_view key, const Optional& part, Write write) {
  if (!w.key_unless(key, !part)) return;
  if (part)
    write(w, *part);
  else
    w.null();
}

void write_history_entry(writer& w, const history_entry& h) {
  w.object([&] {
    w.key("at");
    w.time(h.at);
    optional_part(w, "from", h.from, [](writer& out, job_status s) { out.string(to_string(s)); });
    w.key("to");
    w.string(to_string(h.to));
    if (w.key_unless("attempt", h.attempt == 0)) w.integer(h.attempt);
    optional_part(w, "error", h.error, write_error);
    if (w.key_unless("node", h.node.empty())) w.string(h.node);
    if (w.key_unless("reason", h.reason.empty())) w.string(h.reason);
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
    if (w.key_unless("retry_on", s.retry_on.empty()))
      w.array(s.retry_on, [&](const std::string& code) { w.string(code); });
  });
}

void write_progress(writer& w, const job_progress& p) {
  w.object([&] {
    w.key("percent");
    w.number(p.percent);
    if (w.key_unless("stage", p.stage.empty())) w.string(p.stage);
    if (w.key_unless("message", p.message.empty())) w.string(p.message);
    w.key("updated_at");
    w.time(p.updated_at);
    if (w.key_unless("eta_ms", !p.eta_ms)) {
      if (p.eta_ms)
        w.integer(*p.eta_ms);
      else
        w.null();
    }
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

// The job's fields in to_json's order; the compact form leaves out those at
// their default.
void write_job(writer& w, const job& j, bool with_history) {
  w.object([&] {
    w.key("id");
    w.string(to_string(j.id));
    w.key("type");
    w.string(j.type);
    if (w.key_unless("payload", j.payload.is_null())) w.value(j.payload);
    w.key("status");
    w.string(to_string(j.status));
    if (w.key_unless("priority", j.priority == priority::normal)) w.string(to_string(j.priority));
    if (w.key_unless("effective_priority", !j.inherited_priority))
      w.string(to_string(j.inherited_priority.value_or(j.priority)));
    w.key("attempts");
    w.integer(j.attempts);
    w.key("max_attempts");
    w.integer(j.max_attempts);
    if (w.key_unless("max_retry_ms", j.max_retry_ms == 0)) w.integer(j.max_retry_ms);
    w.key("retry");
    write_retry(w, j.retry);
    w.key("timeout_ms");
    w.integer(j.timeout_ms);
    if (w.key_unless("run_at", !j.run_at)) w.time_or_null(j.run_at);
    const auto& deps = j.dependencies;
    if (w.key_unless("depends_on", deps.depends_on.empty()))
      w.array(deps.depends_on, [&](const job_id& id) { w.string(to_string(id)); });
    if (w.key_unless("dependency_mode", deps.mode == dependency_mode::all))
      w.string(to_string(deps.mode));
    if (w.key_unless("on_dependency_failure", deps.on_failure == dependency_failure_policy::cancel))
      w.string(to_string(deps.on_failure));
    if (w.key_unless("dependency_timeout_ms", deps.timeout_ms == 0)) w.integer(deps.timeout_ms);
    if (w.key_unless("unique_key", !j.unique_key)) w.string_or_null(j.unique_key);
    if (w.key_unless("unique_for_ms", j.unique_for_ms == 0)) w.integer(j.unique_for_ms);
    w.key("tenant");
    w.string(j.tenant);
    if (w.key_unless("tags", j.tags.empty()))
      w.array(j.tags, [&](const std::string& tag) { w.string(tag); });
    if (w.key_unless("webhook_url", !j.webhook_url)) w.string_or_null(j.webhook_url);
    if (w.key_unless("webhook_events", j.webhook_events.empty()))
      w.array(j.webhook_events, [&](job_status s) { w.string(to_string(s)); });
    optional_part(w, "progress", j.progress, write_progress);
    if (w.key_unless("result", j.result.is_null())) w.value(j.result);
    optional_part(w, "result_file", j.result_file, write_result_blob);
    optional_part(w, "last_error", j.last_error, write_error);
    if (w.key_unless("checkpoint", j.checkpoint.is_null())) w.value(j.checkpoint);
    if (with_history) {
      w.key("history");
      w.array(j.history, [&](const history_entry& h) { write_history_entry(w, h); });
    }
    w.key("created_at");
    w.time(j.created_at);
    w.key("updated_at");
    w.time(j.updated_at);
    if (w.key_unless("next_attempt_at", !j.next_attempt_at)) w.time_or_null(j.next_attempt_at);
    if (w.key_unless("started_at", !j.started_at)) w.time_or_null(j.started_at);
    if (w.key_unless("finished_at", !j.finished_at)) w.time_or_null(j.finished_at);
    if (w.key_unless("canceled_at", !j.canceled_at)) w.time_or_null(j.canceled_at);
    if (w.key_unless("cancel_reason", !j.cancel_reason)) w.string_or_null(j.cancel_reason);
    if (w.key_unless("canceled_by", !j.canceled_by)) w.string_or_null(j.canceled_by);
  });
}

expected<std::string> text_of(const job& j, bool compact, bool with_history = true) {
  std::string out;
  out.reserve((compact ? 512 : 1024) + (with_history ? 200 * j.history.size() : 0));
  writer w(out, compact);
  write_job(w, j, with_history);
  if (!w.refused()) return out;
  // Rare, so the path is found afterwards on the tree rather than tracked
  // while writing.
  auto located = require_finite(to_json(j));
  error e = located ? error{error_code::invalid_argument, "a number that is not finite"}
                    : std::move(located).error_value();
  e.message = "job " + to_string(j.id) + " cannot be written as JSON: " + e.message;
  return e;
}

}  // namespace

expected<std::string> job_json_text(const job& j) {
  return text_of(j, false);
}

expected<std::string> job_document_text(const job& j) {
  return text_of(j, true);
}

expected<std::string> job_document_text_without_history(const job& j) {
  return text_of(j, true, false);
}

std::string history_entry_text(const history_entry& h) {
  std::string out;
  out.reserve(128);
  writer w(out, true);
  write_history_entry(w, h);
  return out;
}

std::string with_history_texts(std::string_view document, std::string_view joined_entries) {
  std::string out;
  const auto close = document.rfind('}');
  if (close == std::string_view::npos) return std::string(document);
  out.reserve(document.size() + joined_entries.size() + 16);
  out.append(document.substr(0, close));
  // A document always holds at least the id, so a comma separates.
  out.append(",\"history\":[");
  out.append(joined_entries);
  out.append("]}");
  return out;
}

}  // namespace jobforge
