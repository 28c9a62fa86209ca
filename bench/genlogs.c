/* SPDX-License-Identifier: MIT */
/*
 * bench/genlogs.c - a deterministic generator of a realistic Bitbucket
 * Data Center access-log set and the matching database export, for the
 * analyze benchmark (make bench).
 *
 *   genlogs [--mb N] [--seed N] [--jobs N] OUTDIR
 *
 * writes OUTDIR/logs/atlassian-bitbucket-access-2024-05-DD.0.log.gz for
 * ten days (N MB of text in all, default 1500; gzip level 6) and
 * OUTDIR/csv/TABLE.csv as psql's \copy ... WITH (FORMAT csv, HEADER)
 * writes them, for "tokentrail snapshot --from-csv".  Lines are layout B
 * with i/o pairs of one cluster node; the same seed gives the same bytes.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#define N_DAYS      10
#define N_USERS     2000
#define N_PROJECTS  150
#define N_PERSONAL  120 /* users with a personal project */
#define N_REPOS     2400
#define N_TOKENS    3000
#define N_LOG_ONLY  150 /* tokens seen in logs, revoked since */
#define MAX_PENDING 256 /* requests in flight */
#define DAY_MS      86400000LL
#define TOKEN_SHARE 0.10 /* of requests authenticated by a token */
#define GZ_CHUNK    (256 * 1024)
#define NODE_ID     "B7Q2KXM"
#define RESTART_DAY 6 /* the node restarts once, on this day */

/* xoshiro256** seeded through splitmix64: small, fast, well tested. */
struct rng {
	uint64_t s[4];
};

struct user {
	int id;
	char name[40];
	bool is_ci; /* a build agent account */
};

struct project {
	int id;
	char key[24];
	char name[64];
	int owner; /* user index for a personal project, else -1 */
};

struct repo {
	int id;
	int project; /* index into world.projects */
	char slug[64];
};

enum token_kind {
	PERSONAL,
	PROJECT_TOKEN,
	REPO_TOKEN
};

struct token {
	char id[13];
	enum token_kind kind;
	int user;    /* owner (personal) */
	int project; /* scope (project token) */
	int repo;    /* scope (repository token), or a favourite repo */
	int svc_id;  /* service user id (project and repository tokens) */
	int ip;      /* index into client addresses: where it runs */
	int agent;   /* index into tool agents */
	bool is_in_snapshot;
	bool is_rest; /* mostly calls REST, not git */
};

struct world {
	struct user users[N_USERS];
	struct project projects[N_PROJECTS + N_PERSONAL];
	int n_projects;
	struct repo repos[N_REPOS];
	struct token tokens[N_TOKENS + N_LOG_ONLY];
	uint32_t addrs[512]; /* client addresses */
};

struct gzout {
	FILE *fp;
	z_stream s;
	unsigned char buf[GZ_CHUNK];
	uint64_t bytes_in;
};

struct pending {
	long long end_ms;
	size_t len;
	char line[2048];
};

/* One day of one node: the log writer's state. */
struct day {
	struct rng rng;
	struct gzout *out;
	int day; /* 1-based day of May 2024 */
	long long counter;
	struct pending pend[MAX_PENDING];
	int n_pend;
	bool has_restarted;
};

/* The parts of one request, as they go into its i and o lines. */
struct req {
	char addr[64];
	const char *proto;
	char user[64];
	bool is_user_on_i; /* SSH knows the user when it starts */
	char action[512];
	char details[512];
	int status;
	long long bytes_read, bytes_written;
	char labels[512];
	int duration;
	char session[12];
};

static const char *const first_names[] = { "anna", "ben", "carla", "david",
	"elena", "felix", "grace", "hugo", "ines", "jonas", "kate", "liam",
	"maria", "noah", "olga", "paul", "qing", "rosa", "sam", "tara", "umar",
	"vera", "will", "xenia", "yusuf", "zoe", "adam", "bella", "chris",
	"dana", "emil", "fatima", "georg", "hana", "igor", "julia", "kai",
	"lena", "marco", "nina" };
static const char *const last_names[] = { "smith", "mueller", "garcia", "rossi",
	"kowalski", "nguyen", "schmidt", "dubois", "jensen", "silva", "tanaka",
	"novak", "ivanova", "murphy", "larsen", "weber", "fischer", "moreau",
	"costa", "khan", "berg", "lindqvist", "horvat", "popescu", "meyer",
	"wagner", "becker", "hoffmann", "keller", "richter", "klein", "wolf",
	"neumann", "schwarz", "zimmermann", "braun", "krueger", "hartmann",
	"lange", "werner", "krause", "lehmann", "koehler", "maier", "koenig",
	"walter", "peters", "jung", "hahn", "vogel", "fuchs", "roth", "bauer",
	"frank", "beck", "lorenz", "baumann", "franke", "albrecht", "ludwig" };
static const char *const words[] = { "core", "api", "web", "mobile", "data",
	"auth", "billing", "search", "infra", "deploy", "gateway", "payments",
	"ledger", "catalog", "orders", "users", "events", "metrics", "docs",
	"portal", "admin", "sync", "import", "export", "report", "mail",
	"notify", "cache", "queue", "worker", "scheduler", "config", "build",
	"tools", "shared", "common", "client", "server", "edge", "proxy",
	"vault", "audit", "identity", "inventory", "pricing", "shipping",
	"analytics", "ml", "etl", "frontend" };
