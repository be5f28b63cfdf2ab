#include "app/config.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace jobforge::app {
namespace {

namespace json = boost::json;

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
      {"store",
       &c::store,
       nullptr,
       0,
       0,
       {"sqlite", "memory"},
       false,
       "sqlite (durable) or memory (nothing survives the process)"},
      {"sqlite_sync",
       &c::sqlite_sync,
       nullptr,
       0,
       0,
       {"full", "normal", "off"},
       false,
       "SQLite synchronous: full survives power loss, normal a process crash"},
      {"executors", nullptr, &c::executors, 1, 4096, {}, false, "jobs running at once"},
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

// api_keys: [{"key", "tenant", "role"}]; every entry checked, every problem told.
void set_api_keys(server_config& config, const json::value& v, const std::string& where,
                  config_problems& problems) {
  if (!v.is_array()) {
    problems.push_back(where + ": must be an array of {key, tenant, role}, got " + shown(v));
    return;
  }
  std::vector<api_key> out;
  bool ok = true;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    const auto fail = [&](const std::string& message) {
      problems.push_back(at + message);
      ok = false;
    };
    if (!arr[i].is_object()) {
      fail(": must be an object {key, tenant, role}");
      continue;
    }
    const auto& o = arr[i].get_object();
    api_key k;
    for (const auto& field : o) {
      const std::string name(field.key());
      if (name != "key" && name != "tenant" && name != "role") fail("." + name + ": unknown key");
    }
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
    out.push_back(std::move(k));
  }
  if (ok) config.api_keys = std::move(out);
}

}  // namespace

std::optional<role> parse_role(std::string_view text) {
  if (text == "viewer") return role::viewer;
  if (text == "submitter") return role::submitter;
  if (text == "operator") return role::operator_;
  if (text == "admin") return role::admin;
  return std::nullopt;
}

std::string_view to_string(role r) {
  switch (r) {
    case role::viewer:
      return "viewer";
    case role::submitter:
      return "submitter";
    case role::operator_:
      return "operator";
    case role::admin:
      return "admin";
  }
  return "viewer";
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
  const json::value root = json::parse(text.str(), ec);
  if (ec) {
    problems.push_back(path + ": is not valid JSON: " + ec.message());
    return;
  }
  if (!root.is_object()) {
    problems.push_back(path + ": must hold a JSON object");
    return;
  }
  for (const auto& field : root.get_object()) {
    const std::string key(field.key());
    if (key == "api_keys") {
      set_api_keys(config, field.value(), path + ": api_keys", problems);
      continue;
    }
    const auto& all = keys();
    auto spec =
        std::find_if(all.begin(), all.end(), [&](const key_spec& s) { return key == s.key; });
    if (spec == all.end()) {
      problems.push_back(path + ": " + key + ": unknown key");
      continue;
    }
    if (auto problem = set_json(config, *spec, field.value()))
      problems.push_back(path + ": " + key + ": " + *problem);
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
  if (auto it = env.find("JOBFORGE_API_KEYS"); it != env.end()) {
    json::error_code ec;
    const json::value v = json::parse(it->second, ec);
    if (ec)
      problems.push_back("env JOBFORGE_API_KEYS: is not a JSON array: " + ec.message());
    else
      set_api_keys(config, v, "env JOBFORGE_API_KEYS", problems);
  }
}

void check_combination(const server_config& config, config_problems& problems) {
  if (config.tls_cert.empty() != config.tls_key.empty())
    problems.push_back("tls_cert and tls_key: give both (HTTPS) or neither (HTTP)");
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
    const std::string value =
        spec.number ? std::to_string(defaults.*spec.number) : "\"" + defaults.*spec.text + "\"";
    out.push_back({spec.key, env_name(spec.key), value, spec.meaning});
  }
  out.push_back({"api_keys", "JOBFORGE_API_KEYS", "[]",
                 "[{\"key\", \"tenant\", \"role\": admin|operator|submitter|viewer}]; none: "
                 "loopback only, callers are admin of tenant \"default\""});
  return out;
}

}  // namespace jobforge::app
