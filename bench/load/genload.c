/* SPDX-License-Identifier: MIT */
/*
 * bench/load/genload.c - access logs and a matching database export at
 * the scale of the load benchmark (bench/load/run.sh): many tokens, many
 * client addresses and many requests in flight on every node.
 *
 *   genload [--mb N] [--nodes N] [--days N] [--tokens N] [--addresses N]
 *           [--open N] OUTDIR
 *
 * writes OUTDIR/logs/nodeK/atlassian-bitbucket-access-2024-05-DD.0.log.gz
 * (N MB of text in all, default 10240, gzip level 1) and OUTDIR/csv/ for
 * "tokentrail snapshot --from-csv".  Request k of the whole set uses token
 * k mod tokens and address k * 7919 mod addresses, so every token and
 * every address appears once the set has that many requests.  Each node
 * keeps --open requests started and not yet ended: the i line of request
 * j is followed by the o line of request j - open.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#define N_USERS    2000
#define N_PROJECTS 100
#define N_REPOS    1000
#define FIRST_USER 1000
#define TOKEN_BASE 100000000000LL
#define ADDR_STEP  7919 /* prime, so k * step covers every address */
#define DAY_MS     86400000LL

struct config {
	long long mb, nodes, days, tokens, addresses, open;
	const char *dir;
};

/* One node's day file being written. */
struct day_file {
	gzFile gz;
	const struct config *cfg;
	int node, day;
	long long first;   /* global index of the file's first request */
	long long n_req;   /* requests in the file */
	long long step_ms; /* time between two starts */
};

static void
die(const char *msg)
{
	fprintf(stderr, "genload: %s\n", msg);
	exit(1);
}

static void
make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && access(path, F_OK) != 0)
		die("could not create a directory");
}

/* The request's fields, from its global index k. */
static void
request_text(const struct config *cfg, long long k, char *addr, size_t addr_cap,
    char *path, size_t path_cap)
{
	long long a = (k * ADDR_STEP) % cfg->addresses;
	long long r = k % N_REPOS;

	snprintf(addr, addr_cap, "10.%lld.%lld.%lld", (a >> 16) & 255,
	    (a >> 8) & 255, a & 255);
	snprintf(path, path_cap,
	    "/rest/api/1.0/projects/P%lld/repos/repo-%lld/commits?limit=25",
	    r % N_PROJECTS, r);
}

/* Write the i (start) or o (end) line of request j of the file. */
static void
write_line(struct day_file *f, long long j, bool is_end)
{
	const struct config *cfg = f->cfg;
	long long k = f->first + j * cfg->nodes;
	long long start_ms = j * f->step_ms;
	long long t_ms = start_ms + (is_end ? cfg->open * f->step_ms : 0);
	long long tok = k % cfg->tokens;
	char addr[32], path[128], line[1024];
	int n;

	request_text(cfg, k, addr, sizeof(addr), path, sizeof(path));
	n = snprintf(line, sizeof(line),
	    "%s,172.16.0.%d | https | %c*NODE%03dx%lldx%lldx%lld | %s | "
	    "2024-05-%02d %02lld:%02lld:%02lld,%03lld | \"GET %s HTTP/1.1\" "
	    "| \"\" \"load-client/1.%lld\" | ",
	    addr, f->node, is_end ? 'o' : 'i', f->node, start_ms / 60000, j,
	    cfg->open, is_end ? "user" : "-", f->day + 1, t_ms / 3600000,
	    t_ms / 60000 % 60, t_ms / 1000 % 60, t_ms % 1000, path, tok % 50);
	if (is_end)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    "200 | 0 | %lld | access-token:id:%012lld | %lld | s%lld |\n",
		    1000 + k % 9000, TOKEN_BASE + tok, 5 + k % 300, k % 997);
	else
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    "- | - | - | - | - | s%lld |\n", k % 997);
	if (gzwrite(f->gz, line, (unsigned)n) != n)
		die("could not write a log file");
}

/* One file: starts, each followed by the end of the request started
 * --open requests earlier; the ends still open are written last. */
static void
write_day(struct day_file *f)
{
	long long open = f->cfg->open;

	for (long long j = 0; j < f->n_req; j++) {
		write_line(f, j, false);
		if (j >= open)
			write_line(f, j - open, true);
	}
	for (long long j = f->n_req > open ? f->n_req - open : 0; j < f->n_req;
	     j++)
		write_line(f, j, true);
}

/* Write every day file of one node. */
static void
write_node(const struct config *cfg, int node, long long n_per_file)
{
	char path[4096];

	for (int day = 0; day < cfg->days; day++) {
		struct day_file f = { .cfg = cfg, .node = node, .day = day };

		f.first = ((long long)day * n_per_file) * cfg->nodes + node;
		f.n_req = n_per_file;
		f.step_ms = DAY_MS / (n_per_file + cfg->open + 1);
		if (f.step_ms == 0)
			f.step_ms = 1;
		snprintf(path, sizeof(path),
		    "%s/logs/node%d/atlassian-bitbucket-access-2024-05-%02d.0."
		    "log.gz",
		    cfg->dir, node, day + 1);
		f.gz = gzopen(path, "wb1");
		if (!f.gz)
			die("could not create a log file");
		write_day(&f);
		if (gzclose(f.gz) != Z_OK)
			die("could not write a log file");
	}
}

