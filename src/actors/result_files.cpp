#include "actors/result_files.hpp"

#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace jobforge {
namespace {

namespace fs = std::filesystem;

error io_error(const std::string& what, const fs::path& path, const std::string& why) {
  return error{error_code::unavailable, what + " " + path.string() + ": " + why,
               boost::json::object{{"path", path.string()}}};
}

std::string hex(const unsigned char* bytes, unsigned length) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

expected<void> fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return io_error("cannot open", path, std::strerror(errno));
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) return io_error("cannot flush", path, std::strerror(saved));
  return {};
}

// The temporary file becomes the job's result: flushed, renamed, and the
// folder flushed so the new name survives a power loss too.
expected<result_blob> publish(const result_file_settings& settings, const job_id& id,
                              const fs::path& temporary, const std::string& extension,
                              const std::string& content_type) {
  if (auto ok = fsync_path(temporary, O_RDONLY); !ok) return std::move(ok).error_value();
  auto digest = sha256_of_file(temporary);
  if (!digest) return std::move(digest).error_value();
  std::error_code ec;
  const auto size = fs::file_size(temporary, ec);
  if (ec) return io_error("cannot read the size of", temporary, ec.message());
  const std::string name = to_string(id) + extension;
  fs::rename(temporary, settings.dir / name, ec);
  if (ec) return io_error("cannot rename", temporary, ec.message());
  if (auto ok = fsync_path(settings.dir, O_RDONLY | O_DIRECTORY); !ok)
    return std::move(ok).error_value();
  return result_blob{name, static_cast<std::int64_t>(size), std::move(*digest), content_type};
}

expected<void> ensure_dir(const fs::path& dir) {
  if (dir.empty())
    return error{error_code::unavailable,
                 "this runtime keeps no result files (no results folder is configured)"};
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("cannot create", dir, ec.message());
  return {};
}

fs::path temporary_for(const result_file_settings& settings, const job_id& id) {
  return settings.dir / ("." + to_string(id) + ".partial");
}

}  // namespace

expected<std::string> sha256_of_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read", path, "open failed");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::array<char, 64 * 1024> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return io_error("cannot read", path, "read failed");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
  return hex(digest.data(), length);
}

expected<result_blob> keep_result_file(const result_file_settings& settings, const job_id& id,
                                       const result_file_spec& spec) {
  if (auto ok = ensure_dir(settings.dir); !ok) return std::move(ok).error_value();
  const fs::path source(spec.path);
  std::error_code ec;
  if (!fs::is_regular_file(source, ec))
    return error{error_code::invalid_argument,
                 "the handler's result file " + spec.path + " is not a regular file",
                 boost::json::object{{"path", spec.path}}};
  const auto temporary = temporary_for(settings, id);
  fs::rename(source, temporary, ec);
  if (ec) {  // another file system: copy, then drop the original
    ec.clear();
    fs::copy_file(source, temporary, fs::copy_options::overwrite_existing, ec);
    if (ec) return io_error("cannot copy", source, ec.message());
    fs::remove(source, ec);
  }
  return publish(settings, id, temporary, ".bin", spec.content_type);
}

expected<result_blob> keep_json_result(const result_file_settings& settings, const job_id& id,
                                       const std::string& text) {
  if (auto ok = ensure_dir(settings.dir); !ok) return std::move(ok).error_value();
  const auto temporary = temporary_for(settings, id);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) return io_error("cannot write", temporary, "write failed");
  }
  return publish(settings, id, temporary, ".json", "application/json");
}

expected<fs::path> partial_result_path(const result_file_settings& settings, const job_id& id) {
  if (auto ok = ensure_dir(settings.dir); !ok) return std::move(ok).error_value();
  return temporary_for(settings, id);
}

expected<result_blob> keep_partial_result(const result_file_settings& settings, const job_id& id,
                                          bool json, const std::string& content_type) {
  return publish(settings, id, temporary_for(settings, id), json ? ".json" : ".bin",
                 json ? std::string("application/json") : content_type);
}

void remove_result_files(const fs::path& dir, const std::vector<job_id>& ids) {
  if (dir.empty()) return;
  for (const auto& id : ids) {
    std::error_code ignored;
    for (const char* extension : {".bin", ".json"})
      fs::remove(dir / (to_string(id) + extension), ignored);
  }
}

}  // namespace jobforge
