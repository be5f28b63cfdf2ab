#include "actors/outcome_results.hpp"

#include "model/json_text.hpp"

#include <openssl/evp.h>
#include <caf/send.hpp>

#include <array>
#include <filesystem>
#include <memory>

namespace jobforge {
namespace {

handler_result not_stored(const std::string& why) {
  return handler_result::transient("result_not_stored", "the result could not be stored: " + why);
}

class sha256 {
 public:
  sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void add(const char* data, std::size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned length = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
      out += digits[digest[i] >> 4];
      out += digits[digest[i] & 0xf];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// Sends `read(buffer)`'s pieces as chunks of the attempt's result; false if
// reading failed.
template <class Read>
bool send_chunks(const attempt_order& order, streamed_result& summary, Read read) {
  sha256 digest;
  std::uint64_t offset = 0;
  for (;;) {
    std::vector<char> bytes(result_chunk_bytes);
    const auto got = read(bytes);
    if (got < 0) return false;
    if (got == 0) break;
    bytes.resize(static_cast<std::size_t>(got));
    digest.add(bytes.data(), bytes.size());
    caf::anon_send(order.supervisor, result_chunk_atom::value,
                   result_chunk{order.id, order.attempt, order.lease, offset, std::move(bytes)});
    offset += static_cast<std::uint64_t>(got);
  }
  summary.size = offset;
  summary.sha256 = digest.hex();
  return true;
}

}  // namespace

void keep_large_result(const job_id& id, const result_file_settings& settings,
                       attempt_outcome& out) {
  if (!out.result.succeeded()) return;
  const auto fail = [&](const error& e) { out.result = not_stored(e.message); };
  if (const auto& spec = out.result.file()) {
    auto kept = keep_result_file(settings, id, *spec);
    if (!kept) return fail(kept.error_value());
    out.result_file = std::move(kept).value();
    return;
  }
  const auto& v = out.result.value();
  if (settings.dir.empty() || !(v.is_object() || v.is_array() || v.is_string())) return;
  auto text = json_text(v);  // invoke_handler refused a result JSON cannot carry
  if (!text) return fail(text.error_value());
  if (text->size() <= settings.max_inline_bytes) return;
  auto kept = keep_json_result(settings, id, *text);
  if (!kept) return fail(kept.error_value());
  out.result_file = std::move(kept).value();
  out.result = handler_result::ok(boost::json::object{{"stored_as_file", true}});
}

void stream_large_result(const attempt_order& order, attempt_outcome& out) {
  if (!out.result.succeeded()) return;
  if (const auto& spec = out.result.file()) {
    std::ifstream in(spec->path, std::ios::binary);
    if (!in) {
      out.result = not_stored("cannot read the handler's result file " + spec->path);
      return;
    }
    streamed_result summary{0, {}, spec->content_type, false};
    const bool read = send_chunks(order, summary, [&](std::vector<char>& buf) -> std::int64_t {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      return in.bad() ? -1 : static_cast<std::int64_t>(in.gcount());
    });
    if (!read) {
      out.result = not_stored("cannot read the handler's result file " + spec->path);
      return;
    }
    std::error_code ignored;
    std::filesystem::remove(spec->path, ignored);  // it lives on at the coordinator
    out.result = handler_result::ok(out.result.value());
    out.streamed = std::move(summary);
    return;
  }
  const auto& v = out.result.value();
  if (!(v.is_object() || v.is_array() || v.is_string())) return;
  auto text = json_text(v);
  if (!text || text->size() <= result_chunk_bytes) return;  // travels in the outcome
  streamed_result summary{0, {}, "application/json", true};
  std::size_t at = 0;
  send_chunks(order, summary, [&](std::vector<char>& buf) -> std::int64_t {
    const auto n = std::min(buf.size(), text->size() - at);
    std::copy_n(text->data() + at, n, buf.data());
    at += n;
    return static_cast<std::int64_t>(n);
  });
  out.result = handler_result::ok(boost::json::object{{"stored_as_file", true}});
  out.streamed = std::move(summary);
}

void result_receiver::add(const result_file_settings& settings, const result_chunk& chunk) {
  if (!problem_.empty()) return;
  if (chunk.offset != received_) {
    problem_ = "a piece of the result arrived out of order";
    return;
  }
  if (!open_) {
    auto path = partial_result_path(settings, chunk.id);
    if (!path) {
      problem_ = path.error_value().message;
      return;
    }
    file_.open(*path, std::ios::binary | std::ios::trunc);
    if (!file_) {
      problem_ = "cannot write " + path->string();
      return;
    }
    open_ = true;
  }
  file_.write(chunk.bytes.data(), static_cast<std::streamsize>(chunk.bytes.size()));
  if (!file_) problem_ = "cannot write the result";
  received_ += chunk.bytes.size();
}

expected<result_blob> result_receiver::finish(const result_file_settings& settings,
                                              const job_id& id,
                                              const streamed_result& expected_result) {
  if (open_) file_.close();
  open_ = false;
  const auto refuse = [&](std::string why) -> expected<result_blob> {
    discard(settings, id);
    return error{error_code::unavailable, std::move(why)};
  };
  if (!problem_.empty()) return refuse(problem_);
  if (received_ != expected_result.size)
    return refuse("the result arrived incomplete (" + std::to_string(received_) + " of " +
                  std::to_string(expected_result.size) + " bytes)");
  if (received_ == 0) {
    // An empty file: nothing was sent, but the result is still a file.
    auto path = partial_result_path(settings, id);
    if (!path) return refuse(path.error_value().message);
    std::ofstream touch(*path, std::ios::binary | std::ios::trunc);
  }
  auto kept = keep_partial_result(settings, id, expected_result.json, expected_result.content_type);
  if (!kept) return refuse(kept.error_value().message);
  if (kept->sha256 != expected_result.sha256) {
    remove_result_files(settings.dir, {id});
    return refuse("the result arrived damaged (its SHA-256 differs from the node's)");
  }
  received_ = 0;
  return kept;
}

void result_receiver::discard(const result_file_settings& settings, const job_id& id) {
  if (open_) file_.close();
  open_ = false;
  received_ = 0;
  problem_.clear();
  if (auto path = partial_result_path(settings, id)) {
    std::error_code ignored;
    std::filesystem::remove(*path, ignored);
  }
}

}  // namespace jobforge