static const char *const project_keys[] = { "PLAT", "INFRA", "WEB", "MOB",
	"DATA", "SEC", "PAY", "OPS", "CORE", "API", "ML", "QA", "DOC", "HR",
	"FIN", "CRM", "ERP", "IOT", "NET", "DEV", "SRE", "ARCH", "UX", "BI",
	"CLOUD", "EDGE", "AUTH", "SHOP", "LOG", "MAIL" };
static const char *const git_agents[] = { "git/2.39.2", "git/2.43.0",
	"git/2.44.0", "git/2.45.1", "git/2.34.1", "JGit/6.5.0.202303070854-r",
	"git/2.39.3 (Apple Git-146)", "git/2.44.0.windows.1" };
static const char *const tool_agents[] = { "curl/8.6.0", "curl/7.88.1",
	"python-requests/2.31.0", "Apache-HttpClient/4.5.14 (Java/17.0.9)",
	"Jenkins/2.440.3", "Go-http-client/1.1", "git/2.43.0",
	"renovate/37.340.9", "Bitbucket Server Webhook", "okhttp/4.12.0" };
static const char *const browsers[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
	"(KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 "
	"Firefox/125.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 "
	"Firefox/126.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
	"(KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
};
static const char *const ssh_banners[] = { "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3",
	"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6", "SSH-2.0-OpenSSH_9.7",
	"SSH-2.0-JSCH-0.1.54", "SSH-2.0-OpenSSH_for_Windows_8.1" };
static const char *const token_names[] = { "jenkins", "ci read-only", "deploy",
	"renovate", "backup mirror", "release bot", "sonar scan",
	"Deploy, prod", "Émile's \"bot\"", "terraform", "argo cd", "nightly" };
static const char *const proxies[] = { "172.16.1.187", "172.16.1.188",
	"10.255.11.6" };

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n). */
static int
rng_below(struct rng *r, int n)
{
	return (int)((rng_next(r) >> 11) % (uint64_t)n);
}

/* Uniform in [0, 1). */
static double
rng_real(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static bool
rng_chance(struct rng *r, double p)
{
	return rng_real(r) < p;
}

/* Log-normal with the given median, for sizes and durations. */
static long long
rng_lognormal(struct rng *r, double median, double sigma)
{
	double u1 = rng_real(r) + 1e-12, u2 = rng_real(r);
	double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);

	return (long long)(median * exp(sigma * z)) + 1;
}

/* Skewed pick in [0, n): low indexes much more often (about Zipf). */
static int
rng_skewed(struct rng *r, int n)
{
	double x = pow(rng_real(r), 2.5);

	return (int)(x * n);
}

