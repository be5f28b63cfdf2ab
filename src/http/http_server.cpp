#include "http/http_server.hpp"

#include "http/error_response.hpp"
#include "http/event_stream.hpp"
#include "http/growing_thread_pool.hpp"
#include "http/routes.hpp"
#include "http/server_socket.hpp"
#include "http/stats_feed.hpp"
#include "http/web_files.hpp"
#include "model/job_codec.hpp"
#include "runtime/runtime.hpp"
#include "telemetry/telemetry.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

namespace jobforge {

/// The most a request's headers may take in all (httplib limits each line
/// to 8 KiB, not their number): room for any real client's.
constexpr std::size_t max_header_bytes = 64 * 1024;

struct http_server::impl {
  runtime& rt;
  http_server_options options;
  http::key_ring keys;
  std::unique_ptr<httplib::Server> httplib_server;  ///< an httplib::SSLServer for HTTPS
  http::event_broadcaster events;
  subscription feed;  ///< the runtime's events, into `events`
  telemetry figures{rt};
  http::stats_feed stats{figures, events};  ///< the `event: stats` of the streams
  std::thread listener;
  std::atomic<bool> stopping{false};
  std::shared_ptr<const http::web_files> web;  ///< the dashboard's files
  bool started = false;
  int listen_fd = -1;  ///< the listening socket, once bound

  impl(runtime& r, http_server_options o) : rt(r), options(std::move(o)), keys(options.api_keys) {}

  void configure() {
    const auto threads = std::max<std::size_t>(options.threads, 1);
    const auto cap = options.max_connections;
    // The packaged httplib is a compiled library, so CPPHTTPLIB_THREAD_POOL_COUNT
    // has no effect; the pool is chosen here at run time.
    auto& server = *httplib_server;
    server.new_task_queue = [threads, cap] { return new http::growing_thread_pool(threads, cap); };
    server.set_payload_max_length(options.max_body_bytes);
    // Headers and body go out as two writes: without TCP_NODELAY the body
    // waits for the client's delayed ACK, about 40 ms on every keep-alive
    // request (measured with bench/http_load).
    server.set_tcp_nodelay(true);
    // httplib closes a keep-alive connection after 5 requests by default, and
    // its listen backlog is 5: busy clients then reconnect into a full queue.
    server.set_keep_alive_max_count(10'000);
    server.set_socket_options([this](socket_t sock) {
      http::reuse_address_only(sock);
      listen_fd = sock;
    });

    // httplib calls this for every answer >= 400, ours included: fill only
    // the empty bodies it produced itself (no route, 413, malformed request).
    const auto max_body = options.max_body_bytes;
    server.set_error_handler(httplib::Server::HandlerWithResponse(
        [max_body](const httplib::Request& req, httplib::Response& res) {
          if (!res.body.empty() || res.content_provider_)
            return httplib::Server::HandlerResponse::Unhandled;
          const int status = res.status;
          res.set_content(
              // The 404's details quote the path, which may be any bytes.
              boost::json::serialize(
                  http::client_safe_envelope(http::error_for_status(status, req, max_body))),
              "application/json");
          res.status = status;
          return httplib::Server::HandlerResponse::Handled;
        }));
    server.set_exception_handler(http::send_exception);
    // Runs once the headers are read, before the body is (issue 22):
    // - httplib 0.11.4 holds max_body_bytes against Content-Length only, and
    //   read a chunked body whole, whatever its size, then served it (a
    //   128 KiB job went past a 64 KiB limit). A body without a length is
    //   refused unread: 411 (RFC 9110 §15.5.12). Our clients send lengths.
    // - it limits each header line (8 KiB) but not how many there are: a
    //   request's headers past max_header_bytes in all are 431 (RFC 6585).
    server.set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response& res) {
      std::size_t header_bytes = 0;
      for (const auto& [name, value] : req.headers)
        header_bytes += name.size() + value.size() + 4;  // ": " and CRLF
      int status = 0;
      std::string message;
      boost::json::object details;
      if (header_bytes > max_header_bytes) {
        status = 431;
        message = "the request headers exceed " + std::to_string(max_header_bytes) + " bytes";
        details = {{"max_header_bytes", max_header_bytes}};
      } else if (req.has_header("Transfer-Encoding")) {
        status = 411;
        message = "a request body needs a Content-Length (no Transfer-Encoding): at most " +
                  std::to_string(max_body) + " bytes";
        details = {{"max_body_bytes", max_body}};
      } else {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      // The body is left unread, so the connection must end with this
      // answer: httplib would read the body as the next request(s) and
      // answer those too. It closes a connection when an answer's content
      // provider fails, so this one fails once it has written it all.
      auto text =
          std::make_shared<const std::string>(boost::json::serialize(http::client_safe_envelope(
              error{error_code::invalid_argument, message, std::move(details)})));
      res.status = status;
      res.set_header("Connection", "close");
      res.set_content_provider(
          text->size(), "application/json",
          [text](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            sink.write(text->data() + offset, length);
            return false;
          });
      return httplib::Server::HandlerResponse::Handled;
    });
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      spdlog::debug("http: {} {} -> {}", req.method, req.path, res.status);
    });

