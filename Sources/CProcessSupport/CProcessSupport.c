#define _GNU_SOURCE
#include "CProcessSupport.h"
#include <errno.h>
#include <stdio.h>

void skillpulse_line_buffer_stdout(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}

#include <pthread.h>
#include <string.h>

int skillpulse_name_current_thread(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = '\0';
    return pthread_setname_np(pthread_self(), shortened);
}

int skillpulse_stdout_write_error(void) {
    errno = 0;
    if (fflush(stdout) != 0) { return errno != 0 ? errno : -1; }
    return ferror(stdout) ? -1 : 0;
}

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int termination_write_end = -1;

static void skillpulse_on_termination(int signo) {
    int saved = errno;
    unsigned char byte = (unsigned char)signo;
    if (termination_write_end >= 0) { (void)!write(termination_write_end, &byte, 1); }
    errno = saved;
}

int skillpulse_termination_pipe(void) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) { return -1; }
    fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK);
    termination_write_end = ends[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = skillpulse_on_termination;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    return ends[0];
}
