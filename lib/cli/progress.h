// A progress line on stderr, redrawn a few times a second, shown only when stderr is a terminal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace dskit::app {

class ProgressLine {
 public:
  // `render` returns the text of the line; it is called from the progress thread.
  explicit ProgressLine(std::function<std::string(double elapsed_s)> render);
  ~ProgressLine();  // stops and clears the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  void stop();

 private:
  std::function<std::string(double)> render_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool active_ = false;
  std::thread thread_;
};

}  // namespace dskit::app
