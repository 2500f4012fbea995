#ifndef SKILLPULSE_CSYSTEMD_SHIM_H
#define SKILLPULSE_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
