#pragma once
/// `jobforge serve` with API keys for every role in two tenants (acme and
/// globex), and a client that sends each request as one of them: for the
/// tests of roles and tenant scoping.

#include "served_jobforge.hpp"

#include <fstream>
#include <map>

namespace e2e {

namespace json = boost::json;
using namespace std::chrono_literals;

enum class role { none, viewer, submitter, operator_, admin };
inline const role roles[] = {role::viewer, role::submitter, role::operator_, role::admin};

inline const char* name_of(role r) {
  switch (r) {
    case role::none:
      return "none";
    case role::viewer:
      return "viewer";
    case role::submitter:
      return "submitter";
    case role::operator_:
      return "operator";
    case role::admin:
      return "admin";
  }
  return "?";
}

/// The key of `r` in `tenant` (acme or globex), as the config file names it.
inline std::string key_of(const std::string& tenant, role r) {
  return tenant + "-" + name_of(r) + "-key-0123456789";
}

/// Who a key of `tenant` with role `r` is in the audit log and canceled_by.
inline std::string actor_of(const std::string& tenant, role r) {
  return tenant == "acme" ? std::string("ada-") + name_of(r) : tenant + "/" + name_of(r);
}

/// A raw answer: status, headers and the JSON body (null when not JSON).
struct answer {
  int status = 0;
  httplib::Headers headers;
  json::value body;

  std::string error_code() const {
    const auto* e = body.is_object() ? body.as_object().if_contains("error") : nullptr;
    return e ? std::string(e->at("code").as_string()) : std::string();
  }
  std::string error_message() const {
    const auto* e = body.is_object() ? body.as_object().if_contains("error") : nullptr;
    return e ? std::string(e->at("message").as_string()) : std::string();
  }
};

/// `jobforge serve` with keys for every role in tenants acme and globex.
class keyed_server {
 public:
  keyed_server() {
    json::array keys;
    for (const char* tenant : {"acme", "globex"})
      for (auto r : roles) {
        json::object k{{"key", key_of(tenant, r)}, {"tenant", tenant}, {"role", name_of(r)}};
        // acme's keys are named (the audit log and canceled_by use the
        // name); globex's are not.
        if (std::string(tenant) == "acme") k["name"] = actor_of(tenant, r);
        keys.push_back(std::move(k));
      }
    const auto config = dir_.file("jobforge.json");
    std::ofstream(config) << json::serialize(
        json::object{{"api_keys", keys}, {"sse_keep_alive_ms", 200}, {"store", "memory"}});
    jf_ = std::make_unique<served_jobforge>(std::vector<std::string>{"--config", config},
                                            dir_.file("data"));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", jf_->port());
    client_->set_connection_timeout(2s);
    client_->set_read_timeout(30s);
  }

  served_jobforge& jf() { return *jf_; }

  /// `method` on `path` with `body` (empty: none), authorised by `header`
  /// (nullopt: no Authorization header at all).
  answer send(const std::string& method, const std::string& path, const std::string& body,
              const std::optional<std::string>& header) {
    httplib::Headers headers;
    if (header) headers.emplace("Authorization", *header);
    httplib::Result r{nullptr, httplib::Error::Unknown};
    if (method == "GET") {
      r = client_->Get(path.c_str(), headers);
    } else if (method == "POST") {
      r = client_->Post(path.c_str(), headers, body, "application/json");
    } else {
      r = client_->Delete(path.c_str(), headers);
    }
    INFO(method << " " << path << ": transport error " << httplib::to_string(r.error()));
    REQUIRE(r);
    answer out{r->status, r->headers, nullptr};
    json::error_code ec;
    if (!r->body.empty()) out.body = json::parse(r->body, ec);
    if (ec) out.body = nullptr;
    return out;
  }

  answer as(const std::string& tenant, role r, const std::string& method, const std::string& path,
            const std::string& body = "") {
    return send(method, path, body, "Bearer " + key_of(tenant, r));
  }

  /// The status of an event stream's answer, read from its headers only.
  int stream_status(const std::string& path, const std::optional<std::string>& header) {
    httplib::Client c("127.0.0.1", jf_->port());
    c.set_read_timeout(5s);
    httplib::Headers headers;
    if (header) headers.emplace("Authorization", *header);
    int status = 0;
    std::string body;
    auto r = c.Get(
        path.c_str(), headers,
        [&](const httplib::Response& res) {
          status = res.status;
          return res.status != 200;  // a stream: stop at its headers; an error: read it
        },
        [&](const char* data, std::size_t n) {
          body.append(data, n);
          return true;
        });
    return status;
  }

  /// Submits as acme's admin for `tenant`; the job.
  json::object submit_for(const std::string& tenant, json::object request,
                          const std::string& query = "") {
    request["tenant"] = tenant;
    auto r = as("acme", role::admin, "POST", "/api/jobs" + query, json::serialize(request));
    INFO(json::serialize(r.body));
    REQUIRE((r.status == 201 || r.status == 202));
    return r.body.as_object();
  }

 private:
  temp_dir dir_;
  std::unique_ptr<served_jobforge> jf_;
  std::unique_ptr<httplib::Client> client_;
};

/// The id of a job as the API renders it.
inline std::string job_id_of(const json::object& job) {
  return std::string(job.at("id").as_string());
}

/// Reads the event stream at `path` as `key` until `until` shows up in its
/// text, or `limit` passes; the text.
inline std::string read_stream_as(int port, const std::string& path, const std::string& key,
                                  const std::string& until, std::chrono::milliseconds limit = 10s) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(10s);
  std::string text;
  const auto deadline = clock_type::now() + limit;
  c.Get(path.c_str(), {{"Authorization", "Bearer " + key}}, [&](const char* data, std::size_t n) {
    text.append(data, n);
    return text.find(until) == std::string::npos && clock_type::now() < deadline;
  });
  return text;
}

}  // namespace e2e
