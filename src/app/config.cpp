#include "app/config.hpp"
#include "model/exact_json_parse.hpp"

#include "model/schedule_record.hpp"
#include "zones/iana_zone.hpp"

#include "model/status.hpp"
#include "model/webhook.hpp"
#include "store/store_factory.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

extern char** environ;

namespace jobforge::app {
namespace {

namespace json = boost::json;

// The store kinds with their meanings, for the key's documentation.
const char* store_kinds_meaning() {
  static const std::string text = [] {
    std::string out;
    for (const auto& k : store_kinds())
      out += (out.empty() ? "" : "; ") + k.name + ": " + k.meaning;
    return out;
  }();
  return text.c_str();
}

// One configuration key: where it lives in server_config and what it takes.
struct key_spec {
  const char* key;
  std::string server_config::*text = nullptr;     // a text or choice key
  std::int64_t server_config::*number = nullptr;  // an integer key
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::vector<std::string> choices;  // empty: any text
  bool may_be_empty = false;
  const char* meaning = "";
  bool server_config::*flag = nullptr;  // a true/false key (text and number unset)
};

const std::vector<key_spec>& keys() {
  using c = server_config;
  static const std::vector<key_spec> list = {
      {"host", &c::host, nullptr, 0, 0, {}, false, "address to listen on"},
      {"port", nullptr, &c::port, 0, 65535, {}, false, "port to listen on (0: any free port)"},
      {"data_dir",
       &c::data_dir,
       nullptr,
       0,
       0,
       {},
       false,
       "folder of the SQLite database and of results/ (created if missing)"},
      {"store", &c::store, nullptr, 0, 0, store_kind_names(), false, store_kinds_meaning()},
      {"sqlite_sync",
       &c::sqlite_sync,
       nullptr,
       0,
       0,
       {"full", "normal", "off"},
       false,
       "SQLite synchronous: full survives power loss, normal a process crash"},
      {"executors",
       nullptr,
       &c::executors,
       0,
       4096,
       {},
       false,
       "jobs running at once in this process (0: only on worker nodes)"},
      {"cpu_scheduling",
       &c::cpu_scheduling,
       nullptr,
       0,
       0,
       {"batch", "normal"},
       false,
       "Linux scheduling policy of the server's threads: batch (a woken thread does not "
       "preempt the one that woke it) or normal"},
      {"max_body_bytes",
       nullptr,
       &c::max_body_bytes,
       1024,
       1 << 30,
       {},
       false,
       "larger request bodies are refused with 413"},
      {"shutdown_grace_ms",
       nullptr,
       &c::shutdown_grace_ms,
       0,
       3'600'000,
       {},
       false,
       "on SIGTERM/SIGINT, how long running jobs may finish"},
      {"timeout_warning_percent",
       nullptr,
       &c::timeout_warning_percent,
       0,
       99,
       {},
       false,
       "an attempt that has run this share of its timeout gets a warning (0: none)"},
      {"retention_hours",
       nullptr,
       &c::retention_hours,
       0,
       24 * 365 * 100,
       {},
       false,
       "finished jobs older than this are deleted (0: keep forever)"},
      {"max_inline_result_bytes",
       nullptr,
       &c::max_inline_result_bytes,
       0,
       1 << 30,
       {},
       false,
       "larger JSON results are kept as files in results/"},
      {"sse_keep_alive_ms",
       nullptr,
       &c::sse_keep_alive_ms,
       100,
       3'600'000,
       {},
       false,
       "an idle event stream gets a comment line this often"},
      {"log_format",
       &c::log_format,
       nullptr,
       0,
       0,
       {"text", "json"},
       false,
       "text lines or JSON lines"},
      {"log_level",
       &c::log_level,
       nullptr,
       0,
       0,
       {"trace", "debug", "info", "warn", "error"},
       false,
       "the least severe level logged"},
      {"tls_cert",
       &c::tls_cert,
       nullptr,
       0,
       0,
       {},
       true,
       "PEM certificate file; with tls_key, the server speaks HTTPS"},
      {"tls_key", &c::tls_key, nullptr, 0, 0, {}, true, "PEM private key file"},
      {"smtp.host", &c::smtp_host, nullptr, 0, 0, {}, false, "SMTP server of email.send"},
      {"smtp.port", nullptr, &c::smtp_port, 1, 65535, {}, false, "SMTP port"},
      {"smtp.security",
       &c::smtp_security,
       nullptr,
       0,
       0,
       {"none", "starttls", "tls"},
       false,
       "none, starttls (upgrade required) or tls (implicit, as on port 465)"},
      {"smtp.username", &c::smtp_username, nullptr, 0, 0, {}, true, "SMTP login; empty: none"},
      {"smtp.password", &c::smtp_password, nullptr, 0, 0, {}, true, "SMTP password"},
      {"smtp.from",
       &c::smtp_from,
       nullptr,
       0,
       0,
       {},
       true,
       "sender of messages whose payload names none"},
      {"smtp.templates_dir",
       &c::smtp_templates_dir,
       nullptr,
       0,
       0,
       {},
       true,
       "mustache templates <name>.subject/.txt/.html for payloads naming a template"},
      {"smtp.attachments_dir",
       &c::smtp_attachments_dir,
       nullptr,
       0,
       0,
       {},
       true,
       "attachments given by path must lie under it; empty: only inline (base64) attachments"},
      {"smtp.max_attachment_bytes",
       nullptr,
       &c::smtp_max_attachment_bytes,
       0,
       1 << 30,
       {},
       false,
       "all attachments of one message together; larger is refused before connecting"},
      {"smtp.connect_timeout_ms",
       nullptr,
       &c::smtp_connect_timeout_ms,
       100,
       600'000,
       {},
       false,
       "how long to wait for the SMTP server to accept the connection"},
      {"http_request.max_response_bytes",
       nullptr,
       &c::http_request_max_response_bytes,
       1024,
       1 << 30,
       {},
       false,
       "http.request results keep at most this much of the response body"},
      {"http_request.default_timeout_ms",
       nullptr,
       &c::http_request_default_timeout_ms,
       1,
       3'600'000,
       {},
       false,
       "an http.request call's time limit when its payload gives none"},
      {"files.input_dir",
       &c::files_input_dir,
       nullptr,
       0,
       0,
       {},
       true,
       "report.generate and file.process read only files under it; empty: <data_dir>/inputs"},
      {"webhooks.secret",
       &c::webhooks_secret,
       nullptr,
       0,
       0,
       {},
       true,
       "HMAC-SHA256 key of X-Jobforge-Signature; empty: deliveries are unsigned"},
      {"webhooks.max_attempts",
       nullptr,
       &c::webhooks_max_attempts,
       1,
       100,
       {},
       false,
       "delivery attempts before a delivery is dead-lettered"},
      {"webhooks.timeout_ms",
       nullptr,
       &c::webhooks_timeout_ms,
       100,
       600'000,
       {},
       false,
       "one delivery attempt's time limit"},
      {"cluster.port",
       nullptr,
       &c::cluster_port,
       -1,
       65535,
       {},
       false,
       "port worker nodes join on (-1: no cluster; 0: any free port)"},
      {"cluster.host",
       &c::cluster_host,
       nullptr,
       0,
       0,
       {},
       false,
       "address of the cluster port (not loopback: TLS and a token, or cluster.insecure)"},
      {"cluster.token",
       &c::cluster_token,
       nullptr,
       0,
       0,
       {},
       true,
       "shared secret every worker node presents when it joins"},
      {"cluster.tls_cert",
       &c::cluster_tls_cert,
       nullptr,
       0,
       0,
       {},
       true,
       "PEM certificate of this coordinator for mutual TLS on the cluster port"},
      {"cluster.tls_key", &c::cluster_tls_key, nullptr, 0, 0, {}, true, "its PEM private key"},
      {"cluster.tls_ca",
       &c::cluster_tls_ca,
       nullptr,
       0,
       0,
       {},
       true,
       "PEM of the CA that signed the worker nodes' certificates"},
      {"cluster.insecure",
       nullptr,
       nullptr,
       0,
       0,
       {},
       false,
       "true: allow a non-loopback cluster port without TLS and token (warned about)",
       &c::cluster_insecure},
      {"cluster.heartbeat_ms",
       nullptr,
       &c::cluster_heartbeat_ms,
       10,
       60'000,
       {},
       false,
       "CAF heartbeat interval on cluster connections"},
      {"cluster.timeout_ms",
       nullptr,
       &c::cluster_timeout_ms,
       50,
       600'000,
       {},
       false,
       "a cluster peer silent this long is lost (its running jobs run elsewhere)"},
      {"postgres.url",
       &c::postgres_url,
       nullptr,
       0,
       0,
       {},
       true,
       "store postgres: a libpq connection string or URI (its password is never logged)"},
      {"postgres.lease_ms",
       nullptr,
       &c::postgres_lease_ms,
       500,
       600'000,
       {},
       false,
       "store postgres: how long the leader lease lasts unrenewed; a standby takes over once it "
       "expired"},
      {"postgres.renew_ms",
       nullptr,
       &c::postgres_renew_ms,
       50,
       60'000,
       {},
       false,
       "store postgres: how often the leader renews its lease (and a standby looks for an "
       "expired one)"},
      {"postgres.pool_size",
       nullptr,
       &c::postgres_pool_size,
       0,
       64,
       {},
       false,
       "store postgres: connections that answer reads (a job, a list) beside the one that "
       "writes; 0: the writing one reads too"},
      {"advertise_url",
       &c::advertise_url,
       nullptr,
       0,
       0,
       {},
       true,
       "the URL clients reach this coordinator at, which standbys send them to (empty: "
       "http(s)://host:port)"},
  };
  return list;
}

std::string env_name(std::string_view key) {
  std::string out = "JOBFORGE_";
  for (char ch : key)
    out += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i)
    out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  return out;
}

std::string shown(const json::value& v) {
  std::string text = json::serialize(v);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

// Sets one key from text (an environment variable, or a JSON string).
std::optional<std::string> set_text(server_config& config, const key_spec& spec,
                                    const std::string& text) {
  if (spec.flag) {
    if (text != "true" && text != "false") return "must be true or false, got \"" + text + "\"";
    config.*spec.flag = text == "true";
    return std::nullopt;
  }
  if (spec.number) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n < spec.min || n > spec.max)
      return "must be an integer within " + std::to_string(spec.min) + ".." +
             std::to_string(spec.max) + ", got \"" + text + "\"";
    config.*spec.number = n;
    return std::nullopt;
  }
  if (!spec.choices.empty() &&
      std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end())
    return "must be " + joined(spec.choices) + ", got \"" + text + "\"";
  if (text.empty() && !spec.may_be_empty) return "must not be empty";
  config.*spec.text = text;
  return std::nullopt;
}

