#include "process_shim.h"

#if defined(__linux__)
#include <sys/prctl.h>
#include <signal.h>

// prctl is variadic, which Swift cannot call: this is the one-argument form.
int csit_die_with_parent(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }
#else
int csit_die_with_parent(int signal) { (void)signal; return -1; }
#endif
