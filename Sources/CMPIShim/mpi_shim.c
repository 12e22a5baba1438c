#include "mpi_shim.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>

static int initialised = 0;
static MPI_Comm gradient_comm = MPI_COMM_NULL;

static MPI_Comm pick(int comm) { return comm == 1 ? gradient_comm : MPI_COMM_WORLD; }

static void finalize_at_exit(void) {
    int done = 0;
    MPI_Finalized(&done);
    if (initialised && !done) {
        if (gradient_comm != MPI_COMM_NULL) MPI_Comm_free(&gradient_comm);
        MPI_Finalize();
    }
}

int csit_mpi_init(int *rank, int *size, char *host, int host_len) {
    if (!initialised) {
        int provided = 0;
        int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
        if (rc != MPI_SUCCESS) return rc;
        initialised = 1;
        atexit(finalize_at_exit);
        rc = MPI_Comm_dup(MPI_COMM_WORLD, &gradient_comm);
        if (rc != MPI_SUCCESS) return rc;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    MPI_Get_processor_name(name, &len);
    if (host_len > 0) {
        int n = len < host_len - 1 ? len : host_len - 1;
        memcpy(host, name, (size_t)n);
        host[n] = 0;
    }
    return MPI_SUCCESS;
}

int csit_mpi_active(void) {
    int done = 0;
    MPI_Finalized(&done);
    return initialised && !done;
}

void csit_mpi_abort(int status) {
    MPI_Abort(MPI_COMM_WORLD, status);
    exit(status);
}

int csit_mpi_barrier(int comm) { return MPI_Barrier(pick(comm)); }

int csit_mpi_allreduce_float_sum(int comm, float *buffer, long count) {
    while (count > 0) {
        int n = count > INT_MAX ? INT_MAX : (int)count;
        int rc = MPI_Allreduce(MPI_IN_PLACE, buffer, n, MPI_FLOAT, MPI_SUM, pick(comm));
        if (rc != MPI_SUCCESS) return rc;
        buffer += n;
        count -= n;
    }
    return MPI_SUCCESS;
}

int csit_mpi_allreduce_double(int comm, double *buffer, int count, int op) {
    MPI_Op o = op == 1 ? MPI_MAX : op == 2 ? MPI_MIN : MPI_SUM;
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, o, pick(comm));
}

int csit_mpi_bcast_bytes(int comm, void *buffer, long count, int root) {
    char *p = buffer;
    while (count > 0) {
        int n = count > INT_MAX ? INT_MAX : (int)count;
        int rc = MPI_Bcast(p, n, MPI_BYTE, root, pick(comm));
        if (rc != MPI_SUCCESS) return rc;
        p += n;
        count -= n;
    }
    return MPI_SUCCESS;
}

int csit_mpi_allgather_long(int comm, long value, long *out) {
    return MPI_Allgather(&value, 1, MPI_LONG, out, 1, MPI_LONG, pick(comm));
}

int csit_mpi_allgatherv_float(int comm, const float *send, int count, float *recv, const int *counts, const int *displs) {
    return MPI_Allgatherv(send, count, MPI_FLOAT, recv, counts, displs, MPI_FLOAT, pick(comm));
}

int csit_mpi_allgatherv_bytes(int comm, const void *send, int count, void *recv, const int *counts, const int *displs) {
    return MPI_Allgatherv(send, count, MPI_BYTE, recv, counts, displs, MPI_BYTE, pick(comm));
}

int csit_mpi_iallreduce_float_sum(int comm, float *buffer, int count, void **request) {
    MPI_Request *r = malloc(sizeof(MPI_Request));
    if (!r) return MPI_ERR_NO_MEM;
    int rc = MPI_Iallreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, pick(comm), r);
    if (rc != MPI_SUCCESS) { free(r); return rc; }
    *request = r;
    return MPI_SUCCESS;
}

int csit_mpi_test(void *request, int *done) {
    MPI_Request *r = request;
    int rc = MPI_Test(r, done, MPI_STATUS_IGNORE);
    if (rc == MPI_SUCCESS && *done) free(r);
    return rc;
}

int csit_mpi_wait(void *request) {
    MPI_Request *r = request;
    int rc = MPI_Wait(r, MPI_STATUS_IGNORE);
    free(r);
    return rc;
}