std::optional<std::string> set_json(server_config& config, const key_spec& spec,
                                    const json::value& v) {
  if (spec.flag) {
    if (!v.is_bool()) return "must be true or false, got " + shown(v);
    config.*spec.flag = v.get_bool();
    return std::nullopt;
  }
  if (spec.number) {
    if (!v.is_int64() && !v.is_uint64())
      return "must be an integer within " + std::to_string(spec.min) + ".." +
             std::to_string(spec.max) + ", got " + shown(v);
    if (v.is_uint64() && v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX))
      return "is too large";
    return set_text(config, spec, std::to_string(v.to_number<std::int64_t>()));
  }
  if (!v.is_string())
    return spec.choices.empty() ? "must be a string, got " + shown(v)
                                : "must be " + joined(spec.choices) + ", got " + shown(v);
  return set_text(config, spec, std::string(v.get_string()));
}

// A JSON array of objects with the given keys: each entry is handed to
// `read` with a `fail` that records a problem under the entry's index.
// Returns false if anything was wrong (then the key keeps its value).
using entry_reader =
    std::function<void(const json::object&, const std::function<void(const std::string&)>& fail)>;
bool read_entries(const json::value& v, const std::string& where,
                  const std::vector<std::string>& keys, config_problems& problems,
                  const entry_reader& read) {
  std::string shape = "{";
  for (std::size_t i = 0; i < keys.size(); ++i)
    shape += (i ? ", " : "") + keys[i];
  shape += "}";
  if (!v.is_array()) {
    problems.push_back(where + ": must be an array of " + shape + ", got " + shown(v));
    return false;
  }
  bool ok = true;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    const std::function<void(const std::string&)> fail = [&](const std::string& message) {
      problems.push_back(at + message);
      ok = false;
    };
    if (!arr[i].is_object()) {
      fail(": must be an object " + shape);
      continue;
    }
    for (const auto& field : arr[i].get_object())
      if (std::find(keys.begin(), keys.end(), field.key()) == keys.end())
        fail("." + std::string(field.key()) + ": unknown key");
    read(arr[i].get_object(), fail);
  }
  return ok;
}

