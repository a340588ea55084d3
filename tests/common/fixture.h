/*
 * A snapshot for tests: a config and users file written to a fresh
 * temporary folder and loaded through the real loader.
 */
#ifndef SW_TESTS_FIXTURE_H
#define SW_TESTS_FIXTURE_H

struct replay;
struct snapshot;

/* One replay memory for the test process, made on first use. */
struct replay *fixture_replay(void);

/* Base config (listen 127.0.0.1:5060, upstream 127.0.0.1:5080) + extra. */
struct snapshot *fixture_snapshot(const char *extra);
/* Same, with the whole config text given. */
struct snapshot *fixture_snapshot_cfg(const char *cfgtext);
/* Remove the fixture's folder and everything in it. */
void fixture_cleanup(void);
/* The folder of the last fixture (for log files etc.). */
const char *fixture_dir(void);

#endif
