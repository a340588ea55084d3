/*
 * A worker's context for its transports; see wctx.h.
 */
#include <time.h>

#include <re.h>

#include "proxy/shared.h"
#include "proxy/wctx.h"
#include "sip/snapshot.h"

uint64_t
wctx_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

void
wctx_refresh(struct wctx *wc)
{
	struct snapshot *sn;

	sn = shared_snapshot(wc->wc_sh, &wc->wc_gen);
	if (sn == NULL)
		return;
	snapshot_unref(wc->wc_snap);
	wc->wc_snap = sn;
}

void
wctx_up(struct wctx *wc, const struct wctx_msg *m)
{
	wc->wc_up(wc->wc_uparg, m);
}
