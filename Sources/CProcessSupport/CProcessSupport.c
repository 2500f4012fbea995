#include "CProcessSupport.h"
#include <stdio.h>

void skillpulse_line_buffer_stdout(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}
