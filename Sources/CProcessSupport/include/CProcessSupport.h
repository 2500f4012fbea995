#ifndef SKILLPULSE_CPROCESSSUPPORT_H
#define SKILLPULSE_CPROCESSSUPPORT_H

/// Makes stdout line-buffered even when it is a pipe or a file. Swift cannot touch libc's `stdout` global
/// under strict concurrency, so this one call lives in C; it runs once, before any output.
void skillpulse_line_buffer_stdout(void);

/// Names the calling thread for the kernel (top -H, gdb, /proc/PID/task/TID/comm), cut to 15 bytes.
/// Returns pthread_setname_np's result.
int skillpulse_name_current_thread(const char *name);

/// Flushes stdout and reports whether anything written to it was lost: 0 if not, the errno of the failed
/// flush, or -1 when an earlier write failed (its errno is gone by now). `status > /dev/full` must not exit 0.
int skillpulse_stdout_write_error(void);

#endif

#ifndef SKILLPULSE_TERMINATION_PIPE
#define SKILLPULSE_TERMINATION_PIPE
/// Installs handlers for SIGTERM and SIGINT that write the signal's number (one byte) into a pipe, and returns
/// the pipe's reading end (-1 on failure). One sigaction call per signal replaces the default action at once,
/// so no termination request is lost between "ignore it" and "handle it"; the handler only calls write(2),
/// which is async-signal-safe.
int skillpulse_termination_pipe(void);
#endif
