// dschip over the ranks of an MPI job (mpirun, srun): a cohort of images chipped by every rank, with the
// output of a one-process run.
//
// Every rank measures a share of the inputs (the pixels of the level chipped, measure_input); rank 0 orders
// them largest first, splits an input much larger than the rest (above 1/(2N) of all the pixels over N ranks)
// into runs of block rows, and hands the pieces out as ranks ask for them: rank 0's main thread is the dealer
// (Comm::send/receive, answering one request at a time), a second thread of rank 0 chips like the other
// ranks. A piece writes its chip files under OUT as one process would, and its manifest rows (and, with
// --shard-size, its chips as one tar) under OUT/.dschip-parts/INPUT-BAND; when every piece is done rank 0
// reads them back in input and band order, fills the shards as one process fills them, writes chips.tsv and
// removes OUT/.dschip-parts. Memory stays bounded: a rank holds the blocks in flight of one piece, rank 0
// the manifest rows (as one process does) and one chip at a time while it fills the shards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/image/chip.h"

namespace dskit::image {

inline constexpr const char* kPartsDir = ".dschip-parts";

// A piece of the cohort: band `band` of the `bands` runs of block rows of input `input` (ChipPiece), and its
// share of the input's pixels.
struct CohortPiece {
  std::size_t input = 0, band = 0, bands = 1;
  uint64_t pixels = 0;
};

// The pieces of inputs of these sizes over `ranks` ranks, in the order they are handed out: largest first
// (input order among equals); an input above 1/(2N) of all the pixels is cut into runs of block rows of about
// that size (at most one per block row).
std::vector<CohortPiece> deal_pieces(const std::vector<InputSize>& sizes, int ranks);

// Chips `inputs` (the same list on every rank) over `comm`'s ranks (more than one). On rank 0 the result
// is the cohort's, each image report naming the rank that chipped it (its first piece's) and its pieces;
// `progress` counts the chips made on every rank and the images finished. On the other ranks the result
// holds only what this rank could not write (output_error) and whether it was interrupted.
ChipResult run_cohort(const std::vector<std::string>& inputs, const ChipOptions& opts, Comm& comm,
                      ChipProgress* progress);

}  // namespace dskit::image