#define PICK(r, a) ((a)[rng_below((r), (int)(sizeof(a) / sizeof((a)[0])))])

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("genlogs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- the world: users, projects, repositories, tokens ---- */

static void
make_users(struct world *w)
{
	int nf = (int)(sizeof(first_names) / sizeof(first_names[0]));
	int nl = (int)(sizeof(last_names) / sizeof(last_names[0]));

	for (int i = 0; i < N_USERS; i++) {
		struct user *u = &w->users[i];

		u->id = 101 + i;
		u->is_ci = i % 50 == 7;
		if (u->is_ci)
			snprintf(u->name, sizeof(u->name), "%s_agent%d",
			    words[i % 50], i / 50);
		else
			snprintf(u->name, sizeof(u->name), "%s.%s",
			    first_names[i % nf], last_names[(i / nf) % nl]);
	}
}

static void
make_projects(struct world *w, struct rng *r)
{
	int nk = (int)(sizeof(project_keys) / sizeof(project_keys[0]));

	for (int i = 0; i < N_PROJECTS; i++) {
		struct project *p = &w->projects[i];

		p->id = 1 + i;
		p->owner = -1;
		if (i < nk)
			snprintf(p->key, sizeof(p->key), "%s", project_keys[i]);
		else
			snprintf(p->key, sizeof(p->key), "%s%d",
			    project_keys[i % nk], i / nk + 1);
		snprintf(p->name, sizeof(p->name), "%c%s %s", 'A' + i % 26,
		    PICK(r, words), PICK(r, words));
	}
	for (int i = 0; i < N_PERSONAL; i++) {
		struct project *p = &w->projects[N_PROJECTS + i];
		int owner = i * 13 % N_USERS;

		p->id = 1001 + i;
		p->owner = owner;
		snprintf(p->key, sizeof(p->key), "~%s", w->users[owner].name);
		for (char *c = p->key; *c != '\0'; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		snprintf(p->name, sizeof(p->name), "%s", w->users[owner].name);
	}
	w->n_projects = N_PROJECTS + N_PERSONAL;
}

/* Repositories: most in normal projects, some personal. */
static void
make_repos(struct world *w)
{
	int nw = (int)(sizeof(words) / sizeof(words[0]));

	for (int i = 0; i < N_REPOS; i++) {
		struct repo *rp = &w->repos[i];

		rp->id = 1 + i;
		if (i % 10 == 9)
			rp->project = N_PROJECTS + (i / 10) % N_PERSONAL;
		else
			rp->project = i % N_PROJECTS;
		snprintf(rp->slug, sizeof(rp->slug), "%s-%s", words[i % nw],
		    words[(i * 7 + i / nw + 3) % nw]);
		if (i >= nw * nw / 2)
			snprintf(rp->slug + strlen(rp->slug),
			    sizeof(rp->slug) - strlen(rp->slug), "-%d", i);
	}
}

static void
make_token(struct world *w, struct rng *r, struct token *t, int i)
{
	static int svc_next = 20001;

	snprintf(t->id, sizeof(t->id), "%012llu",
	    (unsigned long long)(rng_next(r) % 1000000000000ULL));
	if (i % 40 == 3)
		t->id[0] = '0';
	t->user = rng_below(r, N_USERS);
	t->repo = rng_below(r, N_REPOS);
	t->project = w->repos[t->repo].project;
	t->ip = rng_below(r, 64); /* build servers: the first addresses */
	t->agent =
	    rng_below(r, (int)(sizeof(tool_agents) / sizeof(tool_agents[0])));
	t->is_rest = rng_chance(r, 0.2);
	t->is_in_snapshot = i < N_TOKENS;
	switch (rng_below(r, 10)) {
	case 0:
	case 1:
		t->kind = PROJECT_TOKEN;
		t->svc_id = svc_next++;
		break;
	case 2:
	case 3:
	case 4:
		t->kind = REPO_TOKEN;
		t->svc_id = svc_next++;
		break;
	default:
		t->kind = PERSONAL;
		t->svc_id = 0;
	}
	/* Personal projects get repository tokens only. */
	if (t->kind == PROJECT_TOKEN && w->projects[t->project].owner >= 0)
		t->kind = REPO_TOKEN;
}

/*
 * Tokens of one repository or project share one service user: reuse the
 * first one's id, as Bitbucket does.
 */
static void
share_service_users(struct world *w)
{
	for (int i = 1; i < N_TOKENS + N_LOG_ONLY; i++) {
		struct token *t = &w->tokens[i];

		for (int j = 0; j < i && t->kind != PERSONAL; j++) {
			struct token *o = &w->tokens[j];

			if (o->kind == t->kind &&
			    (t->kind == REPO_TOKEN
			            ? o->repo == t->repo
			            : o->project == t->project)) {
				t->svc_id = o->svc_id;
				break;
			}
		}
	}
}

static void
make_world(struct world *w, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, seed);
	make_users(w);
	make_projects(w, &r);
	make_repos(w);
	for (int i = 0; i < N_TOKENS + N_LOG_ONLY; i++)
		make_token(w, &r, &w->tokens[i], i);
	share_service_users(w);
	for (int i = 0; i < 512; i++)
		w->addrs[i] = i < 64
		    ? 0x0a140000u | (uint32_t)rng_below(&r, 65536)
		    : 0x0a000000u | (uint32_t)rng_below(&r, 1 << 24);
	/* a few addresses from outside, seen through the proxies */
	for (int i = 480; i < 512; i++)
		w->addrs[i] = 0xc6336400u | (uint32_t)rng_below(&r, 256);
}

/* ---- gzip output ---- */

static void
gzout_open(struct gzout *g, const char *path)
{
	memset(&g->s, 0, sizeof(g->s));
	g->bytes_in = 0;
	g->fp = fopen(path, "wb");
	if (g->fp == NULL)
		die("could not create \"%s\": %s", path, strerror(errno));
	if (deflateInit2(
	        &g->s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("could not start compression");
}

static void
gzout_deflate(struct gzout *g, const void *data, size_t len, int flush)
{
	int rc;

	g->s.next_in = (unsigned char *)(uintptr_t)data;
	g->s.avail_in = (uInt)len;
	do {
		g->s.next_out = g->buf;
		g->s.avail_out = sizeof(g->buf);
		rc = deflate(&g->s, flush);
		if (rc == Z_STREAM_ERROR)
			die("compression failed");
		if (fwrite(g->buf, 1, sizeof(g->buf) - g->s.avail_out, g->fp) !=
		    sizeof(g->buf) - g->s.avail_out)
			die("could not write: %s", strerror(errno));
	} while (g->s.avail_out == 0);
	g->bytes_in += len;
}

static void
gzout_close(struct gzout *g)
{
	gzout_deflate(g, "", 0, Z_FINISH);
	deflateEnd(&g->s);
	if (fclose(g->fp) != 0)
		die("could not write: %s", strerror(errno));
}

/* ---- one request ---- */

static void
format_addr(char *buf, size_t size, uint32_t a)
{
	snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
	    (a >> 8) & 255, a & 255);
}

/* Client address, sometimes behind a proxy chain. */
static void
set_addr(struct req *q, struct rng *r, const struct world *w, int idx)
{
	uint32_t a = w->addrs[idx];

	format_addr(q->addr, sizeof(q->addr), a);
	if ((a >> 24) == 198 || rng_chance(r, 0.25))
		snprintf(q->addr + strlen(q->addr),
		    sizeof(q->addr) - strlen(q->addr), ",%s", PICK(r, proxies));
}

static void
set_session(struct req *q, struct rng *r, bool has_session)
{
	static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	int n = 6 + rng_below(r, 2);

	if (!has_session) {
		snprintf(q->session, sizeof(q->session), "-");
		return;
	}
	for (int i = 0; i < n; i++)
		q->session[i] = b36[rng_below(r, 36)];
	q->session[n] = '\0';
}

/* The project key as a URL shows it: git clients often lower-case it. */
static void
url_key(char *buf, size_t size, const char *key, bool lower)
{
	size_t i;

	for (i = 0; key[i] != '\0' && i + 1 < size; i++)
		buf[i] = lower && key[i] >= 'A' && key[i] <= 'Z'
		    ? (char)(key[i] - 'A' + 'a')
		    : key[i];
	buf[i] = '\0';
}

/* Git over HTTP: ref advertisement, fetch/clone or push. */
static void
git_http(struct req *q, struct rng *r, const struct world *w, int repo)
{
	const struct repo *rp = &w->repos[repo];
	char key[32];
	int op = rng_below(r, 10);

	url_key(
	    key, sizeof(key), w->projects[rp->project].key, rng_chance(r, 0.5));
	q->proto = rng_chance(r, 0.95) ? "https" : "http";
	if (op < 5) {
		snprintf(q->action, sizeof(q->action),
		    "\"GET /scm/%s/%s.git/info/refs?service=git-upload-pack "
		    "HTTP/1.1\"",
		    key, rp->slug);
		snprintf(q->labels, sizeof(q->labels), "refs, protocol:2");
		q->bytes_written = rng_lognormal(r, 3000, 1.2);
		q->duration = (int)rng_lognormal(r, 25, 0.8);
	} else if (op < 9) {
		bool clone = rng_chance(r, 0.3);

		snprintf(q->action, sizeof(q->action),
		    "\"POST /scm/%s/%s.git/git-upload-pack HTTP/1.1\"", key,
		    rp->slug);
		snprintf(q->labels, sizeof(q->labels), "%s, %s, protocol:2",
		    clone ? "clone" : "fetch",
		    rng_chance(r, 0.6) ? "cache:hit" : "cache:miss");
		q->bytes_read = rng_lognormal(r, 900, 1.0);
		q->bytes_written = rng_lognormal(r, clone ? 4e7 : 2e4, 1.5);
		q->duration = (int)rng_lognormal(r, clone ? 4000 : 150, 1.0);
	} else {
		snprintf(q->action, sizeof(q->action),
		    "\"POST /scm/%s/%s.git/git-receive-pack HTTP/1.1\"", key,
		    rp->slug);
		snprintf(q->labels, sizeof(q->labels), "push");
		q->bytes_read = rng_lognormal(r, 5e4, 1.8);
		q->bytes_written = rng_lognormal(r, 400, 0.5);
		q->duration = (int)rng_lognormal(r, 900, 1.0);
	}
	q->status = 200;
}

static void
rest_call(struct req *q, struct rng *r, const struct world *w, int repo)
{
	static const char *const reads[] = { "pull-requests?state=OPEN",
		"commits?limit=25", "branches?orderBy=MODIFICATION",
		"browse/README.md", "tags", "pull-requests/activities",
		"settings/hooks", "permissions/users" };
	const struct repo *rp = &w->repos[repo];
	char tail[128];
	bool write = rng_chance(r, 0.15);

	if (write)
		snprintf(tail, sizeof(tail), "pull-requests/%d/comments",
		    1 + rng_below(r, 3000));
	else
		snprintf(tail, sizeof(tail), "%s", PICK(r, reads));
	q->proto = "https";
	snprintf(q->action, sizeof(q->action),
	    "\"%s /rest/api/%s/projects/%s/repos/%s/%s HTTP/1.1\"",
	    write ? "POST" : "GET", rng_chance(r, 0.7) ? "1.0" : "latest",
	    w->projects[rp->project].key, rp->slug, tail);
	q->status = write ? 201 : 200;
	q->bytes_read = write ? rng_lognormal(r, 600, 0.7) : 0;
	q->bytes_written = rng_lognormal(r, 4000, 1.3);
	q->duration = (int)rng_lognormal(r, 60, 1.0);
	snprintf(q->labels, sizeof(q->labels), "-");
}

/* A request made with an HTTP access token. */
static void
token_request(struct req *q, struct rng *r, const struct world *w)
{
	int ti = rng_skewed(r, N_TOKENS + N_LOG_ONLY);
	const struct token *t = &w->tokens[ti];
	int repo = t->kind == REPO_TOKEN ? t->repo : rng_below(r, N_REPOS);
	char labels[sizeof(q->labels)];

	if (t->kind == PROJECT_TOKEN)
		while (w->repos[repo].project != t->project)
			repo = (repo + 1) % N_REPOS;
	set_addr(q, r, w, t->ip);
	if (t->is_rest || rng_chance(r, 0.1))
		rest_call(q, r, w, repo);
	else
		git_http(q, r, w, repo);
	snprintf(q->details, sizeof(q->details), "\"\" \"%s\"",
	    tool_agents[t->agent]);
	if (t->kind == PERSONAL)
		snprintf(
		    q->user, sizeof(q->user), "%s", w->users[t->user].name);
	else
		snprintf(q->user, sizeof(q->user), "access-token-user/%d/%d",
		    t->kind == PROJECT_TOKEN ? 1 : 2,
		    t->kind == PROJECT_TOKEN ? w->projects[t->project].id
		                             : w->repos[repo].id);
	if (rng_chance(r, 0.03))
		q->status = rng_chance(r, 0.7) ? 403 : 404;
	memcpy(labels, q->labels, sizeof(labels));
	snprintf(q->labels, sizeof(q->labels), "%saccess-token:id:%s%s%.400s",
	    rng_chance(r, 0.5) ? "" : "async, ", t->id,
	    strcmp(labels, "-") == 0 ? "" : ", ",
	    strcmp(labels, "-") == 0 ? "" : labels);
	set_session(q, r, false);
}

/* A person or build agent using git over HTTP or REST. */
static void
user_request(struct req *q, struct rng *r, const struct world *w)
{
	int ui = rng_skewed(r, N_USERS);
	int repo = rng_skewed(r, N_REPOS);

	set_addr(q, r, w, 64 + ui % 448);
	if (rng_chance(r, 0.25)) {
		rest_call(q, r, w, repo);
		snprintf(q->details, sizeof(q->details), "\"\" \"%s\"",
		    PICK(r, tool_agents));
	} else {
		git_http(q, r, w, repo);
		snprintf(q->details, sizeof(q->details), "\"\" \"%s\"",
		    PICK(r, git_agents));
	}
	/* The unauthenticated first attempt of a git client. */
	if (rng_chance(r, 0.3)) {
		snprintf(q->user, sizeof(q->user), "-");
		snprintf(q->labels, sizeof(q->labels), "-");
		q->status = 401;
		q->bytes_read = 0;
		q->bytes_written = 0;
		q->duration = (int)rng_lognormal(r, 4, 0.5);
	} else {
		snprintf(q->user, sizeof(q->user), "%s", w->users[ui].name);
	}
	set_session(q, r, false);
}

static void
web_request(struct req *q, struct rng *r, const struct world *w)
{
	static const char *const pages[] = { "browse", "pull-requests",
		"commits", "pull-requests/1/overview",
		"browse/src/main/App.java?at=refs%2Fheads%2Fmain" };
	int ui = rng_skewed(r, N_USERS), repo = rng_skewed(r, N_REPOS);
	char path[300];

	set_addr(q, r, w, 64 + ui % 448);
	q->proto = "https";
	snprintf(path, sizeof(path), "/projects/%s/repos/%s/%s",
	    w->projects[w->repos[repo].project].key, w->repos[repo].slug,
	    PICK(r, pages));
	if (rng_chance(r, 0.15))
		snprintf(path, sizeof(path), "%s",
		    rng_chance(r, 0.5) ? "/dashboard" : "/status");
	snprintf(q->action, sizeof(q->action), "\"GET %s HTTP/1.1\"", path);
	snprintf(q->details, sizeof(q->details),
	    "\"https://bitbucket.example.com/dashboard\" \"%s\"",
	    PICK(r, browsers));
	snprintf(q->user, sizeof(q->user), "%s", w->users[ui].name);
	q->status = rng_chance(r, 0.02) ? 404 : 200;
	q->bytes_written = rng_lognormal(r, 20000, 1.2);
	q->duration = (int)rng_lognormal(r, 80, 1.0);
	snprintf(q->labels, sizeof(q->labels), "-");
	set_session(q, r, true);
}

static void
ssh_request(struct req *q, struct rng *r, const struct world *w)
{
	int ui = rng_skewed(r, N_USERS), repo = rng_skewed(r, N_REPOS);
	const struct repo *rp = &w->repos[repo];
	bool push = rng_chance(r, 0.12);
	char key[32];

	url_key(key, sizeof(key), w->projects[rp->project].key, true);
	set_addr(q, r, w, 64 + ui % 448);
	q->proto = "ssh";
	q->is_user_on_i = true;
	snprintf(q->user, sizeof(q->user), "%s", w->users[ui].name);
	snprintf(q->action, sizeof(q->action), "SSH - %s '/%s/%s.git'",
	    push ? "git-receive-pack" : "git-upload-pack", key, rp->slug);
	snprintf(
	    q->details, sizeof(q->details), "\"%s\"", PICK(r, ssh_banners));
	q->status = 0;
	q->bytes_read = rng_lognormal(r, push ? 5e4 : 900, 1.5);
	q->bytes_written = rng_lognormal(r, push ? 400 : 2e5, 1.8);
	if (rng_chance(r, 0.5))
		snprintf(q->labels, sizeof(q->labels), "%s, ssh:user:id:%d",
		    push ? "push" : "fetch", w->users[ui].id);
	else
		snprintf(q->labels, sizeof(q->labels),
		    "cache:miss, %s, ssh:id:%d, ssh:label:'%s@laptop'",
		    push ? "push" : "clone", 500 + ui, w->users[ui].name);
	q->duration = (int)rng_lognormal(r, 700, 1.2);
	set_session(q, r, true);
}

static void
make_request(struct req *q, struct rng *r, const struct world *w)
{
	double x = rng_real(r);

	memset(q, 0, sizeof(*q));
	if (x < TOKEN_SHARE)
		token_request(q, r, w);
	else if (x < 0.45)
		user_request(q, r, w);
	else if (x < 0.75)
		web_request(q, r, w);
	else
		ssh_request(q, r, w);
}

/* ---- the day's log ---- */

static size_t
format_time(char *buf, size_t size, int day, long long ms)
{
	long long s = ms / 1000;

	return (size_t)snprintf(buf, size,
	    "2024-05-%02d %02lld:%02lld:%02lld,%03lld", day + (int)(s / 86400),
	    s / 3600 % 24, s / 60 % 60, s % 60, ms % 1000);
}

/* One line of a request: io is 'i' or 'o'. */
static size_t
format_line(char *buf, size_t size, const struct day *d, const struct req *q,
    char io, long long start_ms, long long at_ms, int conc)
{
	char when[32];
	int n;

	format_time(when, sizeof(when), d->day, at_ms);
	n = snprintf(buf, size,
	    "%s | %s | %c*%sx%lldx%lldx%d | %s | %s | %s | %s | ", q->addr,
	    q->proto, io, NODE_ID, start_ms / 60000 % 1440, d->counter, conc,
	    io == 'o' || q->is_user_on_i ? q->user : "-", when, q->action,
	    q->details);
	if (io == 'i')
		n += snprintf(buf + n, size - (size_t)n,
		    "- | - | - | - | - | %s |\n", q->session);
	else
		n += snprintf(buf + n, size - (size_t)n,
		    "%d | %lld | %lld | %s | %d | %s |\n", q->status,
		    q->bytes_read, q->bytes_written, q->labels, q->duration,
		    q->session);
	if (n < 0 || (size_t)n >= size)
		die("line too long");
	return (size_t)n;
}

/* Write every pending o line that ends before now, in time order. */
static void
flush_pending(struct day *d, long long now)
{
	for (;;) {
		int best = -1;

		for (int i = 0; i < d->n_pend; i++)
			if (d->pend[i].end_ms <= now &&
			    (best < 0 ||
			        d->pend[i].end_ms < d->pend[best].end_ms))
				best = i;
		if (best < 0)
			return;
		gzout_deflate(
		    d->out, d->pend[best].line, d->pend[best].len, Z_NO_FLUSH);
		d->pend[best] = d->pend[--d->n_pend];
	}
}

static void
emit_request(struct day *d, const struct world *w, long long start)
{
	char line[2048];
	struct req q;
	struct pending *p;
	size_t len;

	make_request(&q, &d->rng, w);
	flush_pending(d, start);
	if (d->n_pend == MAX_PENDING)
		flush_pending(d, LLONG_MAX);
	d->counter++;
	len = format_line(
	    line, sizeof(line), d, &q, 'i', start, start, d->n_pend);
	gzout_deflate(d->out, line, len, Z_NO_FLUSH);
	p = &d->pend[d->n_pend++];
	p->end_ms = start + q.duration;
	p->len = format_line(p->line, sizeof(p->line), d, &q, 'o', start,
	    p->end_ms, d->n_pend - 1);
}

/*
 * Write one day: requests arrive at a rate that spreads the target size
 * over the day, busier in working hours.  Returns the text bytes written.
 */
static uint64_t
write_day(const struct world *w, const char *path, int day, uint64_t target,
    uint64_t seed)
{
	static struct day d;
	static struct gzout out;
	long long t = 0;

	memset(&d, 0, sizeof(d));
	rng_seed(&d.rng, seed ^ (uint64_t)day * 0x100000001b3ULL);
	d.out = &out;
	d.day = day;
	d.counter = 1000000LL * (day <= RESTART_DAY ? day : day - RESTART_DAY);
	gzout_open(&out, path);
	while (out.bytes_in < target) {
		double frac = (double)out.bytes_in / (double)target;
		/* warp progress into time of day: noon is busiest */
		double tod = frac - 0.6 * sin(2.0 * M_PI * frac) / (2.0 * M_PI);
		long long next = (long long)(tod * (double)DAY_MS);

		t = next > t ? next : t + rng_below(&d.rng, 3);
		if (day == RESTART_DAY && t > 11520000 && !d.has_restarted) {
			d.counter = 0; /* the node restarted at 03:12 */
			d.has_restarted = true;
		}
		emit_request(&d, w, t);
	}
	flush_pending(&d, LLONG_MAX);
	gzout_close(&out);
	return out.bytes_in;
}

/* ---- the database export, as psql's \copy (FORMAT csv, HEADER) ---- */

/* One CSV value: NULL is empty, an empty string is "". */
static void
csv_value(FILE *fp, const char *v, bool is_last)
{
	if (v != NULL && (v[0] == '\0' || strpbrk(v, ",\"\r\n") != NULL)) {
		fputc('"', fp);
		for (; *v != '\0'; v++) {
			if (*v == '"')
				fputc('"', fp);
			fputc(*v, fp);
		}
		fputc('"', fp);
	} else if (v != NULL) {
		fputs(v, fp);
	}
	fputc(is_last ? '\n' : ',', fp);
}

/* Write a row of n values (NULL for SQL NULL). */
static void
csv_row(FILE *fp, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		csv_value(fp, va_arg(ap, const char *), i == n - 1);
	va_end(ap);
}

static FILE *
csv_open(const char *dir, const char *table, const char *header)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s.csv", dir, table);
	fp = fopen(path, "w");
	if (fp == NULL)
		die("could not create \"%s\": %s", path, strerror(errno));
	fprintf(fp, "%s\n", header);
	return fp;
}

static void
csv_close(FILE *fp)
{
	if (fclose(fp) != 0)
		die("could not write CSV: %s", strerror(errno));
}

/* A naive timestamp as PostgreSQL prints it, days after 2023-01-01. */
static void
db_time(char *buf, size_t size, struct rng *r, int from_day, int to_day)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int day = from_day + rng_below(r, to_day - from_day + 1);
	int year = 2023, month = 0;

	while (day >= (year == 2024 && month == 1 ? 29 : mdays[month])) {
		day -= year == 2024 && month == 1 ? 29 : mdays[month];
		if (++month == 12) {
			month = 0;
			year++;
		}
	}
	snprintf(buf, size, "%d-%02d-%02d %02d:%02d:%02d.%03d", year, month + 1,
	    day + 1, rng_below(r, 24), rng_below(r, 60), rng_below(r, 60),
	    rng_below(r, 1000));
}

