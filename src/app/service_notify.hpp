#pragma once
/// Tells a service manager how the process is doing, the sd_notify(3)
/// protocol written by hand (libsystemd is not in our stack): one datagram
/// of `KEY=value` lines to the AF_UNIX socket named by $NOTIFY_SOCKET. A
/// `Type=notify` unit (packaging/jobforge.service) starts the units after it
/// only once `READY=1` came. Without $NOTIFY_SOCKET nothing is sent.

#include <string>

namespace jobforge::app {

/// Sends `state` (e.g. "READY=1\nSTATUS=serving") to $NOTIFY_SOCKET; true
/// when it was sent, false when there is no socket or sending failed.
bool notify_service_manager(const std::string& state);

}  // namespace jobforge::app
