#ifndef SKILLPULSE_CPROCESSSUPPORT_H
#define SKILLPULSE_CPROCESSSUPPORT_H

/// Makes stdout line-buffered even when it is a pipe or a file. Swift cannot touch libc's `stdout` global
/// under strict concurrency, so this one call lives in C; it runs once, before any output.
void skillpulse_line_buffer_stdout(void);

#endif
