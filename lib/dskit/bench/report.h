// dsbench's report pieces, shared by every mode: the JSON fields of the stable schema (man/dsbench.1), the
// latency object, the human table rows, and the 1-second time series as CSV.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/json.h"
#include "dskit/bench/common.h"
#include "dskit/bench/engine.h"
#include "dskit/bench/runner.h"
#include "dskit/bench/stats.h"
#include "dskit/pack/samples.h"

namespace dskit::bench {

struct ReportHeader {
  std::string_view mode;  // "randread", "ckpt", "meta"
  EngineKind engine = EngineKind::psync;
  unsigned threads = 1;
  unsigned iodepth = 1;
  bool direct = true;
  uint64_t block = 0;
};

// The header of a mode that reads with the common options (iodepth 1 unless the engine is io_uring).
ReportHeader read_header(std::string_view mode, const CommonOptions& c, uint64_t block);

// "seconds":S,"iops":ops/S,"bandwidth_bytes_per_s":bytes/S (rates 0 when S is 0).
void append_rates_json(JsonWriter& w, double seconds, uint64_t ops, uint64_t bytes);

// {"count":..,"min":..,"mean":..,"p50":..,"p90":..,"p99":..,"p999":..,"p9999":..,"max":..} in ns.
void append_latency_json(std::string& out, const Histogram& h);
// The members "NAME":{latency} of every named histogram, comma-separated (no braces).
void append_latencies_json(std::string& out, const Latencies& lat);
// "mode":..,"engine":..,"threads":..,"iodepth":..,"direct":..,"block":..,"ops":..,"bytes":..,"seconds":..,
// "iops":..,"bandwidth_bytes_per_s":..,"errors":..,"latency_ns":{..} (of `main_latency`),
// "fairness":{"first_done_s":..,"first_done_thread":..,"last_done_s":..,"last_done_thread":..}
// — no surrounding braces, so each mode appends its own fields.
void append_common_json(std::string& out, const ReportHeader& h, const Summary& s,
                        std::string_view main_latency);
// "per_thread":[{"thread":..,"ops":..,"bytes":..,"files":..,"seconds":..}, ...]
void append_threads_json(std::string& out, const std::vector<ThreadStats>& threads);

// The end of a reading mode's report: "latencies":{every histogram},"per_thread":[..], then the object's
// closing brace and a newline.
void finish_read_json(std::string& out, const PhaseResult& phase, const Latencies& lat);

// "format":"files" or "pack", and "pack": null or {"dir":..,"samples":..,"members":..,"shards":..,"bytes":..}
// (the whole pack, whatever share of it this process reads).
void append_dataset_format_json(JsonWriter& w, const pack::PackSamples* pack);
// "" for files; for a pack "pack of S samples, M members in K shards  " (the human report's words).
std::string dataset_format_text(const pack::PackSamples* pack);

// Human table: a header line and one line per latency histogram (count, mean, percentiles in us).
std::string latency_table(const Latencies& lat);
// "fairness: first thread done at 1.234s, last at 1.300s\n"
std::string fairness_line(const Summary& s);
std::string human_rate(double bytes_per_s);  // "123.4 MB/s" (decimal units, as fio prints MB/s)
std::string human_ns(uint64_t ns);           // "87.3us", "1.20ms", "2.5s"

// "t_s,ops,bytes,iops,bandwidth_bytes_per_s" then one row per sample.
std::string timeseries_csv(const std::vector<Sample>& series);

}  // namespace dskit::bench