static void
hashed_token(char *buf, size_t size, struct rng *r)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = snprintf(buf, size, "{PKCS5S2}") > 0 ? 9 : 0;

	for (int i = 0; i < 64 && n + 1 < size; i++)
		buf[n++] = b64[rng_below(r, 64)];
	buf[n] = '\0';
}

static int
token_user_id(const struct world *w, const struct token *t)
{
	return t->kind == PERSONAL ? w->users[t->user].id : t->svc_id;
}

static void
write_tokens(const struct world *w, const char *dir, struct rng *r)
{
	static const char *const expiry[] = { NULL, NULL, "30", "90", "365" };
	FILE *fp = csv_open(dir, "AO_E5A814_ACCESS_TOKEN",
	    "CREATED_DATE,EXPIRY_DAYS,HASHED_TOKEN,LAST_AUTHENTICATED,NAME,"
	    "TOKEN_ID,USER_ID");
	char created[48], last[48], hash[80], name[80], uid[16];

	for (int i = 0; i < N_TOKENS; i++) {
		const struct token *t = &w->tokens[i];

		db_time(created, sizeof(created), r, 0, 480);
		db_time(last, sizeof(last), r, 486, 495);
		hashed_token(hash, sizeof(hash), r);
		snprintf(
		    name, sizeof(name), "%s %d", PICK(r, token_names), i % 7);
		snprintf(uid, sizeof(uid), "%d", token_user_id(w, t));
		csv_row(fp, 7, created, PICK(r, expiry), hash,
		    rng_chance(r, 0.2) ? NULL : last, name, t->id, uid);
	}
	csv_close(fp);
}

