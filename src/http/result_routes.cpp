// A job's result: GET /api/jobs/{id}/result (the JSON result, and the
// description of its result file if it has one) and
// GET /api/jobs/{id}/result/download (the file streamed in chunks, or the
// JSON result as a download when there is no file).

#include "http/error_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "model/job_codec.hpp"
#include "model/json_text.hpp"
#include "runtime/runtime.hpp"

#include <fstream>
#include <memory>

namespace jobforge::http {
namespace {

constexpr std::size_t chunk_bytes = 64 * 1024;

error not_completed(const job& j) {
  return error{error_code::conflict,
               "job " + to_string(j.id) + " is " + std::string(to_string(j.status)) +
                   ": only a completed job has a result",
               boost::json::object{{"status", to_string(j.status)}}};
}

expected<job> completed_job(route_context ctx, const caller& who, const request& req) {
  if (auto ok = check_query(query_params(req), {}); !ok) return std::move(ok).error_value();
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return std::move(id).error_value();
  auto found = visible_job(*ctx.rt, who, *id);
  if (!found) return found;
  if (found->status != job_status::completed) return not_completed(*found);
  return found;
}

void get_result(route_context ctx, const caller& who, const request& req, response& res) {
  auto j = completed_job(ctx, who, req);
  if (!j) return send_error(res, j.error_value());
  send_json(res, 200,
            boost::json::object{
                {"job_id", to_string(j->id)},
                {"result", j->result},
                {"result_file", j->result_file ? to_json(*j->result_file) : nullptr},
            });
}

void download_result(route_context ctx, const caller& who, const request& req, response& res) {
  auto j = completed_job(ctx, who, req);
  if (!j) return send_error(res, j.error_value());
  const std::string name = to_string(j->id);
  if (!j->result_file) {
    auto text = json_text(j->result);
    if (!text) return send_error(res, error{error_code::internal, text.error_value().message});
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + ".json\"");
    res.set_content(std::move(text).value(), "application/json");
    return;
  }
  auto file = ctx.rt->result_file(*j);
  if (!file) return send_error(res, file.error_value());
  auto in = std::make_shared<std::ifstream>(file->path, std::ios::binary);
  if (!*in)
    return send_error(res, error{error_code::unavailable, "the result file cannot be read"});
  res.set_header("Content-Disposition", "attachment; filename=\"" + file->blob.file + "\"");
  // The client checks what it received against the checksum taken when the
  // file was stored.
  res.set_header("X-Content-SHA256", file->blob.sha256);
  res.set_content_provider(static_cast<std::size_t>(file->blob.size), file->blob.content_type,
                           [in](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             std::vector<char> buffer(std::min(length, chunk_bytes));
                             in->seekg(static_cast<std::streamoff>(offset));
                             in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                             const auto got = in->gcount();
                             if (got <= 0) return false;  // the file shrank: end the response
                             return sink.write(buffer.data(), static_cast<std::size_t>(got));
                           });
}

}  // namespace

void add_result_routes(httplib::Server& server, route_context ctx) {
  const std::string one_job = R"(/api/jobs/([^/]+))";
  server.Get(one_job + "/result", route("get result", role::viewer, ctx, get_result));
  server.Get(one_job + "/result/download",
             route("download result", role::viewer, ctx, download_result));
}

}  // namespace jobforge::http
