/*
 * Runner for one unit test executable.  meson reads TAP from stdout
 * (CK_TAP_LOG_FILE_NAME=-); fork mode stays on, so under ASan a leak or a
 * crash is reported against the very test that caused it.
 */
#include <stdlib.h>

#include "tests.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(test_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
