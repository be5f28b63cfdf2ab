#include "app/client_commands.hpp"

#include <httplib.h>
#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace jobforge::app {
namespace {

namespace json = boost::json;

/// The outcome of one request: a parsed body, or the exit code to leave with.
struct answer {
  int status = 0;
  json::value body;
};

std::optional<httplib::Client> connect(const client_options& c, std::chrono::milliseconds read) {
  const bool https = c.url.rfind("https://", 0) == 0;
  if (!https && c.url.rfind("http://", 0) != 0) {
    std::cerr << "jobforge: --url must start with http:// or https:// (got " << c.url << ")\n";
    return std::nullopt;
  }
  if (!c.ca_cert.empty() && !std::ifstream(c.ca_cert)) {
    std::cerr << "jobforge: cannot read the --ca-cert file " << c.ca_cert << "\n";
    return std::nullopt;
  }
  std::optional<httplib::Client> client;
  client.emplace(c.url);
  if (!client->is_valid()) {
    std::cerr << "jobforge: --url " << c.url << " is not a server address\n";
    return std::nullopt;
  }
  client->set_connection_timeout(std::chrono::seconds{5});
  client->set_read_timeout(read);
  if (https) {
    // The server's certificate is always checked: against --ca-cert, or the
    // system's CAs.
    client->enable_server_certificate_verification(true);
    if (!c.ca_cert.empty()) client->set_ca_cert_path(c.ca_cert.c_str());
  }
  if (!c.api_key.empty()) client->set_bearer_token_auth(c.api_key);
  return client;
}

/// One GET, POST (JSON `body`) or DELETE.
httplib::Result request(httplib::Client& client, const std::string& method, const std::string& path,
                        const std::string& body) {
  return method == "GET"    ? client.Get(path.c_str())
         : method == "POST" ? client.Post(path.c_str(), body, "application/json")
                            : client.Delete(path.c_str());
}

/// Where a standby's answer sends the request (its `X-Jobforge-Leader`), or
/// "" when it is no such answer or following it would send the API key
/// over plain HTTP after HTTPS.
std::string leader_hint(const client_options& c, const httplib::Response& r) {
  if (r.status != 503) return "";
  const auto leader = r.get_header_value("X-Jobforge-Leader");
  if (leader.empty() || leader == c.url) return "";
  if (c.url.rfind("https://", 0) == 0 && leader.rfind("https://", 0) != 0) {
    std::cerr << "jobforge: " << c.url << " is a standby; not following it to the leader " << leader
              << " over plain HTTP\n";
    return "";
  }
  return leader;
}

/// Sends a request; prints why and answers an exit code when it failed. A
/// standby's 503 naming the leader sends the request there once, and the
/// command's later requests too (`c.url` becomes the leader's).
std::variant<answer, int> send(client_options& c, const std::string& method,
                               const std::string& path, const std::string& body = {}) {
  auto client = connect(c, std::chrono::seconds{60});
  if (!client) return exit_bad_input;
  httplib::Result r = request(*client, method, path, body);
  if (r) {
    if (auto leader = leader_hint(c, *r); !leader.empty()) {
      std::cerr << "jobforge: " << c.url << " is a standby; sending the request to the leader "
                << leader << "\n";
      c.url = leader;
      auto at_leader = connect(c, std::chrono::seconds{60});
      if (!at_leader) return exit_bad_input;
      r = request(*at_leader, method, path, body);
    }
  }
  if (!r) {
    std::cerr << "jobforge: cannot reach " << c.url << ": " << httplib::to_string(r.error())
              << "\n";
    return exit_unreachable;
  }
  answer a{r->status, nullptr};
  json::error_code ec;
  if (!r->body.empty()) a.body = json::parse(r->body, ec);
  if (r->status >= 400) {
    const auto* e = a.body.is_object() ? a.body.as_object().if_contains("error") : nullptr;
    std::cerr << "jobforge: " << r->status << " "
              << (e ? std::string(e->at("message").as_string()) : r->body) << "\n";
    return r->status >= 500 ? exit_unreachable : exit_bad_input;
  }
  if (ec) {
    std::cerr << "jobforge: the server answered something that is not JSON\n";
    return exit_unreachable;
  }
  return a;
}

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

/// The exit code a finished job gives, or nullopt while it has not finished.
std::optional<int> verdict(const json::object& job) {
  const auto status = text_of(job.at("status"));
  if (status == "completed") return exit_ok;
  if (status == "failed" || status == "canceled") return exit_job_failed;
  return std::nullopt;
}

void print_final(const json::object& job) {
  const auto status = text_of(job.at("status"));
  std::cout << text_of(job.at("id")) << " " << status;
  if (status == "completed" && !job.at("result").is_null())
    std::cout << " " << json::serialize(job.at("result"));
  if (status == "failed" && job.at("last_error").is_object())
    std::cout << " " << text_of(job.at("last_error").at("code")) << ": "
              << text_of(job.at("last_error").at("message"));
  if (status == "canceled" && job.at("cancel_reason").is_string())
    std::cout << " (" << text_of(job.at("cancel_reason")) << ")";
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

}  // namespace

int wait_command(const client_options& server, const std::string& id, double timeout_s) {
  client_options c = server;  // follows a standby to the leader once, then stays there
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  bool drew_bar = false;
  for (;;) {
    auto current = send(c, "GET", "/api/jobs/" + id);
    if (std::holds_alternative<int>(current)) return std::get<int>(current);
    const auto& job = std::get<answer>(current).body.as_object();
    if (auto done = verdict(job)) {
      if (drew_bar) std::printf("\n");
      print_final(job);
      return *done;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      if (drew_bar) std::printf("\n");
      std::cerr << "jobforge: job " << id << " is still " << text_of(job.at("status")) << " after "
                << timeout_s << " s\n";
      return exit_wait_timeout;
    }
    // Follow the job's events until it ends (or the stream does); then the
    // loop reads the job again, so no ending is missed between the two.
    // A stream with nothing to say is left when the wait is over: a read
    // may not outlast the deadline (keep-alive comments come only every
    // sse_keep_alive_ms).
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto client = connect(
        c, std::clamp(left, std::chrono::milliseconds{1}, std::chrono::milliseconds{20'000}));
    if (!client) return exit_bad_input;
    std::string buffer;
    bool ended = false;
    client->Get(("/api/events?job_id=" + id + "&last_event_id=0").c_str(), [&](const char* data,
                                                                               std::size_t size) {
      buffer.append(data, size);
      for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
        std::istringstream block(buffer.substr(0, end));
        buffer.erase(0, end + 2);
        std::string line, name, payload;
        while (std::getline(block, line)) {
          if (line.rfind("event: ", 0) == 0) name = line.substr(7);
          if (line.rfind("data: ", 0) == 0) payload = line.substr(6);
        }
        if (payload.empty()) continue;
        const auto event = json::parse(payload).as_object();
        if (name == "progress") {
          show_progress(event, terminal);
          drew_bar = terminal;
        } else if (name == "status") {
          const auto to = text_of(event.at("to"));
          if (!terminal) {
            std::printf("status %s\n", to.c_str());
            std::fflush(stdout);  // a line as it happens, also into a pipe
          }
          ended |= to == "completed" || to == "failed" || to == "canceled";
        }
      }
      return !ended && std::chrono::steady_clock::now() < deadline;
    });
  }
}

int submit_command(const client_options& server, const submit_options& o) {
  client_options c = server;
  std::string payload_text = o.payload;
  if (!payload_text.empty() && payload_text[0] == '@') {
    std::ifstream in(payload_text.substr(1), std::ios::binary);
    if (!in) {
      std::cerr << "jobforge: cannot read the payload file " << payload_text.substr(1) << "\n";
      return exit_bad_input;
    }
    std::stringstream text;
    text << in.rdbuf();
    payload_text = text.str();
  }
  json::error_code ec;
  json::value payload = json::parse(payload_text, ec);
  if (ec) {
    std::cerr << "jobforge: --payload is not valid JSON: " << ec.message() << "\n";
    return exit_bad_input;
  }
  json::object request{{"type", o.type}, {"payload", std::move(payload)}};
  if (o.priority) request["priority"] = *o.priority;
  if (!o.depends_on.empty()) {
    json::array parents;
    for (const auto& p : o.depends_on)
      parents.push_back(json::value(p));
    request["depends_on"] = std::move(parents);
  }
  if (o.run_at) request["run_at"] = *o.run_at;
  if (!o.tags.empty()) {
    json::array tags;
    for (const auto& t : o.tags)
      tags.push_back(json::value(t));
    request["tags"] = std::move(tags);
  }
  auto submitted = send(c, "POST", "/api/jobs", json::serialize(request));
  if (std::holds_alternative<int>(submitted)) return std::get<int>(submitted);
  const auto& job = std::get<answer>(submitted).body.as_object();
  const std::string id = text_of(job.at("id"));
  if (!o.wait) {
    std::cout << id << " " << text_of(job.at("status")) << "\n";
    return exit_ok;
  }
  return wait_command(c, id, o.timeout_s);
}

int get_command(const client_options& server, const std::string& id) {
  client_options c = server;
  auto found = send(c, "GET", "/api/jobs/" + id);
  if (std::holds_alternative<int>(found)) return std::get<int>(found);
  std::cout << json::serialize(std::get<answer>(found).body) << "\n";
  return exit_ok;
}

int list_command(const client_options& server, const list_options& o) {
  client_options c = server;
  std::string path = "/api/jobs?limit=" + std::to_string(o.limit);
  if (o.status) path += "&status=" + httplib::detail::encode_query_param(*o.status);
  if (o.type) path += "&type=" + httplib::detail::encode_query_param(*o.type);
  auto page = send(c, "GET", path);
  if (std::holds_alternative<int>(page)) return std::get<int>(page);
  const auto& items = std::get<answer>(page).body.at("items").as_array();
  std::printf("%-36s  %-16s  %-9s  %-8s  %8s  %s\n", "ID", "TYPE", "STATUS", "PRIORITY", "ATTEMPTS",
              "CREATED");
  for (const auto& j : items)
    std::printf("%-36s  %-16s  %-9s  %-8s  %8s  %s\n", text_of(j.at("id")).c_str(),
                text_of(j.at("type")).c_str(), text_of(j.at("status")).c_str(),
                text_of(j.at("priority")).c_str(), text_of(j.at("attempts")).c_str(),
                text_of(j.at("created_at")).c_str());
  return exit_ok;
}

int cancel_command(const client_options& server, const std::string& id, const std::string& reason,
                   const std::string& mode) {
  client_options c = server;
  json::object body{{"mode", mode}};
  if (!reason.empty()) body["reason"] = reason;
  auto canceled = send(c, "POST", "/api/jobs/" + id + "/cancel", json::serialize(body));
  if (std::holds_alternative<int>(canceled)) return std::get<int>(canceled);
  print_final(std::get<answer>(canceled).body.as_object());
  return exit_ok;
}

}  // namespace jobforge::app