// api_keys: [{"key", "tenant", "role", "name"?}]; every entry checked, every problem told.
void set_api_keys(server_config& config, const json::value& v, const std::string& where,
                  config_problems& problems) {
  std::vector<api_key> out;
  const auto read = [&](const json::object& o,
                        const std::function<void(const std::string&)>& fail) {
    api_key k;
    const auto text_of = [&](const char* name) -> std::optional<std::string> {
      const auto* f = o.if_contains(name);
      if (!f || !f->is_string() || f->get_string().empty()) {
        fail(std::string(".") + name + ": must be a non-empty string");
        return std::nullopt;
      }
      return std::string(f->get_string());
    };
    if (auto key = text_of("key")) {
      if (key->size() < 16)
        fail(".key: must be at least 16 characters (a guessable key protects nothing)");
      k.key = *key;
    }
    if (auto tenant = text_of("tenant")) k.tenant = *tenant;
    if (auto r = text_of("role")) {
      if (auto parsed = parse_role(*r))
        k.role = *parsed;
      else
        fail(".role: must be admin, operator, submitter or viewer, got \"" + *r + "\"");
    }
    if (o.contains("name")) {
      if (auto name = text_of("name")) {
        if (name->size() > 100) fail(".name: must be at most 100 characters");
        k.name = *name;
      }
    }
    out.push_back(std::move(k));
  };
  if (read_entries(v, where, {"key", "tenant", "role", "name"}, problems, read))
    config.api_keys = std::move(out);
}

