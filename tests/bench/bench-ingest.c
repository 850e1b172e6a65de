/*
 * bench-ingest: a large account's follower file (5 million entries,
 * ~650 MB, made by the project's generator) into SQLite end to end, as
 * the team would: `quitx import archive --member ... FOLDER`, a fresh
 * store each run.  Reports the median edges/s and the peak RSS of the
 * quitx process (from wait4), then the same file through node's
 * JSON.parse for comparison, when node is installed (it cannot hold the
 * file in one string, so a fifth of it is timed too).  The generator
 * writes ids in no order, as X does: sorted ids would flatter SQLite.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quitx/xmalloc.h"

#define ENTRIES	5000000
#define RUNS	3

struct measured {
	int	status;		/* exit status, -1 if it did not exit */
	double	secs;
	long	rss_kib;	/* peak resident set size */
};

static double
now_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run argv with stdout and stderr to out_path; time and peak RSS. */
static struct measured
run(const char *const argv[], const char *out_path)
{
	struct measured	 m = { -1, 0, 0 };
	struct rusage	 ru;
	double		 t0 = now_seconds();
	pid_t		 pid;
	int		 st, fd;

	if ((pid = fork()) == 0) {
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (pid == -1 || wait4(pid, &st, 0, &ru) != pid)
		return m;
	m.secs = now_seconds() - t0;
	m.rss_kib = ru.ru_maxrss;
	m.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return m;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
show_output(const char *path)
{
	char	*s = tu_slurp(path);

	fprintf(stderr, "%s", s != NULL ? s : "(no output)\n");
	free(s);
}

/* node reads the file, JSON.parse, ids as BigInt: time and peak RSS. */
static void
node_parse(const char *file, int entries, const char *out)
{
	struct measured	 m;
	char		*s, *p, *nl;

	m = run((const char *[]){ "node", "-e",
	    "const t = require('fs').readFileSync(process.argv[1], 'latin1');"
	    "const a = JSON.parse(t.slice(t.indexOf('=') + 1));"
	    "const ids = a.map(e => BigInt(e.follower.accountId));"
	    "console.log(ids.length);", file, NULL }, out);
	if (m.status == 0) {
		printf("ingest: node JSON.parse of %d entries (read, parse, ids"
		    " as BigInt, no store): %.2f s, %.0f entries/s; peak RSS"
		    " %ld KiB\n", entries, m.secs, entries / m.secs, m.rss_kib);
		return;
	}
	if (m.status == 127) {
		printf("ingest: node is not installed: no comparison\n");
		return;
	}
	s = tu_slurp(out);
	p = s != NULL && strstr(s, "Error") != NULL ? strstr(s, "Error") : s;
	if (p != NULL && (nl = strchr(p, '\n')) != NULL)
		*nl = '\0';
	printf("ingest: node JSON.parse of %d entries failed after %.2f s (peak"
	    " RSS %ld KiB): %s\n", entries, m.secs, m.rss_kib,
	    p != NULL ? p : "?");
	free(s);
}

int
main(void)
{
	const char	*tools = getenv("QUITX_TOOLS");
	char		*dir = tu_tmpdir(), *gen, *out, *conf, *pop, *big, *db;
	const char	*quitx = tu_quitx_bin();
	char		*wal, *account, *at;
	char		 count[32], x_id[32] = "";
	double		 secs[RUNS], med;
	long		 rss_max = 0;
	struct measured	 m;
	struct stat	 sb;
	int		 r;

	if (tools == NULL) {
		fprintf(stderr, "bench-ingest: set QUITX_TOOLS (make bench)\n");
		return 1;
	}
	gen = xasprintf("%s/gen-archive", tools);
	out = xasprintf("%s/out.txt", dir);
	big = xasprintf("%s/pop/big", dir);
	db = xasprintf("%s/quitx.db", dir);
	wal = xasprintf("%s/quitx.db-wal", dir);
	snprintf(count, sizeof(count), "%d", ENTRIES);
	m = run((const char *[]){ gen, "--users", "0", "--big-followers", count,
	    "--out", xasprintf("%s/pop", dir), NULL }, out);
	if (m.status != 0) {
		fprintf(stderr, "bench-ingest: the generator failed\n");
		show_output(out);
		return 1;
	}
	/* the big account is a member: import it from its account.js id */
	account = tu_slurp(xasprintf("%s/data/account.js", big));
	if (account == NULL || (at = strstr(account, "\"accountId\" : \"")) ==
	    NULL || sscanf(at + 15, "%31[0-9]", x_id) != 1) {
		fprintf(stderr, "bench-ingest: no account id in account.js\n");
		return 1;
	}
	stat(xasprintf("%s/data/follower.js", big), &sb);
	conf = tu_write(dir, "quitx.conf", 0600, "store = \"%s\";\n"
	    "log_level = \"warning\";\n"
	    "accounts = ( { network = \"mastodon\"; server ="
	    " \"https://m.example\"; handle = \"HelloQuitX\"; language = \"en\";"
	    " token_file = \"%s/token\"; } );\n", db, dir);
	tu_write(dir, "token", 0600, "unused\n");
	tu_link_messages(dir);
	pop = tu_write(dir, "pop.tsv", 0600, "%s\tbigaccount\tbig@m.example\t\n",
	    x_id);
	for (r = 0; r < RUNS; r++) {
		unlink(db);
		unlink(wal);
		m = run((const char *[]){ quitx, "import", "population", "-c", conf,
		    pop, NULL }, out);
		if (m.status != 0) {
			show_output(out);
			return 1;
		}
		m = run((const char *[]){ quitx, "import", "archive", "-c", conf,
		    "--member", "big@m.example", big, NULL }, out);
		if (m.status != 0) {
			show_output(out);
			return 1;
		}
		secs[r] = m.secs;
		if (m.rss_kib > rss_max)
			rss_max = m.rss_kib;
	}
	qsort(secs, RUNS, sizeof(secs[0]), cmp_double);
	med = secs[RUNS / 2];
	printf("ingest: %d follower entries (%.0f MB) into SQLite with quitx"
	    " import archive: median %.2f s, %.0f edges/s over %d runs (fresh"
	    " store each); peak RSS %ld KiB\n", ENTRIES,
	    (double)sb.st_size / 1e6, med, ENTRIES / med, RUNS, rss_max);

	/* the same file through node's JSON.parse, for comparison */
	node_parse(xasprintf("%s/data/follower.js", big), ENTRIES, out);
	/* node cannot hold that file in a string: a fifth of it, then */
	snprintf(count, sizeof(count), "%d", ENTRIES / 5);
	m = run((const char *[]){ gen, "--users", "0", "--big-followers", count,
	    "--out", xasprintf("%s/small", dir), NULL }, out);
	if (m.status == 0)
		node_parse(xasprintf("%s/small/big/data/follower.js", dir),
		    ENTRIES / 5, out);
	tu_rmtree(dir);
	return 0;
}
