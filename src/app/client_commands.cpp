// The command-line client on jobforge::client (include/jobforge/client.hpp):
// this file only turns flags into calls and answers into lines and exit codes.

#include "app/client_commands.hpp"
#include "model/exact_json_parse.hpp"

#include "jobforge/client.hpp"

#include <boost/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace jobforge::app {
namespace {

namespace json = boost::json;
namespace jfc = jobforge::client;

/// The client for the command's server; nullopt (said why) when the
/// options cannot make one.
std::unique_ptr<jfc::client> connect(const client_options& c) {
  jfc::options o;
  o.url = c.url;
  o.api_key = c.api_key;
  o.ca_cert = c.ca_cert;
  o.read_timeout = std::chrono::seconds{60};
  o.connect_timeout = std::chrono::seconds{5};
  o.on_notice = [](const std::string& line) { std::cerr << "jobforge: " << line << "\n"; };
  try {
    return std::make_unique<jfc::client>(std::move(o));
  } catch (const std::invalid_argument& e) {
    std::cerr << "jobforge: " << e.what() << "\n";
    return nullptr;
  }
}

/// Says what went wrong; the exit code scripts tell it by.
int report(const jfc::error& e) {
  switch (e.kind) {
    case jfc::error_kind::rejected:
      std::cerr << "jobforge: " << e.http_status << " " << e.message << "\n";
      return exit_bad_input;
    case jfc::error_kind::server_error:
      std::cerr << "jobforge: " << e.http_status << " " << e.message << "\n";
      return exit_unreachable;
    case jfc::error_kind::invalid_argument:
      std::cerr << "jobforge: " << e.message << "\n";
      return exit_bad_input;
    case jfc::error_kind::timeout:
      std::cerr << "jobforge: " << e.message << "\n";
      return exit_wait_timeout;
    default:
      std::cerr << "jobforge: " << e.message << "\n";
      return exit_unreachable;
  }
}

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

/// The exit code of a finished job.
int verdict(const jfc::job& j) {
  return j.status == "completed" ? exit_ok : exit_job_failed;
}

void print_final(const jfc::job& j) {
  std::cout << j.id << " " << j.status;
  if (j.status == "completed" && j.result_json != "null") std::cout << " " << j.result_json;
  if (j.status == "failed" && j.last_error)
    std::cout << " " << j.last_error->code << ": " << j.last_error->message;
  if (j.status == "canceled" && j.cancel_reason) std::cout << " (" << *j.cancel_reason << ")";
  std::cout << "\n";
}

// One progress line: a bar redrawn in place on a terminal, plain lines in a pipe.
void show_progress(const json::object& data, bool terminal) {
  const double percent = data.at("percent").to_number<double>();
  const std::string stage = text_of(data.at("stage"));
  const std::string message = text_of(data.at("message"));
  if (!terminal) {
    std::printf("progress %.1f%% %s %s\n", percent, stage.c_str(), message.c_str());
    return;
  }
  const int width = 30;
  const int filled = static_cast<int>(percent / 100.0 * width + 0.5);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, ' ');
  std::string eta;
  if (data.at("eta_ms").is_int64())
    eta = " eta " + std::to_string(data.at("eta_ms").as_int64() / 1000) + "s";
  std::printf("\r[%s] %5.1f%% %s%s %s\x1b[K", bar.c_str(), percent, stage.c_str(), eta.c_str(),
              message.c_str());
  std::fflush(stdout);
}

/// --payload's JSON text (given, or read from @file); nullopt, said why,
/// when it cannot be read or is not JSON.
std::optional<std::string> read_payload(const std::string& given) {
  std::string payload_text = given;
  if (!payload_text.empty() && payload_text[0] == '@') {
    std::ifstream in(payload_text.substr(1), std::ios::binary);
    if (!in) {
      std::cerr << "jobforge: cannot read the payload file " << payload_text.substr(1) << "\n";
      return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    payload_text = text.str();
  }
  json::error_code ec;
  parse_json_exactly(payload_text, ec);
  if (ec) {
    std::cerr << "jobforge: --payload is not valid JSON: " << ec.message() << "\n";
    return std::nullopt;
  }
  return payload_text;
}

/// One schedule as a line of the table.
void print_schedule_row(const jfc::schedule& s) {
  std::string counts = std::to_string(s.fires) + " fired";
  if (s.skipped) counts += ", " + std::to_string(s.skipped) + " skipped";
  if (s.failures) counts += ", " + std::to_string(s.failures) + " failed";
  std::printf("%-24s  %-16s  %-16s  %-14s  %-6s  %-8s  %-24s  %s\n", s.name.c_str(), s.cron.c_str(),
              s.zone.c_str(), s.job_type.c_str(), s.origin.c_str(), s.paused ? "paused" : "active",
              s.next_fire_at.value_or("-").c_str(), counts.c_str());
}

int wait_with(jfc::client& jf, const std::string& id, double timeout_s) {
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  bool drew_bar = false;
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  auto done = jf.wait(id, timeout, [&](const jfc::event& e) {
    json::error_code ec;
    const auto data = parse_json_exactly(e.data, ec);
    if (ec || !data.is_object()) return;
    if (e.name == "progress") {
      show_progress(data.get_object(), terminal);
      drew_bar = terminal;
    } else if (e.name == "status" && !terminal) {
      std::printf("status %s\n", text_of(data.at("to")).c_str());
      std::fflush(stdout);  // a line as it happens, also into a pipe
    }
  });
  if (drew_bar) std::printf("\n");
  if (!done) {
    const auto& e = done.error_value();
    if (e.kind != jfc::error_kind::timeout) return report(e);
    std::cerr << "jobforge: job " << id << " is still " << e.job_status << " after " << timeout_s
              << " s\n";
    return exit_wait_timeout;
  }
  print_final(*done);
  return verdict(*done);
}

}  // namespace

