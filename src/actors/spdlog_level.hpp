#pragma once
/// A handler's log level as spdlog's, for the lines of local attempts and
/// those forwarded by worker nodes alike.

#include "model/handler.hpp"

#include <spdlog/common.h>

namespace jobforge {

inline spdlog::level::level_enum spdlog_level(log_level level) {
  return level == log_level::debug  ? spdlog::level::debug
         : level == log_level::info ? spdlog::level::info
         : level == log_level::warn ? spdlog::level::warn
                                    : spdlog::level::err;
}

}  // namespace jobforge
