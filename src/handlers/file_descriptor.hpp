#pragma once
/// An open POSIX file descriptor, closed when its owner goes (on every way
/// out of a function that opened it).

#include <unistd.h>

namespace jobforge::handlers {

class file_descriptor {
 public:
  explicit file_descriptor(int fd) : fd_(fd) {}
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace jobforge::handlers