    const http::route_context ctx{&rt, &keys, &stopping, &events, &figures, options.sse_keep_alive};
    // The batch route before the job routes: /api/jobs/([^/]+) would take
    // "batch" for a malformed id otherwise (POST has no such route, but keep
    // the order explicit).
    http::add_batch_routes(server, ctx);
    http::add_bulk_routes(server, ctx);
    http::add_log_routes(server, ctx);
    http::add_graph_routes(server, ctx);
    http::add_operation_routes(server, ctx);
    http::add_schedule_routes(server, ctx);
    http::add_dependency_routes(server, ctx);
    http::add_job_routes(server, ctx);
    http::add_result_routes(server, ctx);
    http::add_job_type_routes(server, ctx);
    http::add_cluster_routes(server, ctx);
    http::add_event_routes(server, ctx);
    http::add_telemetry_routes(server, ctx);
    http::add_whoami_routes(server, ctx);
    http::add_web_routes(server, web, options.chart_js);
  }

  /// Binds the listening socket; the bound port, or -1.
  int bind() {
    const int port =
        options.port == 0
            ? httplib_server->bind_to_any_port(options.host)
            : (httplib_server->bind_to_port(options.host, options.port) ? options.port : -1);
    // The packaged httplib listens with a backlog of 5, so a burst of new
    // connections (32 clients at once) overflows it and some are reset.
    // Listening again on the same socket raises the backlog (Linux).
    if (port >= 0 && listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
    return port;
  }
};

http_server::http_server(runtime& rt, http_server_options options)
    : impl_(std::make_unique<impl>(rt, std::move(options))) {}

http_server::~http_server() {
  stop();
}

expected<int> http_server::start() {
  if (impl_->started) return error{error_code::conflict, "the HTTP server is already started"};
  if (impl_->options.port < 0 || impl_->options.port > 65535)
    return error{error_code::invalid_argument,
                 "port must be within 0..65535, got " + std::to_string(impl_->options.port)};
  auto server = http::make_server(impl_->options.tls_cert, impl_->options.tls_key);
  if (!server) return std::move(server).error_value();
  if (impl_->options.web_root.empty()) {
    impl_->web = std::make_shared<const http::web_files>();
  } else {
    auto folder = http::web_files::from_folder(impl_->options.web_root);
    if (!folder) return std::move(folder).error_value();
    impl_->web = std::make_shared<const http::web_files>(std::move(*folder));
  }
  impl_->httplib_server = std::move(*server);
  impl_->configure();
  impl_->feed =
      impl_->rt.subscribe([events = &impl_->events](const job_event& e) { events->publish(e); });
  const int port = impl_->bind();
  if (port < 0)
    return error{
        error_code::unavailable,
        "cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port),
        boost::json::object{{"host", impl_->options.host}, {"port", impl_->options.port}}};
  impl_->started = true;
  impl_->stats.start();
  impl_->listener =
      std::thread([impl = impl_.get()] { impl->httplib_server->listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs, so a stop() right
  // after start() would hang the join: return only once it is running. The
  // socket already listens, so early clients simply queue meanwhile.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!impl_->httplib_server->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      spdlog::error("http: the accept loop did not start within 10 s");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  return port;
}

void http_server::stop() {
  if (!impl_->started) return;
  impl_->started = false;
  impl_->stopping = true;
  impl_->stats.stop();
  impl_->events.close_all();  // event streams end, freeing their threads
  impl_->httplib_server
      ->stop();  // closes the socket; listen_after_bind drains the pool and returns
  if (impl_->listener.joinable()) impl_->listener.join();
  impl_->feed.cancel();
}

}  // namespace jobforge
