#pragma once
/// `compact_string`: a string that costs one pointer while it is empty, for
/// text that most values never carry. Every job's history holds at least one
/// entry, and an entry's node name is empty unless a remote worker ran it; as
/// a std::string it made each entry 32 bytes larger (a queued job's memory
/// is budgeted at 1 KiB).

#include <memory>
#include <string>
#include <string_view>

namespace jobforge {

class compact_string {
 public:
  compact_string() noexcept = default;
  compact_string(std::string_view text) { assign(text); }    // NOLINT: like std::string
  compact_string(const std::string& text) { assign(text); }  // NOLINT
  compact_string(const char* text) { assign(text); }         // NOLINT
  compact_string(const compact_string& other) { assign(other.view()); }
  compact_string(compact_string&& other) noexcept = default;
  compact_string& operator=(const compact_string& other) {
    if (this != &other) assign(other.view());
    return *this;
  }
  compact_string& operator=(compact_string&& other) noexcept = default;
  compact_string& operator=(std::string_view text) {
    assign(text);
    return *this;
  }
  compact_string& operator=(const std::string& text) { return *this = std::string_view(text); }
  compact_string& operator=(const char* text) { return *this = std::string_view(text); }

  bool empty() const noexcept { return !text_; }
  std::size_t size() const noexcept { return text_ ? text_->size() : 0; }
  std::string_view view() const noexcept { return text_ ? std::string_view(*text_) : ""; }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: reads as a string
  std::string str() const { return std::string(view()); }

  friend bool operator==(const compact_string& a, std::string_view b) { return a.view() == b; }
  friend bool operator!=(const compact_string& a, std::string_view b) { return a.view() != b; }
  template <class Stream>
  friend Stream& operator<<(Stream& out, const compact_string& s) {
    return out << s.view();
  }

 private:
  void assign(std::string_view text) {
    text_ = text.empty() ? nullptr : std::make_unique<const std::string>(text);
  }

  std::unique_ptr<const std::string> text_;
};

}  // namespace jobforge
