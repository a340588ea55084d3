/*
 * libevent's own messages into our log; see evlog.h.
 */
#include <event2/event.h>

#include "core/log.h"
#include "proxy/evlog.h"

/* libevent's severities onto ours. */
static void
log_libevent_cb(int severity, const char *msg)
{
	enum log_level lvl;

	switch (severity) {
	case EVENT_LOG_DEBUG:
		lvl = LOGL_DEBUG;
		break;
	case EVENT_LOG_MSG:
		lvl = LOGL_INFO;
		break;
	case EVENT_LOG_WARN:
		lvl = LOGL_WARN;
		break;
	default:
		lvl = LOGL_ERROR;
		break;
	}
	log_event(lvl, "libevent", NULL, "msg=%s", msg);
}

void
log_libevent_hook(void)
{
	event_set_log_callback(log_libevent_cb);
}
