// dskit_mpi: the process group of a run started by mpirun or srun (MPI_COMM_WORLD), or the one-rank group
// of a plain run. Linked only into the tools that scale out (dsmanifest, dsbench), so that the others
// never load the MPI libraries.
#pragma once

#include <memory>
#include <string>

#include "dskit/base/comm.h"

namespace dskit::mpi {

// True when an MPI launcher (Open MPI's mpirun, srun with PMI/PMIx, MPICH's hydra) started this process.
bool launched_by_mpi();

// Whether this build has MPI support (found by CMake).
bool built_with_mpi();

// The group this process belongs to. Under an MPI launcher: all ranks of MPI_COMM_WORLD (MPI_Init here,
// MPI_Finalize when the returned object is destroyed). Otherwise, or with DSKIT_MPI=0 in the environment,
// one rank. Null with `error` set when the launcher started several processes but this build has no MPI,
// or MPI_Init failed.
std::unique_ptr<Comm> join(int& argc, char**& argv, std::string& error);

}  // namespace dskit::mpi