// webhooks.rules: [{"url", "types"?, "events"?}]; every entry checked.
void set_webhook_rules(server_config& config, const json::value& v, const std::string& where,
                       config_problems& problems) {
  std::vector<webhook_rule_config> out;
  const auto read = [&](const json::object& o,
                        const std::function<void(const std::string&)>& fail) {
    webhook_rule_config rule;
    const auto* url = o.if_contains("url");
    if (!url || !url->is_string())
      fail(".url: must be an http:// or https:// URL");
    else if (auto checked = check_webhook_url(url->get_string(), "url"); !checked)
      fail(".url: " + checked.error_value().message.substr(6));  // drop the "'url' " prefix
    else
      rule.url = std::string(url->get_string());
    const auto strings_of = [&](const char* name, std::vector<std::string>& into) {
      const auto* f = o.if_contains(name);
      if (!f) return;
      if (!f->is_array()) return fail(std::string(".") + name + ": must be an array of strings");
      for (const auto& item : f->get_array()) {
        if (!item.is_string() || item.get_string().empty())
          return fail(std::string(".") + name + ": must be an array of non-empty strings");
        into.emplace_back(item.get_string());
      }
    };
    strings_of("types", rule.types);
    strings_of("events", rule.events);
    for (const auto& e : rule.events)
      if (e != "*" && !parse_job_status(e))
        fail(".events: \"" + e +
             "\" is not a status (scheduled, blocked, pending, running, retrying, completed, "
             "failed, canceled) or \"*\"");
    out.push_back(std::move(rule));
  };
  if (read_entries(v, where, {"url", "types", "events"}, problems, read))
    config.webhooks_rules = std::move(out);
}

// schedules: [{definition}], each parsed, its cron and zone checked, names unique.
void set_schedules(server_config& config, const json::value& v, const std::string& where,
                   config_problems& problems) {
  if (!v.is_array()) {
    problems.push_back(where + ": must be an array of schedules {name, cron, zone, job, ...}");
    return;
  }
  std::vector<schedule_definition> out;
  std::set<std::string> names;
  bool ok = true;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    auto parsed = schedule_definition_from_json(arr[i]);
    if (!parsed) {
      problems.push_back(at + ": " + parsed.error_value().message);
      ok = false;
      continue;
    }
    const std::string named = at + " (" + parsed->name + ")";
    if (auto checked = validate_schedule(*parsed); !checked) {
      problems.push_back(named + ": " + checked.error_value().message);
      ok = false;
    } else if (auto zone = find_iana_zone(parsed->zone); !zone) {
      problems.push_back(named + ": zone: " + zone.error_value().message);
      ok = false;
    } else if (!names.insert(parsed->name).second) {
      problems.push_back(named + ": the name is used by an earlier schedule");
      ok = false;
    }
    out.push_back(std::move(parsed).value());
  }
  if (ok) config.schedules = std::move(out);
}

