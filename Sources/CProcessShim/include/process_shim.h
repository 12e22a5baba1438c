#ifndef CSIT_PROCESS_SHIM_H
#define CSIT_PROCESS_SHIM_H

/// Asks the kernel to send `signal` to this process when its parent dies (Linux
/// PR_SET_PDEATHSIG); returns 0 on success, -1 where the platform has no such call.
int csit_die_with_parent(int signal);

/// Installs one handler (sigaction, SA_RESTART) for SIGTERM, SIGUSR1 and SIGINT that only
/// records the first signal received; training polls it after each step. Returns 0, or -1
/// when sigaction failed.
int csit_stop_signals_install(void);

/// The first stop signal received since `csit_stop_signals_install`, or 0.
int csit_stop_signal(void);

#endif