int wait_command(const client_options& server, const std::string& id, double timeout_s) {
  auto jf = connect(server);
  if (!jf) return exit_bad_input;
  return wait_with(*jf, id, timeout_s);
}

int submit_command(const client_options& server, const submit_options& o) {
  auto payload_text = read_payload(o.payload);
  if (!payload_text) return exit_bad_input;
  auto jf = connect(server);
  if (!jf) return exit_bad_input;
  jfc::submit_request request;
  request.type = o.type;
  request.payload_json = *payload_text;
  request.priority = o.priority;
  request.depends_on = o.depends_on;
  request.dependency_mode = o.dependency_mode;
  request.on_dependency_failure = o.on_dependency_failure;
  request.dependency_timeout_ms = o.dependency_timeout_ms;
  request.run_at = o.run_at;
  request.tags = o.tags;
  request.unique_key = o.unique_key;
  request.unique_for_ms = o.unique_for_ms;
  request.max_attempts = o.max_attempts;
  request.max_retry_ms = o.max_retry_ms;
  auto submitted = jf->submit(request);
  if (!submitted) return report(submitted.error_value());
  if (!o.wait) {
    std::cout << submitted->job.id << " " << submitted->job.status << "\n";
    return exit_ok;
  }
  // The same client: a standby's hint followed for the submission holds.
  return wait_with(*jf, submitted->job.id, o.timeout_s);
}

int get_command(const client_options& server, const std::string& id) {
  auto jf = connect(server);
  if (!jf) return exit_bad_input;
  auto found = jf->get(id);
  if (!found) return report(found.error_value());
  std::cout << found->json << "\n";
  return exit_ok;
}

int list_command(const client_options& server, const list_options& o) {
  auto jf = connect(server);
  if (!jf) return exit_bad_input;
  jfc::list_query q;
  q.status = o.status;
  q.type = o.type;
  q.limit = o.limit;
  auto page = jf->list(q);
  if (!page) return report(page.error_value());
  std::printf("%-36s  %-16s  %-9s  %-8s  %8s  %s\n", "ID", "TYPE", "STATUS", "PRIORITY", "ATTEMPTS",
              "CREATED");
  for (const auto& j : page->items)
    std::printf("%-36s  %-16s  %-9s  %-8s  %8d  %s\n", j.id.c_str(), j.type.c_str(),
                j.status.c_str(), j.priority.c_str(), j.attempts, j.created_at.c_str());
  return exit_ok;
}

int cancel_command(const client_options& server, const std::string& id, const std::string& reason,
                   const std::string& mode) {
  auto jf = connect(server);
  if (!jf) return exit_bad_input;
  auto canceled = jf->cancel(id, {reason, mode});
  if (!canceled) return report(canceled.error_value());
  print_final(*canceled);
  return exit_ok;
}

int priority_command(const client_options& server, const std::string& id,
                     const std::string& level) {
  auto jf = connect(server);
  if (!jf) return exit_bad_input;
  auto changed = jf->change_priority(id, level);
  if (!changed) return report(changed.error_value());
  std::cout << changed->id << " " << changed->status << " priority " << changed->priority;
  if (changed->effective_priority != changed->priority)
    std::cout << " (runs at " << changed->effective_priority << ", inherited)";
  std::cout << "\n";
  return exit_ok;
}

int schedules_command(const client_options& server, const schedule_options& o) {
  auto jf = connect(server);
  if (!jf) return exit_bad_input;
  if (o.action == "list") {
    auto all = jf->schedules();
    if (!all) return report(all.error_value());
    std::printf("%-24s  %-16s  %-16s  %-14s  %-6s  %-8s  %-24s  %s\n", "NAME", "CRON", "ZONE",
                "TYPE", "FROM", "STATE", "NEXT RUN", "COUNTS");
    for (const auto& s : *all)
      print_schedule_row(s);
    return exit_ok;
  }
  if (o.action == "create") {
    auto payload = read_payload(o.payload);
    if (!payload) return exit_bad_input;
    jfc::schedule_request r;
    r.name = o.name;
    r.cron = o.cron;
    r.zone = o.zone;
    r.on_missed = o.on_missed;
    r.catch_up_cap = o.catch_up_cap;
    r.paused = o.paused;
    r.job.type = o.type;
    r.job.payload_json = *payload;
    r.job.priority = o.priority;
    auto made = jf->create_schedule(r);
    if (!made) return report(made.error_value());
    std::cout << made->name << " created; next run " << made->next_fire_at.value_or("-") << "\n";
    return exit_ok;
  }
  if (o.action == "delete") {
    auto gone = jf->delete_schedule(o.name);
    if (!gone) return report(gone.error_value());
    std::cout << o.name << " deleted\n";
    return exit_ok;
  }
  if (o.action == "trigger") {
    auto job = jf->trigger_schedule(o.name);
    if (!job) return report(job.error_value());
    std::cout << job->id << " " << job->status << "\n";
    return exit_ok;
  }
  // show, pause, resume: the schedule as JSON.
  auto s = o.action == "show" ? jf->get_schedule(o.name)
                              : jf->pause_schedule(o.name, o.action == "pause");
  if (!s) return report(s.error_value());
  std::cout << s->json << "\n";
  return exit_ok;
}

}  // namespace jobforge::app