/* Open OUTDIR/csv/NAME.csv and write its header row. */
static FILE *
csv_open(const struct config *cfg, const char *name, const char *header)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/csv/%s.csv", cfg->dir, name);
	fp = fopen(path, "w");
	if (!fp)
		die("could not create a CSV file");
	fprintf(fp, "%s\n", header);
	return fp;
}

static void
csv_close(FILE *fp)
{
	if (fclose(fp) != 0)
		die("could not write a CSV file");
}

/* Tokens: personal, one REPO_READ permission each (0 = REPO_READ). */
static void
write_tokens(const struct config *cfg)
{
	FILE *t = csv_open(cfg, "AO_E5A814_ACCESS_TOKEN",
	    "CREATED_DATE,EXPIRY_DAYS,HASHED_TOKEN,LAST_AUTHENTICATED,NAME,"
	    "TOKEN_ID,USER_ID");
	FILE *p = csv_open(cfg, "AO_E5A814_ACCESS_TOKEN_PERM",
	    "FK_ACCESS_TOKEN_ID,ID,PERMISSION");

	for (long long i = 0; i < cfg->tokens; i++) {
		fprintf(t,
		    "2024-01-01 00:00:00.000,90,{PKCS5S2}h%lld,,load-%lld,"
		    "%012lld,%lld\n",
		    i, i, TOKEN_BASE + i, FIRST_USER + i % N_USERS);
		fprintf(p, "%012lld,%lld,0\n", TOKEN_BASE + i, i + 1);
	}
	csv_close(t);
	csv_close(p);
}

/* Users, projects and repositories; the permission tables stay empty. */
static void
write_catalog(const struct config *cfg)
{
	FILE *fp = csv_open(cfg, "sta_normal_user",
	    "user_id,name,slug,locale,deleted_timestamp,time_zone");

	for (int i = 0; i < N_USERS; i++)
		fprintf(fp, "%d,user%d,user%d,,,\n", FIRST_USER + i, i, i);
	csv_close(fp);
	fp = csv_open(cfg, "project",
	    "id,name,project_key,description,project_type,namespace");
	for (int i = 0; i < N_PROJECTS; i++)
		fprintf(fp, "%d,Project %d,P%d,,0,#\n", i + 1, i, i);
	csv_close(fp);
	fp = csv_open(cfg, "repository",
	    "id,slug,name,state,project_id,scm_id,hierarchy_id,is_forkable,"
	    "is_public,store_id,description,partition_id,is_read_only,"
	    "is_archived");
	for (int i = 0; i < N_REPOS; i++)
		fprintf(fp, "%d,repo-%d,repo-%d,1,%d,git,h%d,t,f,,,,f,f\n",
		    i + 1, i, i, i % N_PROJECTS + 1, i);
	csv_close(fp);
	csv_close(csv_open(cfg, "sta_service_user",
	    "user_id,display_name,active,name,slug,email_address,label"));
	csv_close(csv_open(cfg, "sta_project_permission",
	    "id,perm_id,project_id,group_name,user_id"));
	csv_close(csv_open(cfg, "sta_repo_permission",
	    "id,perm_id,repo_id,group_name,user_id"));
	csv_close(csv_open(cfg, "sta_personal_project", "project_id,owner_id"));
}

static long long
number(const char *text)
{
	char *end;
	long long v = strtoll(text, &end, 10);

	if (*text == '\0' || *end != '\0' || v <= 0)
		die("options take positive whole numbers");
	return v;
}

static void
parse_args(struct config *cfg, int argc, char **argv)
{
	static const char *const names[] = { "--mb", "--nodes", "--days",
		"--tokens", "--addresses", "--open" };
	long long *fields[] = { &cfg->mb, &cfg->nodes, &cfg->days, &cfg->tokens,
		&cfg->addresses, &cfg->open };
	int i = 1;

	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		size_t k = 0;

		while (k < 6 && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k == 6)
			die("unknown option");
		*fields[k] = number(argv[i + 1]);
	}
	if (i + 1 != argc)
		die("usage: genload [--mb N] [--nodes N] [--days N] "
		    "[--tokens N] [--addresses N] [--open N] OUTDIR");
	cfg->dir = argv[i];
}

int
main(int argc, char **argv)
{
	struct config cfg = { 10240, 4, 10, 100000, 1000000, 1000, NULL };
	/* An i and an o line take about 470 bytes together. */
	long long n_req, n_per_file;
	char path[4096];
	int status, failed = 0;

	parse_args(&cfg, argc, argv);
	n_req = cfg.mb * 1000000 / 470;
	n_per_file = n_req / (cfg.nodes * cfg.days);
	if (n_per_file < 1)
		n_per_file = 1;
	make_dir(cfg.dir);
	snprintf(path, sizeof(path), "%s/logs", cfg.dir);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/csv", cfg.dir);
	make_dir(path);
	write_tokens(&cfg);
	write_catalog(&cfg);
	for (int node = 0; node < cfg.nodes; node++) {
		snprintf(path, sizeof(path), "%s/logs/node%d", cfg.dir, node);
		make_dir(path);
		if (fork() == 0) {
			write_node(&cfg, node, n_per_file);
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	return failed;
}
