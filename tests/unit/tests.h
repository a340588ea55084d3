/* Shared by every Check unit test executable. */
#ifndef SW_TESTS_H
#define SW_TESTS_H

#include <check.h>

/* Each test_NAME.c defines this. */
Suite *test_suite(void);

#endif
