// What dsbench's subcommands share on the command-line side: the common flags, size options, the signal
// flag, the progress line, exit codes and output writing.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "dskit/bench/common.h"
#include "dskit/bench/runner.h"

namespace dsbench {

// The flags every mode takes, as parsed.
struct CommonFlags {
  std::string engine = "psync";
  unsigned threads = 1;
  unsigned iodepth = 1;
  bool buffered = false;
  bool drop_cache = false;
  std::string duration;
  std::string ops, bytes, seed_text;
  uint64_t seed = 0;
  bool json = false;
  std::string timeseries;
  std::string output;  // -o: the report (text or --json) to this file instead of standard output
  bool keep = false;
  bool per_rank = false;  // under MPI: one line (JSON object) per rank too
};

// `with_budget`: --duration, --ops, --bytes; `with_threads`: -j/--threads (ckpt has --writers instead).
void add_common_flags(CLI::App* sub, CommonFlags& f, bool with_budget, bool with_threads = true);
// Fills `out` from the flags of `mode`; on a bad value prints the usage error and returns false.
bool to_common(std::string_view mode, const CommonFlags& f, dskit::bench::CommonOptions& out);
// Settles the engine before the run (io_uring, or psync after a warning with --engine auto), so the report
// names the engine really used. Prints and returns false when io_uring was asked for and is unavailable.
bool settle_engine(dskit::bench::CommonOptions& c, int& rc);
// A size flag of `mode` ("4k", "2G"); prints the usage error and returns false when malformed.
bool size_flag(std::string_view mode, const std::string& text, const char* flag, uint64_t& out);
// A duration (base/units.h) of more than 0 into seconds; empty text leaves `seconds` alone.
bool duration_flag(std::string_view mode, const std::string& text, const char* flag, double& seconds);

// A byte count for the human report in IEC units: "32 MiB", "1.5 GiB", "512 B" (the JSON keeps raw numbers).
std::string iec_bytes(uint64_t bytes);

void error(const std::string& message);
// A usage error of `mode` (a flag's value, flags that contradict each other): "dsbench: MESSAGE (see
// dsbench MODE --help)"; returns kExitUsage.
int usage(std::string_view mode, const std::string& message);
void warn(const std::string& message);
int exit_code(const dskit::bench::BenchError& e);
// One line on stderr per error record the threads kept.
void print_errors(const std::vector<dskit::bench::ThreadStats>& threads);

// Blocks SIGINT and SIGTERM in the calling thread and the threads it starts afterwards. main calls it before
// MPI_Init, whose threads would otherwise take a signal sent to a rank and die of it unseen by SignalFlag.
void block_stop_signals();

// Blocks SIGINT and SIGTERM in this thread and every thread it starts afterwards, and turns them into a flag
// the workers poll (so a benchmark interrupted by Ctrl-C still removes its files and reports). Construct it
// before any other thread.
class SignalFlag {
 public:
  SignalFlag();
  ~SignalFlag();
  SignalFlag(const SignalFlag&) = delete;
  SignalFlag& operator=(const SignalFlag&) = delete;
  const std::atomic<bool>* flag() const { return &raised_; }
  bool raised() const { return raised_.load(); }
  int exit_code() const { return 128 + signal_.load(); }

 private:
  std::atomic<bool> raised_{false};
  std::atomic<int> signal_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// A progress line on a terminal (ops, bytes, rate) for whichever phase is running.
class Progress {
 public:
  explicit Progress(const char* mode);
  ~Progress();
  std::atomic<const dskit::bench::Runner*>* live() { return &live_; }

 private:
  std::atomic<const dskit::bench::Runner*> live_{nullptr};
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the report to OUTPUT (-o: "" or "-" is standard output; a file is replaced atomically, a device or
// FIFO written in place); EPIPE on standard output is a quiet success. Returns an exit code.
int print_report(const std::string& output, const std::string& text);
// Writes the time series CSV atomically (when a file was asked for). Returns an exit code.
int write_timeseries(const std::string& file, const std::vector<dskit::bench::Sample>& series);

}  // namespace dsbench
