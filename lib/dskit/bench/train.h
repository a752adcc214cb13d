// dsbench train: N emulated accelerators fed from a dataset the way a training job's data loader feeds GPUs.
// Each accelerator has its own reader threads and a prefetch queue of `prefetch` batches; readers read whole
// batches of samples (one sample = one dataset file, or a dspack pack's sample) ahead, the accelerator takes
// them in order and "computes" on each for the batch's compute time (a sleep), as MLPerf Storage's DLIO
// benchmark does. The sample stream is the dataset epoch after epoch, each epoch in its own seeded order
// (dataset_order); global batch j is samples [j*batch, (j+1)*batch) of that stream and goes to accelerator j
// % N.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/bench/common.h"
#include "dskit/bench/dataset.h"
#include "dskit/bench/stats.h"
#include "dskit/bench/train_au.h"
#include "dskit/pack/samples.h"

namespace dskit::bench {

// A built-in workload: MLPerf Storage's per-sample size and per-batch compute time on one accelerator type.
struct TrainProfile {
  std::string_view model;        // "resnet50", "unet3d", "cosmoflow"
  std::string_view accelerator;  // "a100", "h100"
  uint64_t sample_bytes = 0;     // mean record length
  uint64_t batch = 0;            // samples per batch
  double compute_s = 0;          // emulated compute time per batch
};
const std::vector<TrainProfile>& train_profiles();
std::optional<TrainProfile> find_train_profile(std::string_view model, std::string_view accelerator);

struct TrainOptions {
  CommonOptions common;  // threads: reader threads per accelerator; duration_s; seed; engine; direct
  unsigned accelerators = 1;
  unsigned prefetch = 2;                    // batches read ahead per accelerator (read or being read), >= 1
  uint64_t batch = 1;                       // samples per batch
  double compute_s = 0;                     // per batch
  unsigned epochs = 1;                      // passes over the dataset in total (ignored when steps is set)
  uint64_t steps = 0;                       // steps per accelerator; 0: as many as `epochs` give
  uint64_t block = uint64_t{1} << 20;       // read request size
  const pack::PackSamples* pack = nullptr;  // the samples are this pack's (load_dataset)
};

struct AcceleratorResult {
  unsigned index = 0;
  uint64_t steps = 0, samples = 0, bytes = 0;  // all steps, the first included
  StepAccount account;                         // the first step excluded
};

struct TrainResult {
  PhaseResult
      phase;  // reader threads first (accelerator a's readers at a*threads...), then one per accelerator
  std::vector<AcceleratorResult> accelerators;
  StepAccount total;
  uint64_t samples = 0;        // samples the accelerators consumed
  uint64_t dataset_bytes = 0;  // one epoch
  uint32_t alignment = 0;
  std::vector<std::string> warnings;
};

std::optional<BenchError> run_train(TrainOptions o, const std::vector<DatasetFile>& files, TrainResult& out);

// The JSON object (and newline) `dsbench train --json` prints for one process: `s` summarizes r.phase,
// `data` is the dataset read, `files` its file count, `prepared` whether dsbench made it.
std::string train_report_json(const TrainOptions& to, const TrainResult& r, const Summary& s,
                              std::string_view data, std::string_view model, std::string_view accelerator,
                              uint64_t files, bool prepared);

}  // namespace dskit::bench
