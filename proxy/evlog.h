/*
 * libevent's diagnostics go through core/log like every other line.
 */
#ifndef SW_PROXY_EVLOG_H
#define SW_PROXY_EVLOG_H

/* Route libevent's own messages into the log as event=libevent msg=... */
void log_libevent_hook(void);

#endif
