// The built-in integrations through the real server: file jobs on a file in
// the configured input folder (their output downloaded as the job's blob
// result), and http.request against a loopback HTTP server.

#include "served_jobforge.hpp"

#include "../support/gunzip.hpp"
#include "../support/sha256.hpp"
#include "handlers/smtp_test_server.hpp"

namespace json = boost::json;
using e2e::served_jobforge;
using e2e::status_of;
using jobforge::testing_support::sha256_hex;
using namespace std::chrono_literals;

namespace {

std::string sample_text(std::size_t lines) {
  std::string text;
  for (std::size_t i = 0; i < lines; ++i)
    text += "order " + std::to_string(i) + ", item " + std::to_string(i * 7 % 13) + "\n";
  return text;
}

}  // namespace

TEST_CASE("file.process gzips a file from the input folder into a downloadable result",
          "[integrations]") {
  e2e::temp_dir data;
  const auto inputs = data.path() / "inputs";  // the default files.input_dir
  std::filesystem::create_directories(inputs / "exports");
  const std::string text = sample_text(50'000);
  std::ofstream(inputs / "exports" / "orders.csv", std::ios::binary) << text;
  served_jobforge jf({}, data.path().string());

  auto r =
      jf.post("/api/jobs?wait=20",
              json::object{{"type", "file.process"},
                           {"payload", {{"path", "exports/orders.csv"}, {"operation", "gzip"}}}});
  REQUIRE(r.status == 201);
  INFO(json::serialize(r.body));
  REQUIRE(status_of(r) == "completed");
  const auto id = e2e::id_of(r);
  CHECK(r.object().at("result").at("input_bytes") == json::value(text.size()));
  CHECK(r.object().at("result").at("input_sha256") == json::value(sha256_hex(text)));

  auto download = jf.get_raw("/api/jobs/" + id + "/result/download");
  REQUIRE(download);
  REQUIRE(download->status == 200);
  CHECK(download->get_header_value("X-Content-SHA256") == sha256_hex(download->body));
  CHECK(jobforge::testing_support::gunzip_all(download->body) == text);
  // Nothing is left behind in the work folder once the output is kept.
  CHECK(std::filesystem::is_empty(data.path() / "work"));

  auto outside =
      jf.post("/api/jobs?wait=20",
              json::object{{"type", "file.process"},
                           {"payload", {{"path", "../jobforge.db"}, {"operation", "gzip"}}}});
  REQUIRE(outside.status == 201);
  CHECK(status_of(outside) == "failed");
  CHECK(outside.object().at("last_error").at("code") == json::value("path_not_allowed"));
}

TEST_CASE("report.generate summarises a file and keeps the report as the result",
          "[integrations]") {
  e2e::temp_dir data;
  const auto inputs = data.path() / "inputs";
  std::filesystem::create_directories(inputs);
  const std::string text = sample_text(1'000);
  std::ofstream(inputs / "orders.csv", std::ios::binary) << text;
  served_jobforge jf({}, data.path().string());

  auto r = jf.post("/api/jobs?wait=20", json::object{{"type", "report.generate"},
                                                     {"payload", {{"path", "orders.csv"}}}});
  REQUIRE(r.status == 201);
  INFO(json::serialize(r.body));
  REQUIRE(status_of(r) == "completed");
  const auto& summary = r.object().at("result");
  CHECK(summary.at("lines") == json::value(1'000));
  CHECK(summary.at("bytes") == json::value(text.size()));
  CHECK(summary.at("sha256") == json::value(sha256_hex(text)));
  auto download = jf.get_raw("/api/jobs/" + e2e::id_of(r) + "/result/download");
  REQUIRE(download);
  REQUIRE(download->status == 200);
  const auto report = json::parse(download->body);
  CHECK(report.at("lines") == json::value(1'000));
}

TEST_CASE("http.request calls a loopback server, and a 404 fails the job for good",
          "[integrations]") {
  httplib::Server target;
  target.Post("/orders", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"({"received":)" + req.body + "}", "application/json");
  });
  const int port = target.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread serving([&] { target.listen_after_bind(); });
  REQUIRE(e2e::eventually([&] { return target.is_running(); }, 5s));
  served_jobforge jf;
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  auto ok = jf.post("/api/jobs?wait=20", json::object{{"type", "http.request"},
                                                      {"payload",
                                                       {{"method", "POST"},
                                                        {"url", base + "/orders"},
                                                        {"body", {{"sku", "A-1"}}},
                                                        {"expected_status", json::array{201}}}}});
  INFO(json::serialize(ok.body));
  REQUIRE(status_of(ok) == "completed");
  CHECK(ok.object().at("result").at("status") == json::value(201));
  CHECK(json::parse(std::string(ok.object().at("result").at("body").as_string())) ==
        json::parse(R"({"received": {"sku": "A-1"}})"));

  auto missing =
      jf.post("/api/jobs?wait=20",
              json::object{{"type", "http.request"},
                           {"payload", {{"method", "GET"}, {"url", base + "/nothing"}}}});
  INFO(json::serialize(missing.body));
  CHECK(status_of(missing) == "failed");
  CHECK(missing.object().at("attempts") == json::value(1));  // a 404 is not retried
  target.stop();
  serving.join();
}

TEST_CASE("email.send renders a shipped template and delivers it to an SMTP server",
          "[integrations]") {
  jobforge::testing_support::smtp_test_server smtp;
  served_jobforge jf(
      {}, std::nullopt,
      {"JOBFORGE_SMTP_PORT=" + std::to_string(smtp.port()), "JOBFORGE_SMTP_FROM=jobs@example.com",
       std::string("JOBFORGE_SMTP_TEMPLATES_DIR=") + JOBFORGE_SOURCE_DIR + "/config/templates"});
  auto r = jf.post("/api/jobs?wait=20", json::object{{"type", "email.send"},
                                                     {"payload",
                                                      {{"to", "Ann Lee <ann@example.com>"},
                                                       {"template", "welcome"},
                                                       {"variables",
                                                        {{"name", "Ann"},
                                                         {"product", "jobforge"},
                                                         {"login_url", "https://example.com/login"},
                                                         {"trial_days", 14}}}}}});
  INFO(json::serialize(r.body) << "\nsmtp log:\n" << smtp.log_text());
  REQUIRE(status_of(r) == "completed");
  CHECK(r.object().at("result").at("delivery") == json::value("sent"));
  const auto mails = smtp.messages();
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].summary.at("mail_from") == json::value("jobs@example.com"));
  CHECK(mails[0].raw.find("Subject: Welcome to jobforge, Ann!") != std::string::npos);
  CHECK(mails[0].raw.find("multipart/alternative") != std::string::npos);

  // A server that refuses the recipient for good fails the job as bounced.
  jobforge::testing_support::smtp_test_server refusing({"--rcpt-reply", "550 5.1.1 No such user"});
  served_jobforge bounced({}, std::nullopt,
                          {"JOBFORGE_SMTP_PORT=" + std::to_string(refusing.port()),
                           "JOBFORGE_SMTP_FROM=jobs@example.com"});
  auto b = bounced.post(
      "/api/jobs?wait=20",
      json::object{
          {"type", "email.send"},
          {"payload", {{"to", "nobody@example.com"}, {"subject", "hi"}, {"text", "hello"}}}});
  INFO(json::serialize(b.body));
  REQUIRE(status_of(b) == "failed");
  CHECK(b.object().at("last_error").at("code") == json::value("bounced"));
  CHECK(b.object().at("checkpoint").at("delivery") == json::value("bounced"));
}
