#include "cli/progress.h"

#include <unistd.h>

#include <chrono>

#include "cli/tool.h"

namespace dskit::app {

ProgressLine::ProgressLine(std::function<std::string(double)> render) : render_(std::move(render)) {
  if (!stderr_is_terminal()) return;
  active_ = true;
  thread_ = std::thread([this] {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lk(mu_);
    while (!cv_.wait_for(lk, std::chrono::milliseconds(250), [&] { return done_; })) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::string line = "\r\033[K" + render_(s);
      [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
    }
    [[maybe_unused]] auto n = ::write(2, "\r\033[K", 4);
  });
}

void ProgressLine::stop() {
  if (!active_) return;
  {
    std::lock_guard lk(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
  active_ = false;
}

ProgressLine::~ProgressLine() {
  stop();
}

}  // namespace dskit::app
