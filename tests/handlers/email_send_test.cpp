// email.send against a real SMTP server (aiosmtpd) on loopback: what arrives
// is read back byte for byte and through Python's own e-mail parser.

#include "handlers/email_send.hpp"
#include "model/job_type_registry.hpp"
#include "model/payload_validator.hpp"
#include "model/random_source.hpp"
#include "model/retry_policy.hpp"
#include "support/sha256.hpp"
#include "support/temp_dir.hpp"
#include "testing/test_context.hpp"

#include "handlers/smtp_test_server.hpp"

#include <openssl/evp.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

using namespace jobforge;
using namespace jobforge::handlers;
using jobforge::testing::run_handler_once;
using jobforge::testing::test_context;
using jobforge::testing_support::received_mail;
using jobforge::testing_support::sha256_hex;
using jobforge::testing_support::smtp_test_server;
using jobforge::testing_support::temp_dir;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

smtp_settings settings_for(const smtp_test_server& server) {
  smtp_settings s;
  s.host = "127.0.0.1";
  s.port = server.port();
  s.from = "jobforge <noreply@jobforge.test>";
  s.connect_timeout_ms = 2'000;
  return s;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Decodes a base64 body as received: lines joined, padding bytes dropped.
std::string unbase64(const std::string& body) {
  std::string flat;
  for (const char c : body)
    if (c != '\r' && c != '\n') flat += c;
  std::string out(flat.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(flat.data()),
                                static_cast<int>(flat.size()));
  REQUIRE(n >= 0);
  std::size_t padding = 0;
  while (padding < 2 && padding < flat.size() && flat[flat.size() - 1 - padding] == '=')
    ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string binary_bytes(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += static_cast<char>((i * 131 + 7) % 256);
  return out;
}

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string without_cr(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
  return s;
}

std::vector<std::string> crlf_lines(const std::string& raw) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < raw.size()) {
    const auto end = raw.find("\r\n", start);
    if (end == std::string::npos) {
      lines.push_back(raw.substr(start));
      break;
    }
    lines.push_back(raw.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

std::string header(const received_mail& m, const char* name) {
  const auto& headers = m.summary.at("message").at("headers").as_object();
  const auto* values = headers.if_contains(name);
  if (!values) return "<absent>";
  REQUIRE(values->as_array().size() == 1);
  return std::string(values->as_array()[0].as_string());
}

const json::array& parts(const received_mail& m) {
  return m.summary.at("message").at("parts").as_array();
}

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : std::string("<") + json::serialize(v) + ">";
}

// No parser complaint anywhere, CRLF line ends only, no line past 78
// characters (headers folded, bodies encoded in 76-character lines).
void require_well_formed(const received_mail& m) {
  INFO(m.raw);
  CHECK(m.summary.at("message").at("defects").as_array().empty());
  for (const auto& p : parts(m))
    CHECK(p.at("defects").as_array().empty());
  CHECK(m.summary.at("message").at("date_ok").as_bool());
  for (std::size_t i = 0; i < m.raw.size(); ++i)
    if (m.raw[i] == '\n') REQUIRE((i > 0 && m.raw[i - 1] == '\r'));
  for (const auto& line : crlf_lines(m.raw))
    CHECK(line.size() <= 78);
}

// The header block of the raw message, where no Bcc may appear.
std::string raw_headers(const received_mail& m) {
  std::string head = m.raw.substr(0, m.raw.find("\r\n\r\n") + 2);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return head;
}

}  // namespace

TEST_CASE("email.send: text and HTML arrive as multipart/alternative, Bcc only in the envelope",
          "[email]") {
  smtp_test_server server;
  const auto type = email_send_type(settings_for(server));
  const std::string long_line(150, 'x');
  const std::string text =
      "Hello Ann,\n\nPrice: 5 = five € (euros).\n.a line starting with a dot\n" + long_line +
      " end\ntrailing blanks   \n";
  const std::string html =
      "<p>Hello <b>Ann</b> — <a href=\"https://example.com/?a=1&amp;b=2\">report</a></p>\n";
  const json::value payload = {
      {"from", "Zoë Müller <zoe@example.com>"},
      {"to", json::array{"Ann Lee <ann@example.com>", "bob@example.com"}},
      {"cc", "\"Doe, Carol\" <carol@example.com>"},
      {"bcc", "secret@example.com"},
      {"subject", "Grüße aus Köln — your report is ready, with a subject long enough to fold ☕"},
      {"text", text},
      {"html", html}};
  test_context ctx;
  const auto result = run_handler_once(type, payload, ctx);
  INFO(server.log_text());
  REQUIRE(result.succeeded());
  const auto& value = result.value().as_object();
  CHECK(value.at("delivery") == "sent");
  CHECK(value.at("reply") == "250 2.0.0 Ok: queued as 1");
  CHECK(value.at("recipients") == 4);
  const std::string message_id = str(value.at("message_id"));
  CHECK(message_id.front() == '<');
  CHECK(message_id.size() > 20);
  CHECK(message_id.substr(message_id.size() - 13) == "@example.com>");
  REQUIRE(!ctx.checkpoints().empty());
  CHECK(ctx.checkpoints().back().at("delivery") == "sent");

  const auto mails = server.messages();
  REQUIRE(mails.size() == 1);
  const auto& m = mails[0];
  require_well_formed(m);
  CHECK(m.summary.at("mail_from") == "zoe@example.com");
  CHECK(m.summary.at("rcpt_tos") == json::array{"ann@example.com", "bob@example.com",
                                                "carol@example.com", "secret@example.com"});
  CHECK(header(m, "from") == "Zoë Müller <zoe@example.com>");
  CHECK(header(m, "to") == "Ann Lee <ann@example.com>, bob@example.com");
  CHECK(header(m, "cc") == "\"Doe, Carol\" <carol@example.com>");
  CHECK(header(m, "subject") == str(payload.at("subject")));
  CHECK(header(m, "message-id") == message_id);
  CHECK(header(m, "mime-version") == "1.0");
  CHECK(header(m, "bcc") == "<absent>");
  // A header's name, not any text: the Message-ID and the MIME boundary are
  // random hex and may hold "bcc" by chance.
  CHECK(raw_headers(m).find("\nbcc:") == std::string::npos);
  CHECK(raw_headers(m).rfind("bcc:", 0) == std::string::npos);
  CHECK(raw_headers(m).find("secret@") == std::string::npos);
  CHECK(raw_headers(m).find("subject: =?utf-8?b?") != std::string::npos);

  CHECK(m.summary.at("message").at("structure") ==
        json::array{"multipart/alternative", "text/plain", "text/html"});
  const auto& p = parts(m);
  CHECK(p[0].at("transfer_encoding") == "quoted-printable");
  CHECK(p[0].at("charset") == "utf-8");
  CHECK(without_cr(str(p[0].at("text"))) == text);
  CHECK(p[1].at("content_type") == "text/html");
  CHECK(without_cr(str(p[1].at("text"))) == html);
}

TEST_CASE("email.send: a template renders subject, text and HTML with the variables", "[email]") {
  smtp_test_server server;
  temp_dir templates;
  write_file(templates.path() / "welcome.subject", "Welcome to {{product}}, {{name}}!\n");
  write_file(templates.path() / "welcome.txt",
             "Hi {{name}},\n\nYour {{product}} trial lasts {{trial_days}} days.\n"
             "{{#steps}}- {{.}}\n{{/steps}}Log in: {{login_url}}\nNote: {{note}}\n");
  write_file(templates.path() / "welcome.html",
             "<h1>Hi {{name}}</h1><p>{{note}}</p><ul>{{#steps}}<li>{{.}}</li>{{/steps}}</ul>\n");
  auto settings = settings_for(server);
  settings.templates_dir = templates.path().string();
  const auto type = email_send_type(settings);

  // The welcome sample as shipped, with two more variables: a list and text
  // that HTML must escape and plain text must not.
  json::value payload = email_send_samples().at("welcome");
  auto& variables = payload.as_object()["variables"].as_object();
  variables["steps"] = json::array{"Create a queue", "Submit a job"};
  variables["note"] = "<b>bold</b> & \"quoted\"";
  test_context ctx;
  const auto result = run_handler_once(type, payload, ctx);
  INFO(server.log_text());
  REQUIRE(result.succeeded());
  CHECK(result.value().at("recipients") == 1);

  const auto mails = server.messages();
  REQUIRE(mails.size() == 1);
  const auto& m = mails[0];
  require_well_formed(m);
  CHECK(m.summary.at("mail_from") == "noreply@jobforge.test");  // the configured default
  CHECK(header(m, "from") == "jobforge <noreply@jobforge.test>");
  CHECK(header(m, "to") == "Ann Lee <ann@example.com>");
  CHECK(header(m, "subject") == "Welcome to jobforge, Ann!");
  CHECK(without_cr(str(parts(m)[0].at("text"))) ==
        "Hi Ann,\n\nYour jobforge trial lasts 14 days.\n- Create a queue\n- Submit a job\n"
        "Log in: https://example.com/login\nNote: <b>bold</b> & \"quoted\"\n");
  CHECK(without_cr(str(parts(m)[1].at("text"))) ==
        "<h1>Hi Ann</h1><p>&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;</p>"
        "<ul><li>Create a queue</li><li>Submit a job</li></ul>\n");
}

TEST_CASE("email.send: unknown, escaping and broken templates are permanent errors", "[email]") {
  temp_dir root;
  const fs::path templates = root.path() / "templates";
  write_file(templates / "plain.txt", "Hi {{name}}\n");
  write_file(templates / "broken.txt", "Hi {{#name}} unclosed\n");
  write_file(templates / "smuggler.txt", "Hi\n");
  write_file(templates / "smuggler.subject", "Hi {{name}}\nBcc: evil@example.com\n");
  write_file(root.path() / "secret.txt", "outside the templates folder\n");
  smtp_settings settings;
  settings.port = 1;  // nothing is sent: every case fails before connecting
  settings.from = "noreply@jobforge.test";
  settings.templates_dir = templates.string();
  const auto type = email_send_type(settings);
  auto payload = [](const char* name) {
    return json::value{{"to", "ann@example.com"}, {"template", name}};
  };
  test_context ctx;

  auto r = run_handler_once(type, payload("nope"), ctx);
  CHECK(r.error().code == "unknown_template");
  CHECK(r.error().kind == error_kind::permanent);
  CHECK_THAT(r.error().message, Catch::Contains("\"nope\""));

  // The schema refuses a path at submission; the handler refuses it again
  // should a payload ever reach it unchecked.
  r = run_handler_once(type, payload("../secret"), ctx);
  CHECK(r.error().code == "invalid_payload");
  r = invoke_handler(type.handler, ctx, payload("../secret"));
  CHECK(r.error().code == "unknown_template");
  CHECK_THAT(r.error().message, Catch::Contains("not a plain template name"));

  r = run_handler_once(type, payload("plain"), ctx);
  CHECK(r.error().code == "missing_subject");
  r = run_handler_once(
      type, json::value{{"to", "ann@example.com"}, {"template", "broken"}, {"subject", "s"}}, ctx);
  CHECK(r.error().code == "template_error");
  CHECK_THAT(r.error().message, Catch::Contains("broken.txt"));
  r = run_handler_once(type, payload("smuggler"), ctx);
  CHECK(r.error().code == "header_injection");
  CHECK_THAT(r.error().message, Catch::Contains("subject"));

  auto no_folder = settings;
  no_folder.templates_dir.clear();
  r = run_handler_once(email_send_type(no_folder), payload("plain"), ctx);
  CHECK(r.error().code == "unknown_template");
  CHECK_THAT(r.error().message, Catch::Contains("smtp.templates_dir"));
  CHECK(ctx.checkpoints().empty());  // nothing was attempted, so no delivery status
}

TEST_CASE("email.send: attachments arrive whole, inline and from the attachments folder",
          "[email]") {
  smtp_test_server server;
  temp_dir attachments;
  const std::string csv = "quarter,revenue\nQ3,1200\n";
  write_file(attachments.path() / "reports" / "q3.csv", csv);
  auto settings = settings_for(server);
  settings.attachments_dir = attachments.path().string() + "/";  // a trailing slash is fine
  const auto type = email_send_type(settings);
  const std::string photo = binary_bytes(3000);
  const json::value payload = {{"to", "ann@example.com"},
                               {"subject", "Your files"},
                               {"text", "Two files attached.\n"},
                               {"html", "<p>Two files attached.</p>\n"},
                               {"attachments", json::array{
                                                   json::object{{"name", "photo.png"},
                                                                {"content_type", "image/png"},
                                                                {"content_base64", base64(photo)}},
                                                   json::object{{"name", "Q3 Übersicht.csv"},
                                                                {"content_type", "text/csv"},
                                                                {"path", "reports/q3.csv"}},
                                               }}};
  test_context ctx;
  const auto result = run_handler_once(type, payload, ctx);
  INFO(server.log_text());
  REQUIRE(result.succeeded());

  const auto mails = server.messages();
  REQUIRE(mails.size() == 1);
  const auto& m = mails[0];
  require_well_formed(m);
  CHECK(m.summary.at("message").at("structure") ==
        json::array{"multipart/mixed", "multipart/alternative", "text/plain", "text/html",
                    "image/png", "text/csv"});
  const auto& p = parts(m);
  CHECK(without_cr(str(p[0].at("text"))) == "Two files attached.\n");

  CHECK(p[2].at("filename") == "photo.png");
  CHECK(p[2].at("disposition") == "attachment");
  CHECK(p[2].at("transfer_encoding") == "base64");
  const std::string body = str(p[2].at("raw_body"));
  CHECK(unbase64(body) == photo);
  CHECK(str(p[2].at("sha256")) == sha256_hex(photo));
  const auto lines = crlf_lines(body);
  REQUIRE(lines.size() > 2);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    if (!lines[i].empty()) CHECK(lines[i].size() == 76);

  CHECK(p[3].at("filename") == "Q3 Übersicht.csv");
  CHECK(unbase64(str(p[3].at("raw_body"))) == csv);
  CHECK(str(p[3].at("sha256")) == sha256_hex(csv));
}

TEST_CASE("email.send: attachments over the limit are refused before any connection", "[email]") {
  smtp_test_server server;
  temp_dir attachments;
  write_file(attachments.path() / "big.bin", binary_bytes(2'000));
  auto settings = settings_for(server);
  settings.attachments_dir = attachments.path().string();
  settings.max_attachment_bytes = 1'000;
  const auto type = email_send_type(settings);
  auto with = [](json::array list) {
    return json::value{
        {"to", "ann@example.com"}, {"subject", "s"}, {"text", "t"}, {"attachments", list}};
  };
  test_context ctx;

  const json::object six_hundred{{"name", "a.bin"}, {"content_base64", base64(binary_bytes(600))}};
  auto r = run_handler_once(type, with({six_hundred, six_hundred}), ctx);
  CHECK(r.error().code == "attachment_too_large");
  CHECK(r.error().kind == error_kind::permanent);
  CHECK_THAT(r.error().message, Catch::Contains("1200 bytes") && Catch::Contains("1000 bytes"));

  r = run_handler_once(type, with({json::object{{"name", "big.bin"}, {"path", "big.bin"}}}), ctx);
  CHECK(r.error().code == "attachment_too_large");

  CHECK(server.connections_so_far() == 0);
  CHECK(server.messages().empty());
}

TEST_CASE("email.send: attachment paths may not leave the attachments folder", "[email]") {
  smtp_test_server server;
  temp_dir root;
  const fs::path folder = root.path() / "attachments";
  write_file(folder / "ok.txt", "fine\n");
  write_file(root.path() / "outside.txt", "private\n");
  fs::create_symlink(root.path() / "outside.txt", folder / "link.txt");
  fs::create_directory(folder / "sub");
  auto settings = settings_for(server);
  settings.attachments_dir = folder.string();
  const auto type = email_send_type(settings);
  auto attach = [](const std::string& path) {
    return json::value{{"to", "ann@example.com"},
                       {"subject", "s"},
                       {"text", "t"},
                       {"attachments", json::array{json::object{{"name", "f"}, {"path", path}}}}};
  };
  test_context ctx;

  const std::vector<std::string> escapes{"../outside.txt", "link.txt",
                                         (root.path() / "outside.txt").string(),
                                         "sub/../../outside.txt"};
  for (const auto& path : escapes) {
    INFO(path);
    const auto r = run_handler_once(type, attach(path), ctx);
    CHECK(r.error().code == "attachment_refused");
    CHECK(r.error().kind == error_kind::permanent);
    CHECK_THAT(r.error().message,
               Catch::Contains("attachments[0].path") && Catch::Contains("outside"));
  }
  auto r = run_handler_once(type, attach("sub"), ctx);
  CHECK(r.error().code == "attachment_refused");
  r = run_handler_once(type, attach("missing.txt"), ctx);
  CHECK(r.error().code == "attachment_not_found");

  auto no_folder = settings;
  no_folder.attachments_dir.clear();
  r = run_handler_once(email_send_type(no_folder), attach("ok.txt"), ctx);
  CHECK(r.error().code == "attachment_refused");
  CHECK_THAT(r.error().message, Catch::Contains("disabled"));

  CHECK(server.connections_so_far() == 0);
  CHECK(run_handler_once(type, attach("ok.txt"), ctx).succeeded());
}

TEST_CASE("email.send: line breaks in header fields and bad addresses are refused", "[email]") {
  smtp_test_server server;
  auto settings = settings_for(server);
  const auto type = email_send_type(settings);
  const json::value good = {{"to", "ann@example.com"}, {"subject", "Hi"}, {"text", "t"}};
  auto with = [&good](const char* key, json::value v) {
    json::value p = good;
    p.as_object()[key] = std::move(v);
    return p;
  };
  test_context ctx;

  // Refused by the schema at submission...
  auto r = run_handler_once(type, with("subject", "Hi\r\nBcc: evil@example.com"), ctx);
  CHECK(r.error().code == "invalid_payload");
  // ...and by the handler itself, naming the field.
  r = invoke_handler(type.handler, ctx, with("subject", "Hi\r\nBcc: evil@example.com"));
  CHECK(r.error().code == "header_injection");
  CHECK_THAT(r.error().message, Catch::Contains("subject"));
  r = invoke_handler(type.handler, ctx, with("to", "ann@example.com\nBcc: evil@example.com"));
  CHECK(r.error().code == "header_injection");
  CHECK_THAT(r.error().message, Catch::Contains("to"));
  r = invoke_handler(type.handler, ctx,
                     with("attachments", json::array{json::object{{"name", "a\r\nX: y"},
                                                                  {"content_base64", ""}}}));
  CHECK(r.error().code == "header_injection");
  CHECK_THAT(r.error().message, Catch::Contains("attachments[0].name"));

  auto bad_default = settings;
  bad_default.from = "noreply@jobforge.test\r\nBcc: evil@example.com";
  r = run_handler_once(email_send_type(bad_default), good, ctx);
  CHECK(r.error().code == "header_injection");
  CHECK_THAT(r.error().message, Catch::Contains("smtp.from"));

  r = run_handler_once(type, with("cc", json::array{"not an address"}), ctx);
  CHECK(r.error().code == "invalid_address");
  CHECK_THAT(r.error().message, Catch::Contains("cc[0]"));

  auto no_sender = settings;
  no_sender.from.clear();
  r = run_handler_once(email_send_type(no_sender), good, ctx);
  CHECK(r.error().code == "missing_sender");
  CHECK(r.error().kind == error_kind::permanent);

  CHECK(server.connections_so_far() == 0);
  CHECK(server.messages().empty());
}

TEST_CASE("email.send: a 4xx reply defers (transient, retried), a 5xx bounces (permanent)",
          "[email]") {
  const json::value payload = {{"to", "ann@example.com"}, {"subject", "Hi"}, {"text", "t"}};
  auto rng = make_seeded_random(7);

  SECTION("451 to RCPT") {
    smtp_test_server server({"--rcpt-reply", "451 4.2.1 Mailbox busy, try later"});
    const auto type = email_send_type(settings_for(server));
    test_context ctx;
    const auto r = run_handler_once(type, payload, ctx);
    CHECK(r.error().code == "deferred");
    CHECK(r.error().kind == error_kind::transient);
    CHECK_THAT(r.error().message, Catch::Contains("451 4.2.1 Mailbox busy, try later"));
    REQUIRE(ctx.checkpoints().size() == 1);
    CHECK(ctx.checkpoints()[0] ==
          json::value{{"delivery", "deferred"}, {"reply", "451 4.2.1 Mailbox busy, try later"}});
    // The runtime's retry policy, with this type's defaults, tries again later.
    const auto next =
        decide_retry(type.defaults.retry, 1, type.defaults.max_attempts, r.error(), *rng);
    CHECK(next.retry);
    CHECK(next.delay >= milliseconds{24'000});
    CHECK(server.messages().empty());
  }
  SECTION("550 to DATA") {
    smtp_test_server server({"--data-reply", "550 5.7.1 Message rejected as spam"});
    const auto type = email_send_type(settings_for(server));
    test_context ctx;
    const auto r = run_handler_once(type, payload, ctx);
    CHECK(r.error().code == "bounced");
    CHECK(r.error().kind == error_kind::permanent);
    CHECK_THAT(r.error().message, Catch::Contains("550 5.7.1 Message rejected as spam"));
    REQUIRE(ctx.checkpoints().size() == 1);
    CHECK(ctx.checkpoints()[0] ==
          json::value{{"delivery", "bounced"}, {"reply", "550 5.7.1 Message rejected as spam"}});
    CHECK_FALSE(
        decide_retry(type.defaults.retry, 1, type.defaults.max_attempts, r.error(), *rng).retry);
    CHECK(server.messages().empty());
  }
  SECTION("550 to RCPT") {
    smtp_test_server server({"--rcpt-reply", "550 5.1.1 No such user here"});
    test_context ctx;
    const auto r = run_handler_once(email_send_type(settings_for(server)), payload, ctx);
    CHECK(r.error().code == "bounced");
    CHECK_THAT(r.error().message, Catch::Contains("550 5.1.1 No such user here"));
  }
}

TEST_CASE("email.send: no connection, or no TLS where TLS is required, defers", "[email]") {
  const json::value payload = {{"to", "ann@example.com"}, {"subject", "Hi"}, {"text", "t"}};
  test_context ctx;

  SECTION("a closed port") {
    int closed_port = 0;
    {
      smtp_test_server gone;  // a port that was just free and is free again
      closed_port = gone.port();
    }
    smtp_settings settings;
    settings.port = closed_port;
    settings.from = "noreply@jobforge.test";
    const auto r = run_handler_once(email_send_type(settings), payload, ctx);
    CHECK(r.error().code == "deferred");
    CHECK(r.error().kind == error_kind::transient);
    CHECK_THAT(r.error().message, Catch::Contains("connect"));
    REQUIRE(ctx.checkpoints().size() == 1);
    CHECK(ctx.checkpoints()[0].at("delivery") == "deferred");
  }
  SECTION("STARTTLS required but not offered, and implicit TLS to a plain server") {
    smtp_test_server server;
    for (const auto security : {smtp_security::starttls, smtp_security::tls}) {
      auto settings = settings_for(server);
      settings.security = security;
      const auto r = run_handler_once(email_send_type(settings), payload, ctx);
      CHECK(r.error().code == "deferred");
      CHECK(r.error().kind == error_kind::transient);
    }
    CHECK(server.messages().empty());
  }
}

TEST_CASE("email.send: credentials are presented: refused ones bounce", "[email]") {
  smtp_test_server server({"--auth", "jobs:s3cret"});
  const json::value payload = {{"to", "ann@example.com"}, {"subject", "Hi"}, {"text", "t"}};
  auto settings = settings_for(server);
  settings.username = "jobs";
  settings.password = "s3cret";
  test_context ctx;
  CHECK(run_handler_once(email_send_type(settings), payload, ctx).succeeded());

  settings.password = "wrong";
  const auto r = run_handler_once(email_send_type(settings), payload, ctx);
  CHECK(r.error().code == "bounced");
  CHECK_THAT(r.error().message, Catch::Contains("535"));
  CHECK(server.messages().size() == 1);
}

TEST_CASE("email.send: a stop before or during the transfer aborts it", "[email]") {
  const json::value payload = {{"to", "ann@example.com"}, {"subject", "Hi"}, {"text", "t"}};

  SECTION("before") {
    smtp_test_server server;
    test_context ctx;
    ctx.request_stop(stop_reason::canceled);
    const auto r = run_handler_once(email_send_type(settings_for(server)), payload, ctx);
    CHECK(r.error().code == "interrupted");
    CHECK_THAT(r.error().message, Catch::Contains("canceled"));
    CHECK(server.connections_so_far() == 0);
  }
  SECTION("while the server holds the message") {
    smtp_test_server server({"--data-delay", "30"});
    const auto type = email_send_type(settings_for(server));
    test_context ctx;
    auto sending =
        std::async(std::launch::async, [&] { return run_handler_once(type, payload, ctx); });
    REQUIRE(server.wait_for_event("data", std::chrono::seconds{10}));
    const auto stopped_at = std::chrono::steady_clock::now();
    ctx.request_stop(stop_reason::timeout);
    REQUIRE(sending.wait_for(std::chrono::seconds{5}) == std::future_status::ready);
    // libcurl waits for the final reply (and QUIT's) in loops that look at
    // the stop once a second: two such waits at most.
    CHECK(std::chrono::steady_clock::now() - stopped_at < std::chrono::milliseconds{2'800});
    const auto r = sending.get();
    CHECK(r.error().code == "interrupted");
    CHECK_THAT(r.error().message, Catch::Contains("timeout"));
    CHECK(server.messages().empty());
  }
}

TEST_CASE("email.send: the type registers, and both samples validate", "[email]") {
  smtp_test_server server;
  const auto type = email_send_type(settings_for(server));
  job_type_registry registry;
  const auto added = registry.add(type);
  INFO((added ? std::string{} : added.error_value().message));
  REQUIRE(added);
  CHECK(type.defaults.max_attempts == 5);
  CHECK(type.defaults.timeout_ms == 60'000);
  CHECK(type.defaults.timeout_ms <= type.max_timeout_ms);

  const auto validator = payload_validator::compile(type.schema);
  REQUIRE(validator);
  for (const auto& [name, sample] : email_send_samples()) {
    INFO(std::string(name));
    CHECK(validator->validate(sample));
  }
  CHECK_FALSE(validator->validate(json::value{{"to", "a@b.c"}, {"subject", "s"}}));  // no body
  CHECK_FALSE(
      validator->validate(json::value{{"to", "a@b.c"}, {"template", "welcome"}, {"text", "both"}}));
  CHECK_FALSE(validator->validate(json::value{
      {"to", "a@b.c"}, {"subject", "s"}, {"text", "t"}, {"variables", json::object{}}}));
  CHECK_FALSE(
      validator->validate(json::value{{"to", "a@b.c"}, {"subject", "s"}, {"text", "t"}, {"x", 1}}));

  // The type's own sample goes through as it is, with the configured sender.
  test_context ctx;
  const auto r = run_handler_once(type, type.sample_payload, ctx);
  INFO(server.log_text());
  REQUIRE(r.succeeded());
  CHECK(r.value().at("recipients") == 2);
  REQUIRE(server.messages().size() == 1);
  require_well_formed(server.messages()[0]);
}
