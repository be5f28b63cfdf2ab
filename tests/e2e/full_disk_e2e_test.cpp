// A disk that fills up under load (issue: hardening, "a failing disk"): the
// real `jobforge serve` keeps its SQLite database on a small tmpfs that the
// test fills while a client submits jobs one by one. The store refuses the
// commits; jobforge keeps the writes nobody waits for and retries them,
// answers new submissions 503 and says why in /ready; once space is freed
// it carries on. Every job that was acknowledged (201) completes, and a
// restart finds it stored as completed: memory and disk agree.
#include "served_jobforge.hpp"

#include <sys/mount.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

using namespace e2e;

namespace {

/// A tmpfs of `size` mounted on a temp folder, unmounted at the end; or
/// nothing, with the reason, where mounting is not allowed (not root).
class small_tmpfs {
 public:
  explicit small_tmpfs(const char* size) {
    const std::string options = std::string("size=") + size;
    if (::mount("jobforge-test", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0)
      mounted_ = true;
    else
      why_not_ = std::strerror(errno);
  }
  ~small_tmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  small_tmpfs(const small_tmpfs&) = delete;
  small_tmpfs& operator=(const small_tmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }
  std::filesystem::path path() const { return dir_.path(); }

 private:
  temp_dir dir_;
  bool mounted_ = false;
  std::string why_not_;
};

/// Writes `file` until the file system has no room left; the bytes written.
std::size_t fill_up(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  std::vector<char> block(1 << 20, 'x');
  std::size_t written = 0;
  // Smaller and smaller pieces, so that even a page is not left over.
  for (std::size_t piece = block.size(); piece >= 512; piece /= 2) {
    for (;;) {
      const ssize_t n = ::write(fd, block.data(), piece);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  return written;
}

/// Submits 5 ms sleep jobs one at a time on its own connection until told
/// to stop (at most `cap` of them), keeping what each answer said.
class steady_submitter {
 public:
  steady_submitter(int port, std::size_t cap)
      : thread_([this, port, cap] {
          httplib::Client c("127.0.0.1", port);
          c.set_read_timeout(30s);
          const std::string body = boost::json::serialize(sleep_job(5));
          for (std::size_t i = 0; i < cap && !stop_; ++i) {
            auto r = c.Post("/api/jobs", body, "application/json");
            std::lock_guard lock(mutex_);
            if (!r) {
              ++transport_errors_;
            } else if (r->status == 201) {
              acknowledged_.insert(
                  std::string(boost::json::parse(r->body).as_object().at("id").as_string()));
            } else {
              statuses_.insert(r->status);
              if (r->status == 503) ++refused_;
            }
            std::this_thread::sleep_for(2ms);
          }
        }) {}
  ~steady_submitter() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::size_t refused() {
    std::lock_guard lock(mutex_);
    return refused_;
  }
  std::size_t acknowledged_count() {
    std::lock_guard lock(mutex_);
    return acknowledged_.size();
  }
  std::set<std::string> acknowledged() {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  std::set<int> other_statuses() {
    std::lock_guard lock(mutex_);
    return statuses_;
  }
  std::size_t transport_errors() {
    std::lock_guard lock(mutex_);
    return transport_errors_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::set<std::string> acknowledged_;
  std::set<int> statuses_;
  std::size_t refused_ = 0;
  std::size_t transport_errors_ = 0;
  std::thread thread_;
};

std::string job_status(served_jobforge& jf, const std::string& id) {
  auto r = jf.get("/api/jobs/" + id);
  return r.status == 200 ? status_of(r) : "HTTP " + std::to_string(r.status);
}

}  // namespace

TEST_CASE(
    "a full disk: submissions get 503 and /ready says why, nothing acknowledged is lost, "
    "and service resumes once space is freed",
    "[e2e][disk]") {
  small_tmpfs disk("24m");
  if (!disk.mounted()) {
    WARN("skipped: cannot mount a tmpfs here (needs root): " << disk.why_not());
    return;
  }
  const auto data = disk.path() / "data";
  std::filesystem::create_directories(data);
  std::set<std::string> acknowledged;
  {
    served_jobforge jf({"--executors", "8"}, data.string());
    INFO("jobforge log:\n" << jf.process().log());
    steady_submitter load(jf.port(), 20'000);
    REQUIRE(eventually([&] { return load.acknowledged_count() >= 50; }, 20s));

    const auto filler = disk.path() / "filler";
    CHECK(fill_up(filler) > 0);
    // The next commits need room the disk no longer has. (A retry may
    // still fit where a refused commit had begun to write, so the outage
    // can end and begin again while the disk stays full: poll for it.)
    REQUIRE(eventually([&] { return load.refused() > 0; }, 20s));
    std::string writes;
    REQUIRE(eventually(
        [&] {
          auto ready = jf.get("/ready");
          if (ready.status != 503 || !ready.body.is_object()) return false;
          writes = std::string(ready.object().at("checks").at("writes").as_string());
          return true;
        },
        20s));
    CHECK(writes.find("refused by the store") != std::string::npos);
    CHECK(writes.find("full") != std::string::npos);
    std::set<std::string> acknowledged_here;
    REQUIRE(eventually(
        [&] {
          auto r = jf.post("/api/jobs", sleep_job(1));
          if (r.status == 201) acknowledged_here.insert(id_of(r));
          return r.status == 503 && r.error_code() == "unavailable";
        },
        20s));
    CHECK(jf.process().running());

    std::filesystem::remove(filler);
    REQUIRE(eventually([&] { return jf.get("/ready").status == 200; }, 20s));
    const auto before = load.acknowledged_count();
    REQUIRE(eventually([&] { return load.acknowledged_count() >= before + 50; }, 20s));
    load.stop();
    acknowledged = load.acknowledged();
    acknowledged.insert(acknowledged_here.begin(), acknowledged_here.end());
    CHECK(load.transport_errors() == 0);
    CHECK(load.other_statuses() == std::set<int>{503});

    // Every acknowledged job ends, including those that ran while the disk
    // was full (their ends were kept and written later).
    for (const auto& id : acknowledged) {
      INFO("job " << id);
      REQUIRE(eventually([&] { return job_status(jf, id) == "completed"; }, 30s));
    }
    auto metrics = jf.get_raw("/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("jobforge_store_outages_total 1\n") != std::string::npos);
    CHECK(metrics->body.find("jobforge_store_refused_writes 0\n") != std::string::npos);
    CHECK(jf.process().stop_with(SIGTERM, 30s));
    CHECK(jf.process().log().find("the store takes writes again") != std::string::npos);
  }
  // Started again on the same files: what is stored is what was answered.
  served_jobforge again({"--executors", "2"}, data.string());
  for (const auto& id : acknowledged) {
    INFO("job " << id);
    CHECK(job_status(again, id) == "completed");
  }
}