static void
write_token_perms(const struct world *w, const char *dir, struct rng *r)
{
	static const char *const repo_perm[] = { "0", "1", "8" };
	static const char *const project_perm[] = { "2", "3", "4" };
	FILE *fp = csv_open(dir, "AO_E5A814_ACCESS_TOKEN_PERM",
	    "FK_ACCESS_TOKEN_ID,ID,PERMISSION");
	char id[16];
	int n = 0;

	for (int i = 0; i < N_TOKENS; i++) {
		const struct token *t = &w->tokens[i];
		int level = rng_below(r, 3);

		if (i % 97 == 5)
			continue; /* a token without permission rows */
		if (t->kind != REPO_TOKEN) {
			snprintf(id, sizeof(id), "%d", ++n);
			csv_row(fp, 3, t->id, id, project_perm[level]);
		}
		snprintf(id, sizeof(id), "%d", ++n);
		csv_row(
		    fp, 3, t->id, id, i % 211 == 17 ? "42" : repo_perm[level]);
	}
	csv_close(fp);
}

static void
write_normal_users(const struct world *w, const char *dir, struct rng *r)
{
	FILE *fp = csv_open(dir, "sta_normal_user",
	    "user_id,name,slug,locale,deleted_timestamp,time_zone");
	char id[16], deleted[48];

	for (int i = 0; i < N_USERS; i++) {
		const struct user *u = &w->users[i];

		snprintf(id, sizeof(id), "%d", u->id);
		db_time(deleted, sizeof(deleted), r, 300, 485);
		csv_row(fp, 6, id, u->name, u->name,
		    i % 9 == 0 ? "de_DE" : NULL, i % 301 == 11 ? deleted : NULL,
		    i % 5 == 0 ? "Europe/Berlin" : NULL);
	}
	csv_close(fp);
}

