// Compiled against the installed headers only: asks a server that is not
// there and reports what the client says.
#include <jobforge/client.hpp>

#include <iostream>

int main(int argc, char** argv) {
  jobforge::client::options o;
  o.url = argc > 1 ? argv[1] : "http://127.0.0.1:9";
  o.max_attempts = 1;
  jobforge::client::client c(o);
  auto r = c.get("0f8fad5b-d9cb-469f-a165-70867728950e");
  if (r) return 1;
  std::cout << "consumer: " << jobforge::client::to_string(r.error_value().kind) << ", breaker "
            << jobforge::client::to_string(c.breaker().state) << "\n";
  return r.error_value().kind == jobforge::client::error_kind::unreachable ? 0 : 1;
}
