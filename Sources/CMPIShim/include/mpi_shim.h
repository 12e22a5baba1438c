#ifndef CSIT_MPI_SHIM_H
#define CSIT_MPI_SHIM_H
#include <stddef.h>

/// The few MPI calls csit makes, as plain C functions Swift can call (Open MPI's handles are
/// macros Swift cannot import). Every function returns an MPI error code (0 = success)
/// unless said otherwise. `comm` selects a communicator: 0 = the world, 1 = a duplicate of
/// the world kept for gradient reductions, so that non-blocking gradient collectives never
/// interleave with the training loop's own collectives.

/// MPI_Init_thread (MPI_THREAD_FUNNELED: only the main thread calls MPI), then the rank,
/// size and host name; registers MPI_Finalize with atexit so a normal exit finalizes (mpirun
/// reports a process that exits without it as failed). Idempotent.
int csit_mpi_init(int *rank, int *size, char *host, int host_len);
/// 1 when MPI was initialised and not yet finalised.
int csit_mpi_active(void);
/// MPI_Abort on the world: every rank stops. Does not return.
void csit_mpi_abort(int status);

int csit_mpi_barrier(int comm);
/// In-place sum of `count` floats over all ranks (chunked past INT_MAX).
int csit_mpi_allreduce_float_sum(int comm, float *buffer, long count);
/// In-place reduction of doubles: op 0 = sum, 1 = max, 2 = min.
int csit_mpi_allreduce_double(int comm, double *buffer, int count, int op);
/// Broadcasts `count` bytes from `root`.
int csit_mpi_bcast_bytes(int comm, void *buffer, long count, int root);
/// Every rank's `count` (one long per rank, rank order).
int csit_mpi_allgather_long(int comm, long value, long *out);
/// Variable-length all-gather of floats: `counts`/`displs` per rank, in floats.
int csit_mpi_allgatherv_float(int comm, const float *send, int count, float *recv, const int *counts, const int *displs);
/// Variable-length all-gather of bytes.
int csit_mpi_allgatherv_bytes(int comm, const void *send, int count, void *recv, const int *counts, const int *displs);

/// Starts a non-blocking in-place float sum; `*request` is an opaque handle for test/wait.
int csit_mpi_iallreduce_float_sum(int comm, float *buffer, int count, void **request);
/// Drives progress; `*done` = 1 when the reduction finished (the handle is then freed).
int csit_mpi_test(void *request, int *done);
/// Waits for the reduction and frees the handle.
int csit_mpi_wait(void *request);

#endif