static bool
is_first_service_user(const struct world *w, int i)
{
	const struct token *t = &w->tokens[i];

	if (t->kind == PERSONAL)
		return false;
	for (int j = 0; j < i; j++)
		if (w->tokens[j].svc_id == t->svc_id)
			return false;
	return true;
}

static void
write_service_users(const struct world *w, const char *dir)
{
	FILE *fp = csv_open(dir, "sta_service_user",
	    "user_id,display_name,active,name,slug,email_address,label");
	char id[16], display[200], name[64], slug[64];

	for (int i = 0; i < N_TOKENS; i++) {
		const struct token *t = &w->tokens[i];
		const struct project *p = &w->projects[t->project];
		int type = t->kind == PROJECT_TOKEN ? 1 : 2;
		int rid = type == 1 ? p->id : w->repos[t->repo].id;

		if (!is_first_service_user(w, i))
			continue;
		snprintf(id, sizeof(id), "%d", t->svc_id);
		snprintf(display, sizeof(display), "Access Token User - %s%s%s",
		    p->name, type == 1 ? "" : " ",
		    type == 1 ? "" : w->repos[t->repo].slug);
		snprintf(
		    name, sizeof(name), "access-token-user/%d/%d", type, rid);
		snprintf(
		    slug, sizeof(slug), "access-token-user_%d_%d", type, rid);
		csv_row(fp, 7, id, display, "t", name, slug, NULL,
		    "access-token-user");
	}
	/* A service user behind a project access key, not a token. */
	csv_row(fp, 7, "19001", "Access key user", "t", "access-key-user/1",
	    "access-key-user_1", NULL, "access-key");
	csv_close(fp);
}

