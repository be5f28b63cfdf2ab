#pragma once
/// `boxed<T>`: an optional value kept on the heap, with value semantics and
/// the interface of `std::optional<T>` (so code reads the same).
///
/// Why: a job carries several optional parts that most jobs never have
/// while they wait (an error, progress, a result file, a cancellation
/// reason, a webhook URL, a dedup key). As `std::optional` they sit inline
/// and made every queued job about 900 bytes; boxed, an absent part costs
/// one pointer.

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace jobforge {

template <class T>
class boxed {
 public:
  using value_type = T;

  boxed() noexcept = default;
  boxed(std::nullopt_t) noexcept {}  // NOLINT(google-explicit-constructor): like optional
  boxed(const T& value) : ptr_(std::make_unique<T>(value)) {}        // NOLINT
  boxed(T&& value) : ptr_(std::make_unique<T>(std::move(value))) {}  // NOLINT
  boxed(const std::optional<T>& value) {                             // NOLINT
    if (value) ptr_ = std::make_unique<T>(*value);
  }
  boxed(std::optional<T>&& value) {  // NOLINT
    if (value) ptr_ = std::make_unique<T>(std::move(*value));
  }
  boxed(const boxed& other) : ptr_(other.ptr_ ? std::make_unique<T>(*other.ptr_) : nullptr) {}
  boxed(boxed&& other) noexcept = default;

  boxed& operator=(const boxed& other) {
    if (this != &other) ptr_ = other.ptr_ ? std::make_unique<T>(*other.ptr_) : nullptr;
    return *this;
  }
  boxed& operator=(boxed&& other) noexcept = default;
  boxed& operator=(std::nullopt_t) noexcept {
    ptr_.reset();
    return *this;
  }
  template <class U = T,
            class = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                     !std::is_same_v<std::decay_t<U>, boxed> &&
                                     !std::is_same_v<std::decay_t<U>, std::nullopt_t> &&
                                     !std::is_same_v<std::decay_t<U>, std::optional<T>>>>
  boxed& operator=(U&& value) {
    emplace(std::forward<U>(value));
    return *this;
  }
  boxed& operator=(const std::optional<T>& value) { return *this = boxed(value); }
  boxed& operator=(std::optional<T>&& value) { return *this = boxed(std::move(value)); }

  template <class... Args>
  T& emplace(Args&&... args) {
    ptr_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *ptr_;
  }
  void reset() noexcept { ptr_.reset(); }

  bool has_value() const noexcept { return ptr_ != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }

  T& operator*() & { return *ptr_; }
  const T& operator*() const& { return *ptr_; }
  T* operator->() { return ptr_.get(); }
  const T* operator->() const { return ptr_.get(); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<boxed*>(this)->checked(); }
  template <class U>
  T value_or(U&& fallback) const {
    return ptr_ ? *ptr_ : static_cast<T>(std::forward<U>(fallback));
  }

  /// A copy as a plain optional (for APIs that take one).
  std::optional<T> to_optional() const { return ptr_ ? std::optional<T>(*ptr_) : std::nullopt; }
  operator std::optional<T>() const { return to_optional(); }  // NOLINT

  friend bool operator==(const boxed& a, const boxed& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a.has_value() || *a == *b;
  }
  friend bool operator!=(const boxed& a, const boxed& b) { return !(a == b); }
  friend bool operator==(const boxed& a, std::nullopt_t) { return !a.has_value(); }
  friend bool operator!=(const boxed& a, std::nullopt_t) { return a.has_value(); }
  friend bool operator==(const boxed& a, const T& b) { return a.has_value() && *a == b; }
  friend bool operator!=(const boxed& a, const T& b) { return !(a == b); }

 private:
  T& checked() {
    if (!ptr_) throw std::bad_optional_access();
    return *ptr_;
  }
  std::unique_ptr<T> ptr_;
};

}  // namespace jobforge
