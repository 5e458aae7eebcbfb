/*
 * tmpdir.h - a fresh folder under /tmp for the tests of one program: its
 * path in `dir`, made and removed (with what is in it) by the cmocka group
 * fixtures dir_setup and dir_teardown. Include in one file only.
 */
#ifndef CASCADE_TESTS_TMPDIR_H
#define CASCADE_TESTS_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char dir[64];

static int dir_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cascade_test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int dir_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
