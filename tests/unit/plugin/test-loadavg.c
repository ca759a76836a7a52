/*
 * test-loadavg: the load average read from a file kept open: each read
 * sees the file's current text (pread at offset 0, as procfs regenerates
 * it), a missing file reads -1 until it appears, garbage reads -1.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "input/loadavg.h"
#include "input/sample.h"

/* Overwrite path in place (same inode, as procfs keeps it). */
static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "r+");

	if (!f)
		f = fopen(path, "w");
	ck_assert_msg(f != NULL, "open %s", path);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	fclose(f);
}

static char *scratch(void)
{
	char *path = strdup("/tmp/test-loadavg.XXXXXX");
	int fd = mkstemp(path);

	ck_assert_msg(fd >= 0, "mkstemp");
	close(fd);
	return path;
}

START_TEST(each_read_sees_the_current_text)
{
	char *path = scratch();
	struct loadavg l;

	put(path, "0.25 0.10 0.05 1/100 42\n");
	loadavg_open(&l, path);
	ck_assert_msg(l.fd >= 0, "opened once");
	ck_assert_msg(loadavg_read(&l) == 0.25, "first read");
	put(path, "1.50 0.10 0.05 1/100 42\n");
	ck_assert_msg(loadavg_read(&l) == 1.50, "second read, same fd");
	ck_assert_msg(sample_read_loadavg(path) == 1.50, "one-shot read");
	loadavg_close(&l);
	ck_assert_int_eq(l.fd, -1);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(missing_file_then_present)
{
	char *path = scratch();
	struct loadavg l;

	unlink(path);
	loadavg_open(&l, path);
	ck_assert_msg(loadavg_read(&l) == -1.0, "missing: -1");
	put(path, "0.75 0 0 1/1 1\n");
	ck_assert_msg(loadavg_read(&l) == 0.75, "opened on a later read");
	put(path, "nonsense 0 0\n");
	ck_assert_msg(loadavg_read(&l) == -1.0, "garbage: -1");
	ck_assert_msg(sample_read_loadavg("/nonexistent/loadavg") == -1.0,
		      "one-shot on a missing file");
	loadavg_close(&l);
	unlink(path);
	free(path);
}
END_TEST

static Suite *loadavg_suite(void)
{
	Suite *s = suite_create("loadavg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, each_read_sees_the_current_text);
	tcase_add_test(tc, missing_file_then_present);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(loadavg_suite)
