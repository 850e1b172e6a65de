/*
 * test-demo: `quitx demo` is also a test.  A small rehearsal (40
 * people, four simulated days a second) must end with status 0, the
 * summary and no 429; one message lost on the day must make it fail,
 * naming the member; a Ctrl-C in the middle must leave no process of
 * the demo's group behind (peers, daemon) and exit 130.
 *
 * The helpers come from the build tree, linked into a libexec folder
 * the way `make install` lays them out.  TEST_FILTER=name runs one.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

static void
link_one(const char *dir, const char *target, const char *name)
{
	char	*path = xasprintf("%s/%s", dir, name);

	if (symlink(target, path) == -1)
		fail_msg("symlink %s -> %s: %s", path, target, strerror(errno));
	free(path);
}

/* A libexec folder of links to the build tree's helpers. */
static char *
libexec(void)
{
	const char	*peers = getenv("QUITX_PEERS");
	const char	*tools = getenv("QUITX_TOOLS");
	const char	*msgs = getenv("QUITX_MESSAGES");
	char		*dir = tu_tmpdir(), *p;

	assert_non_null(peers);
	assert_non_null(tools);
	assert_non_null(msgs);
	p = xasprintf("%s/mastodon-peer", peers);
	link_one(dir, p, "mastodon-peer");
	free(p);
	p = xasprintf("%s/bluesky-peer", peers);
	link_one(dir, p, "bluesky-peer");
	free(p);
	p = xasprintf("%s/gen-archive", tools);
	link_one(dir, p, "gen-archive");
	free(p);
	link_one(dir, msgs, "messages");
	/* conf/demo.conf sits beside conf/messages */
	p = xasprintf("%s/../demo.conf", msgs);
	link_one(dir, p, "demo.conf");
	free(p);
	setenv("QUITX_LIBEXEC", dir, 1);
	return dir;
}

static void
test_demo_small(void **state)
{
	char	*dir = libexec(), *out = NULL, *err = NULL;
	int	 rc;

	(void)state;
	rc = tu_quitx(&out, &err, "demo", "--members", "40", "--speed", "4",
	    "--plain", NULL);
	/* the end of what it said: the verdict (cmocka cuts long messages) */
	if (rc != 0)
		fail_msg("quitx demo exited %d:\n%s", rc, strlen(err) > 600 ?
		    err + strlen(err) - 600 : err);
	assert_non_null(strstr(out, "== summary"));
	assert_non_null(strstr(out, "each list as the matches say, once"));
	assert_non_null(strstr(out, "429s seen                0 "));
	assert_non_null(strstr(out, "== three conversations"));
	assert_non_null(strstr(out, "\nquitx demo: PASSED: "));
	free(out);
	free(err);
	tu_rmtree(dir);
	free(dir);
}

/*
 * The check itself: the Bluesky peer refuses one chat message on the
 * day for good (QUITX_DEMO_FAULT=chat), so one member misses what the
 * matches say; the demo must fail (status 1), naming that member.
 */
static void
test_demo_check_fails(void **state)
{
	char	*dir = libexec(), *out = NULL, *err = NULL, *why, *tmp;
	int	 rc;

	(void)state;
	tmp = getenv("TMPDIR") != NULL ? xstrdup(getenv("TMPDIR")) : NULL;
	/* the folder it keeps for a look goes inside ours */
	setenv("TMPDIR", dir, 1);
	setenv("QUITX_DEMO_FAULT", "chat", 1);
	rc = tu_quitx(&out, &err, "demo", "--members", "40", "--speed", "4",
	    "--plain", NULL);
	unsetenv("QUITX_DEMO_FAULT");
	if (tmp != NULL)
		setenv("TMPDIR", tmp, 1);
	else
		unsetenv("TMPDIR");
	free(tmp);
	if (rc != 1 || (why = strstr(err, "quitx demo: FAILED: ")) == NULL)
		fail_msg("quitx demo exited %d, not 1:\n%s\n%s", rc, out, err);
	/* "ACCOUNT received [..." or "ACCOUNT read ...": a Bluesky member */
	why += strlen("quitx demo: FAILED: ");
	if (strncmp(why, "user", 4) != 0 || strstr(why, ".bsky.example") ==
	    NULL)
		fail_msg("the failure names no Bluesky member: %s", why);
	/* the verdict is the last line; no summary of a failed run */
	assert_null(strstr(out, "== summary"));
	assert_string_equal(why + strcspn(why, "\n"), "\n");
	free(out);
	free(err);
	tu_rmtree(dir);
	free(dir);
}

/* The demo's children share one process group: the first one's pid. */
static pid_t
children_group(pid_t demo)
{
	char		 path[300], buf[512], *p;
	pid_t		 pgid = 0;
	DIR		*proc;
	struct dirent	*e;
	FILE		*f;
	int		 ppid, pg;

	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (pgid == 0 && (e = readdir(proc)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2, "%*c %d %d", &ppid, &pg) == 2 &&
		    ppid == demo && pg != demo)
			pgid = pg;
		fclose(f);
	}
	closedir(proc);
	return pgid;
}

static void
test_demo_interrupted(void **state)
{
	char	*dir = libexec();
	pid_t	 pid, pgid = 0;
	int	 st, fd, i;

	(void)state;
	if ((pid = fork()) == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		/* its temporary folder inside ours, whatever happens */
		setenv("TMPDIR", dir, 1);
		execl(tu_quitx_bin(), tu_quitx_bin(), "demo", "--members",
		    "200", "--plain", (char *)NULL);
		_exit(127);
	}
	/* well into it: the peers and the daemon are up */
	for (i = 0; i < 100 && pgid == 0; i++) {
		usleep(100000);
		pgid = children_group(pid);
	}
	assert_true(pgid > 0);
	sleep(3);
	kill(pid, SIGINT);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 130);
	/* nothing of the group is left, not even a zombie to reap */
	assert_int_equal(kill(-pgid, 0), -1);
	assert_int_equal(errno, ESRCH);
	/* its folder went with it (no --keep), or into ours */
	tu_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(test_demo_small),
		cmocka_unit_test(test_demo_check_fails),
		cmocka_unit_test(test_demo_interrupted),
	};
	struct CMUnitTest	tests[sizeof(all) / sizeof(all[0])];
	const char		*only = getenv("TEST_FILTER");
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (only == NULL || strstr(all[i].name, only) != NULL)
			tests[n++] = all[i];
	return _cmocka_run_group_tests("demo", tests, n, NULL, NULL);
}