static void
write_projects(const struct world *w, const char *dir)
{
	FILE *fp = csv_open(dir, "project",
	    "id,name,project_key,description,project_type,namespace");
	FILE *pp = csv_open(dir, "sta_personal_project", "project_id,owner_id");
	char id[16], owner[16];

	for (int i = 0; i < w->n_projects; i++) {
		const struct project *p = &w->projects[i];

		snprintf(id, sizeof(id), "%d", p->id);
		csv_row(fp, 6, id, p->name, p->key,
		    i % 3 == 0 ? NULL : "Services and libraries",
		    p->owner < 0 ? "0" : "1", "#");
		if (p->owner < 0)
			continue;
		snprintf(owner, sizeof(owner), "%d", w->users[p->owner].id);
		csv_row(pp, 2, id, owner);
	}
	csv_close(fp);
	csv_close(pp);
}

static void
write_repos(const struct world *w, const char *dir, struct rng *r)
{
	FILE *fp = csv_open(dir, "repository",
	    "id,slug,name,state,project_id,scm_id,hierarchy_id,is_forkable,"
	    "is_public,store_id,description,partition_id,is_read_only,"
	    "is_archived");
	char id[16], pid[16], hier[24];

	for (int i = 0; i < N_REPOS; i++) {
		const struct repo *rp = &w->repos[i];

		snprintf(id, sizeof(id), "%d", rp->id);
		snprintf(pid, sizeof(pid), "%d", w->projects[rp->project].id);
		snprintf(hier, sizeof(hier), "%08x%012llx",
		    (unsigned)rng_below(r, 1 << 30),
		    (unsigned long long)(rng_next(r) >> 16));
		csv_row(fp, 14, id, rp->slug, rp->slug, "1", pid, "git", hier,
		    "t", i % 17 == 0 ? "t" : "f", NULL, i % 4 == 0 ? NULL : "",
		    NULL, "f", i % 53 == 0 ? "t" : "f");
	}
	csv_close(fp);
}

