#include "http/web_files.hpp"

#include "http/web_bundle.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>

namespace jobforge::http {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// FNV-1a: the ETag only has to change when the bytes do, not resist forgery.
std::string etag_of(std::string_view body) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : body) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  static const char digits[] = "0123456789abcdef";
  std::string out = "\"";
  for (int shift = 60; shift >= 0; shift -= 4)
    out += digits[(hash >> shift) & 0xf];
  return out + "-" + std::to_string(body.size()) + "\"";
}

web_file make_file(std::string body, std::string_view content_type) {
  auto etag = etag_of(body);
  return web_file{std::move(body), content_type, std::move(etag)};
}

}  // namespace

std::optional<std::string_view> web_content_type(std::string_view path) {
  if (ends_with(path, ".html")) return "text/html; charset=utf-8";
  if (ends_with(path, ".mjs") || ends_with(path, ".js")) return "text/javascript; charset=utf-8";
  if (ends_with(path, ".css")) return "text/css; charset=utf-8";
  if (ends_with(path, ".svg")) return "image/svg+xml";
  return std::nullopt;
}

bool is_plain_web_path(std::string_view path) {
  if (path.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    const auto segment =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (segment.empty() || segment.front() == '.') return false;
    for (const char c : segment) {
      const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      if (!plain) return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::optional<web_file> read_web_file(const std::filesystem::path& path) {
  const auto type = web_content_type(path.filename().string());
  if (!type) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return make_file(std::move(body), *type);
}

web_files::web_files() {
  for (const auto& f : web_bundle())
    if (auto type = web_content_type(f.path))
      bundled_.emplace(std::string(f.path), make_file(std::string(f.bytes), *type));
}

expected<web_files> web_files::from_folder(const std::string& root) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(root, ec);
  if (ec || !std::filesystem::is_regular_file(canonical / "index.html", ec))
    return error{error_code::invalid_argument,
                 "--web-root " + root + " is not a folder holding the dashboard's index.html",
                 boost::json::object{{"web_root", root}}};
  return web_files(std::move(canonical));
}

std::optional<web_file> web_files::find(std::string_view path) const {
  if (!is_plain_web_path(path)) return std::nullopt;
  if (root_.empty()) {
    auto it = bundled_.find(path);
    if (it == bundled_.end()) return std::nullopt;
    return it->second;
  }
  // A symbolic link inside the folder must not lead out of it.
  std::error_code ec;
  const auto real = std::filesystem::canonical(root_ / std::string(path), ec);
  if (ec) return std::nullopt;
  const auto relative = real.lexically_relative(root_);
  if (relative.empty() || *relative.begin() == "..") return std::nullopt;
  return read_web_file(real);
}

}  // namespace jobforge::http
