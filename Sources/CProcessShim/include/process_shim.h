#ifndef CSIT_PROCESS_SHIM_H
#define CSIT_PROCESS_SHIM_H

/// Asks the kernel to send `signal` to this process when its parent dies (Linux
/// PR_SET_PDEATHSIG); returns 0 on success, -1 where the platform has no such call.
int csit_die_with_parent(int signal);

#endif