/* Scope rows of token service users, plus ordinary grants around them. */
static void
write_permissions(const struct world *w, const char *dir, struct rng *r)
{
	FILE *pp = csv_open(dir, "sta_project_permission",
	    "id,perm_id,project_id,group_name,user_id");
	FILE *rp = csv_open(dir, "sta_repo_permission",
	    "id,perm_id,repo_id,group_name,user_id");
	char id[16], perm[8], rid[16], uid[16];
	int n = 0;

	for (int i = 0; i < N_TOKENS; i++) {
		const struct token *t = &w->tokens[i];
		bool is_project = t->kind == PROJECT_TOKEN;

		if (!is_first_service_user(w, i) || i % 331 == 9)
			continue; /* some lost their scope */
		snprintf(id, sizeof(id), "%d", ++n);
		snprintf(perm, sizeof(perm), "%d", is_project ? 3 : 1);
		snprintf(rid, sizeof(rid), "%d",
		    is_project ? w->projects[t->project].id
		               : w->repos[t->repo].id);
		snprintf(uid, sizeof(uid), "%d", t->svc_id);
		csv_row(is_project ? pp : rp, 5, id, perm, rid, NULL, uid);
	}
	for (int i = 0; i < 400; i++) {
		snprintf(id, sizeof(id), "%d", ++n);
		snprintf(rid, sizeof(rid), "%d", 1 + rng_below(r, N_PROJECTS));
		snprintf(
		    uid, sizeof(uid), "%d", w->users[rng_below(r, N_USERS)].id);
		csv_row(i % 2 == 0 ? pp : rp, 5, id, i % 3 == 0 ? "2" : "1",
		    rid, i % 5 == 0 ? "developers" : NULL,
		    i % 5 == 0 ? NULL : uid);
	}
	csv_row(pp, 5, "99999", "2", "1", NULL, "19001");
	csv_close(pp);
	csv_close(rp);
}

static void
write_csv(const struct world *w, const char *dir, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, seed ^ 0xc5);
	write_tokens(w, dir, &r);
	write_token_perms(w, dir, &r);
	write_normal_users(w, dir, &r);
	write_service_users(w, dir);
	write_projects(w, dir);
	write_repos(w, dir, &r);
	write_permissions(w, dir, &r);
}

/* ---- main ---- */

static unsigned long long
parse_number(const char *opt, const char *text)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
		die("invalid value \"%s\" for %s", text, opt);
	return v;
}

static void
make_dir(const char *path)
{
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		die("could not create directory \"%s\": %s", path,
		    strerror(errno));
}

/* Write every day's file, up to jobs at a time in child processes. */
static void
write_days(const struct world *w, const char *dir, uint64_t bytes,
    uint64_t seed, int jobs)
{
	char path[8192], tmp[8200];
	int running = 0, status, failed = 0;

	for (int day = 1; day <= N_DAYS; day++) {
		pid_t pid;

		if (running == jobs) {
			wait(&status);
			failed |=
			    !WIFEXITED(status) || WEXITSTATUS(status) != 0;
			running--;
		}
		snprintf(path, sizeof(path),
		    "%s/atlassian-bitbucket-access-2024-05-%02d.0.log.gz", dir,
		    day);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		pid = fork();
		if (pid < 0)
			die("could not fork: %s", strerror(errno));
		if (pid == 0) {
			write_day(w, tmp, day, bytes / N_DAYS, seed);
			if (rename(tmp, path) != 0)
				die("could not rename \"%s\"", tmp);
			_exit(0);
		}
		running++;
	}
	while (running-- > 0) {
		wait(&status);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	if (failed)
		die("writing a day's log failed");
}

int
main(int argc, char **argv)
{
	static struct world w;
	unsigned long long mb = 1500, seed = 20240501, jobs = 0;
	char logs[4096], csv[4096];
	int i;

	for (i = 1; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--mb") == 0)
			mb = parse_number("--mb", argv[i + 1]);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = parse_number("--seed", argv[i + 1]);
		else if (strcmp(argv[i], "--jobs") == 0)
			jobs = parse_number("--jobs", argv[i + 1]);
		else
			die("unrecognized option \"%s\"", argv[i]);
	}
	/* An OUTDIR that looks like an option ("--help") is refused. */
	if (i + 1 != argc || mb == 0 || argv[i][0] == '-')
		die("usage: genlogs [--mb N] [--seed N] [--jobs N] OUTDIR");
	if (jobs == 0)
		jobs = (unsigned long long)sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(logs, sizeof(logs), "%s/logs", argv[i]);
	snprintf(csv, sizeof(csv), "%s/csv", argv[i]);
	make_dir(argv[i]);
	make_dir(logs);
	make_dir(csv);
	make_world(&w, seed);
	write_csv(&w, csv, seed);
	write_days(&w, logs, mb * 1000000ULL, seed, jobs < 1 ? 1 : (int)jobs);
	return 0;
}