// job_types: {"<type name>": {policy keys}}. Each type's keys replace, one
// by one, what an earlier source (the file, for the environment) set;
// whether the type exists and its values fit its bounds is serve's to check
// against the registry.
void set_job_types(server_config& config, const json::value& v, const std::string& where,
                   policy_source source, config_problems& problems) {
  if (!v.is_object()) {
    problems.push_back(where + ": must be an object {\"<job type>\": {policy keys}}, got " +
                       shown(v));
    return;
  }
  auto merged = config.job_types;
  bool ok = true;
  for (const auto& entry : v.get_object()) {
    const std::string type(entry.key());
    std::vector<std::string> found;
    auto policy = policy_from_json(entry.value(), source, found);
    for (const auto& problem : found)
      problems.push_back(where + "." + type + ": " + problem);
    ok &= found.empty();
    // Kept even when empty, so that serve names a type that does not exist.
    auto& into = merged[type];
    for (auto& [key, setting] : policy)
      into[key] = std::move(setting);
  }
  if (ok) config.job_types = std::move(merged);
}

// A JSON array (or `shape`) given as an environment variable's text.
void set_from_env_json(const std::map<std::string, std::string>& env, const char* name,
                       config_problems& problems,
                       const std::function<void(const json::value&, const std::string&)>& set,
                       const char* shape = "a JSON array") {
  auto it = env.find(name);
  if (it == env.end()) return;
  json::error_code ec;
  const json::value v = parse_json_exactly(it->second, ec);
  if (ec)
    problems.push_back(std::string("env ") + name + ": is not " + shape + ": " + ec.message());
  else
    set(v, std::string("env ") + name);
}

const key_spec* find_key(const std::string& key) {
  const auto& all = keys();
  auto spec = std::find_if(all.begin(), all.end(), [&](const key_spec& s) { return key == s.key; });
  return spec == all.end() ? nullptr : &*spec;
}

bool is_section(const std::string& name) {
  return name == "smtp" || name == "http_request" || name == "files" || name == "webhooks" ||
         name == "cluster" || name == "postgres";
}

}  // namespace

std::string server_config::input_dir() const {
  if (!files_input_dir.empty()) return files_input_dir;
  return (std::filesystem::path(data_dir) / "inputs").string();
}

void apply_config_file(server_config& config, const std::string& path, bool required,
                       config_problems& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (required) problems.push_back(path + ": cannot be read");
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  json::error_code ec;
  const json::value root = parse_json_exactly(text.str(), ec);
  if (ec) {
    problems.push_back(path + ": is not valid JSON: " + ec.message());
    return;
  }
  if (!root.is_object()) {
    problems.push_back(path + ": must hold a JSON object");
    return;
  }
  const auto set_key = [&](const std::string& key, const json::value& value) {
    const key_spec* spec = find_key(key);
    if (!spec) {
      problems.push_back(path + ": " + key + ": unknown key");
      return;
    }
    if (auto problem = set_json(config, *spec, value))
      problems.push_back(path + ": " + key + ": " + *problem);
  };
  for (const auto& field : root.get_object()) {
    const std::string key(field.key());
    if (key == "api_keys") {
      set_api_keys(config, field.value(), path + ": api_keys", problems);
    } else if (key == "schedules") {
      set_schedules(config, field.value(), path + ": schedules", problems);
    } else if (key == "job_types") {
      set_job_types(config, field.value(), path + ": job_types", policy_source::config, problems);
    } else if (is_section(key)) {
      if (!field.value().is_object()) {
        problems.push_back(path + ": " + key + ": must be an object");
        continue;
      }
      for (const auto& inner : field.value().get_object()) {
        const std::string nested = key + "." + std::string(inner.key());
        if (nested == "webhooks.rules")
          set_webhook_rules(config, inner.value(), path + ": " + nested, problems);
        else
          set_key(nested, inner.value());
      }
    } else {
      set_key(key, field.value());
    }
  }
}

