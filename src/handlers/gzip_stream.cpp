#include "handlers/gzip_stream.hpp"

#include <algorithm>
#include <string>

namespace jobforge::handlers {
namespace {

constexpr std::size_t output_buffer_bytes = 256 * 1024;
// zlib counts in 32-bit `uInt`; larger chunks are fed in slices.
constexpr std::size_t max_slice_bytes = std::size_t{1} << 30;

job_error corrupt(const std::string& why) {
  return job_error{"corrupt_input", "the input is not valid gzip data: " + why,
                   error_kind::permanent};
}

}  // namespace

gzip_stream::gzip_stream(mode m, int level) : mode_(m), out_(output_buffer_bytes) {
  const int rc = m == mode::compress
                     ? deflateInit2(&zs_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
                     : inflateInit2(&zs_, 15 + 32);
  started_ = rc == Z_OK;
  if (!started_)
    start_failure_ =
        rc == Z_MEM_ERROR
            ? job_error{"out_of_memory", "zlib could not allocate its state", error_kind::transient}
            : job_error{"invalid_payload",
                        "zlib refused the settings (level " + std::to_string(level) + ")",
                        error_kind::permanent};
}

gzip_stream::~gzip_stream() {
  if (!started_) return;
  if (mode_ == mode::compress)
    deflateEnd(&zs_);
  else
    inflateEnd(&zs_);
}

std::optional<job_error> gzip_stream::zlib_failure(int rc) const {
  if (rc == Z_MEM_ERROR)
    return job_error{"out_of_memory", "zlib ran out of memory", error_kind::transient};
  if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
    return corrupt(zs_.msg ? zs_.msg : "malformed compressed data");
  return job_error{"zlib_error", "zlib failed with code " + std::to_string(rc),
                   error_kind::permanent};
}

std::optional<job_error> gzip_stream::feed(std::string_view input, const output_sink& sink) {
  if (!started_) return start_failure_;
  while (!input.empty()) {
    const auto slice = input.substr(0, max_slice_bytes);
    input.remove_prefix(slice.size());
    auto failed =
        mode_ == mode::compress ? compress(slice, Z_NO_FLUSH, sink) : decompress(slice, sink);
    if (failed) return failed;
  }
  return std::nullopt;
}

std::optional<job_error> gzip_stream::finish(const output_sink& sink) {
  if (!started_) return start_failure_;
  if (mode_ == mode::compress) return compress({}, Z_FINISH, sink);
  if (!member_ended_) return corrupt("it ends before the end of its compressed stream");
  return std::nullopt;
}

std::optional<job_error> gzip_stream::compress(std::string_view input, int flush,
                                               const output_sink& sink) {
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs_.avail_in = static_cast<uInt>(input.size());
  for (;;) {
    zs_.next_out = out_.data();
    zs_.avail_out = static_cast<uInt>(out_.size());
    const int rc = deflate(&zs_, flush);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return zlib_failure(rc);
    const std::size_t produced = out_.size() - zs_.avail_out;
    if (produced > 0)
      if (auto failed = sink({reinterpret_cast<const char*>(out_.data()), produced})) return failed;
    // A full output buffer may mean more output is waiting; otherwise the
    // input is used up (Z_NO_FLUSH) or the stream is complete (Z_FINISH).
    if (zs_.avail_out != 0 && (flush == Z_NO_FLUSH || rc == Z_STREAM_END)) return std::nullopt;
  }
}

std::optional<job_error> gzip_stream::decompress(std::string_view input, const output_sink& sink) {
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs_.avail_in = static_cast<uInt>(input.size());
  for (;;) {
    if (member_ended_) {
      if (zs_.avail_in == 0) return std::nullopt;
      // More bytes after a complete stream: the next gzip member (or
      // trailing garbage, which the next inflate refuses).
      if (inflateReset(&zs_) != Z_OK) return zlib_failure(Z_STREAM_ERROR);
      member_ended_ = false;
    }
    zs_.next_out = out_.data();
    zs_.avail_out = static_cast<uInt>(out_.size());
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return zlib_failure(rc);
    const std::size_t produced = out_.size() - zs_.avail_out;
    if (produced > 0)
      if (auto failed = sink({reinterpret_cast<const char*>(out_.data()), produced})) return failed;
    if (rc == Z_STREAM_END) {
      member_ended_ = true;
      continue;
    }
    if (zs_.avail_in == 0 && zs_.avail_out != 0) return std::nullopt;
    if (rc == Z_BUF_ERROR && produced == 0)  // no progress with input and room left
      return corrupt("zlib could make no progress");
  }
}

}  // namespace jobforge::handlers
