#pragma once
/// gzip compression and decompression through zlib, fed chunk by chunk.

#include "model/job_error.hpp"

#include <zlib.h>

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace jobforge::handlers {

/// Takes one piece of output; returns a failure to stop with, or nullopt.
using output_sink = std::function<std::optional<job_error>(std::string_view bytes)>;

/// One zlib stream: gzip (a gzip header, windowBits 15+16) or gunzip (gzip
/// or zlib detected, windowBits 15+32; concatenated gzip members, as `cat
/// a.gz b.gz` makes, decompress to the concatenated contents).
class gzip_stream {
 public:
  enum class mode { compress, decompress };

  /// `level` 1..9 applies to compression only.
  gzip_stream(mode m, int level);
  ~gzip_stream();
  gzip_stream(const gzip_stream&) = delete;
  gzip_stream& operator=(const gzip_stream&) = delete;

  /// Set when zlib could not start (out of memory, bad level).
  const std::optional<job_error>& start_failure() const { return start_failure_; }
  /// Transforms `input`, handing each piece of output to `sink`. Malformed
  /// compressed input fails with `corrupt_input` (permanent).
  std::optional<job_error> feed(std::string_view input, const output_sink& sink);
  /// Ends the input and flushes the rest to `sink`. Compressed input that
  /// stops before its stream's end fails with `corrupt_input`.
  std::optional<job_error> finish(const output_sink& sink);

 private:
  std::optional<job_error> compress(std::string_view input, int flush, const output_sink& sink);
  std::optional<job_error> decompress(std::string_view input, const output_sink& sink);
  std::optional<job_error> zlib_failure(int rc) const;

  mode mode_;
  z_stream zs_{};
  bool started_ = false;
  bool member_ended_ = false;  ///< decompression: the last stream reached its end
  std::optional<job_error> start_failure_;
  std::vector<unsigned char> out_;
};

}  // namespace jobforge::handlers