void apply_environment(server_config& config, const std::map<std::string, std::string>& env,
                       config_problems& problems) {
  for (const auto& spec : keys()) {
    const auto name = env_name(spec.key);
    auto it = env.find(name);
    if (it == env.end()) continue;
    if (auto problem = set_text(config, spec, it->second))
      problems.push_back("env " + name + ": " + *problem);
  }
  set_from_env_json(env, "JOBFORGE_API_KEYS", problems,
                    [&](const json::value& v, const std::string& where) {
                      set_api_keys(config, v, where, problems);
                    });
  set_from_env_json(env, "JOBFORGE_SCHEDULES", problems,
                    [&](const json::value& v, const std::string& where) {
                      set_schedules(config, v, where, problems);
                    });
  set_from_env_json(
      env, "JOBFORGE_JOB_TYPES", problems,
      [&](const json::value& v, const std::string& where) {
        set_job_types(config, v, where, policy_source::environment, problems);
      },
      "a JSON object");
  set_from_env_json(env, "JOBFORGE_WEBHOOKS_RULES", problems,
                    [&](const json::value& v, const std::string& where) {
                      set_webhook_rules(config, v, where, problems);
                    });
}

void check_combination(const server_config& config, config_problems& problems) {
  if (config.tls_cert.empty() != config.tls_key.empty())
    problems.push_back("tls_cert and tls_key: give both (HTTPS) or neither (HTTP)");
  const bool any_tls = !config.cluster_tls_cert.empty() || !config.cluster_tls_key.empty() ||
                       !config.cluster_tls_ca.empty();
  if (any_tls && (config.cluster_tls_cert.empty() || config.cluster_tls_key.empty() ||
                  config.cluster_tls_ca.empty()))
    problems.push_back(
        "cluster.tls_cert, cluster.tls_key and cluster.tls_ca: give all three (mutual TLS) or "
        "none");
  if (config.postgres_renew_ms * 3 > config.postgres_lease_ms)
    problems.push_back(
        "postgres.renew_ms must be at most a third of postgres.lease_ms (a leader needs room to "
        "renew before it stops trusting its lease)");
  if (config.store == "postgres" && config.postgres_url.empty())
    problems.push_back("store postgres needs postgres.url (JOBFORGE_POSTGRES_URL)");
  if (config.cluster_timeout_ms <= config.cluster_heartbeat_ms)
    problems.push_back("cluster.timeout_ms must be longer than cluster.heartbeat_ms");
  std::set<std::string> seen;
  for (const auto& k : config.api_keys)
    if (!seen.insert(k.key).second)
      problems.push_back("api_keys: the same key is given twice (for tenant " + k.tenant + ")");
}

std::map<std::string, std::string> jobforge_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    if (entry.rfind("JOBFORGE_", 0) != 0) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

std::vector<config_key_doc> documented_keys() {
  const server_config defaults;
  std::vector<config_key_doc> out;
  for (const auto& spec : keys()) {
    const std::string value = spec.flag     ? (defaults.*spec.flag ? "true" : "false")
                              : spec.number ? std::to_string(defaults.*spec.number)
                                            : "\"" + defaults.*spec.text + "\"";
    out.push_back({spec.key, env_name(spec.key), value, spec.meaning});
  }
  out.push_back({"api_keys", "JOBFORGE_API_KEYS", "[]",
                 "[{\"key\", \"tenant\", \"role\": admin|operator|submitter|viewer}]; none: "
                 "loopback only, callers are admin of tenant \"default\""});
  out.push_back({"schedules", "JOBFORGE_SCHEDULES", "[]",
                 "[{\"name\", \"cron\", \"zone\": IANA name (UTC), \"on_missed\": skip|catch_up, "
                 "\"catch_up_cap\", \"paused\", \"job\": {a submission}}] (docs/schedules.md)"});
  out.push_back({"job_types", "JOBFORGE_JOB_TYPES", "{}",
                 "{\"<type>\": {\"max_attempts\", \"retry\": {\"initial_backoff_ms\", "
                 "\"max_backoff_ms\", \"multiplier\", \"jitter\", \"retry_on\"}, "
                 "\"max_retry_ms\", \"timeout_ms\", \"priority\", \"concurrency_limit\", "
                 "\"rate_limit\": {\"per_second\", \"burst\"}, \"unique_for_ms\"}}: a job "
                 "type's policy over its built-in one (docs/job-types.md); the environment's "
                 "merged key by key over the file's"});
  out.push_back({"webhooks.rules", "JOBFORGE_WEBHOOKS_RULES", "[]",
                 "[{\"url\", \"types\": [...] (all when absent), \"events\": [...] (completed, "
                 "failed, canceled when absent; \"*\" = every transition)}]"});
  return out;
}

}  // namespace jobforge::app
