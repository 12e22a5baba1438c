#include "process_shim.h"
#include <signal.h>
#include <string.h>

#if defined(__linux__)
#include <sys/prctl.h>

// prctl is variadic, which Swift cannot call: this is the one-argument form.
int csit_die_with_parent(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }
#else
int csit_die_with_parent(int signal) { (void)signal; return -1; }
#endif

// Written only by the handler, read by the training loop: a lock-free flag is all a
// handler may touch (no allocation, no locks, no I/O).
static volatile sig_atomic_t stop_signal = 0;

static void record_stop(int signal) {
    if (stop_signal == 0) stop_signal = signal;
}

int csit_stop_signals_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = record_stop;
    sigemptyset(&action.sa_mask);
    // Restart interrupted reads and writes: the loop finishes its step as if nothing happened.
    action.sa_flags = SA_RESTART;
    const int signals[] = {SIGTERM, SIGUSR1, SIGINT};
    sigset_t unblock;
    sigemptyset(&unblock);
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (sigaction(signals[i], &action, 0) != 0) return -1;
        sigaddset(&unblock, signals[i]);
    }
    // A parent may have started us with them blocked.
    sigprocmask(SIG_UNBLOCK, &unblock, 0);
    return 0;
}

int csit_stop_signal(void) { return stop_signal; }
