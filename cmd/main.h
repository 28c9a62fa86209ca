/* SPDX-License-Identifier: MIT */
/*
 * cmd/main.h - exit statuses and the subcommand entry points.  Only cmd/
 * turns outcomes into exit statuses; the modules return 0 or -1.
 */
#ifndef TOKENTRAIL_CMD_MAIN_H
#define TOKENTRAIL_CMD_MAIN_H

/* Every exit status of every subcommand; the README lists them too. */
enum exit_status {
	EXIT_OK = 0,       /* everything read, every output written */
	EXIT_FAILED = 1,   /* the run failed; no output was left behind */
	EXIT_USAGE = 2,    /* invalid command line */
	EXIT_PARTIAL = 3,  /* outputs written, but some input was damaged
	                      or could not be read */
	EXIT_FINDINGS = 4, /* outputs written; findings at or above
	                      --fail-on exist */
	EXIT_INTERRUPTED = 130, /* stopped by SIGINT or SIGTERM; no output
	                           was left behind (128 + SIGINT, as shells
	                           report a death by Ctrl-C) */
};

/*
 * Print "tokentrail: error: <what>" already done by the caller, then the
 * hint that points to "tokentrail <command> --help".  Returns EXIT_USAGE.
 */
int usage_error(const char *command);

struct option;

/*
 * Report the option getopt_long() rejected, which must have been called
 * with opterr = 0, the long options table and an option string whose
 * first letter after "+" is ":": c is its return value, ':' when the
 * option lacks its value, '?' when it is unrecognized, ambiguous or given
 * a value it does not take.  Prints one line, such as "tokentrail: error:
 * unrecognized option "-x"" or "... option "--output" needs a value",
 * naming the option as it was typed; returns -1.
 */
int option_error(char **argv, int c, const struct option *table);

/* Print "tokentrail VERSION" on stdout, for every --version. */
void print_version(void);

/* Subcommand entry points: argv[0] is the subcommand's name. */
int cmd_analyze(int argc, char **argv);
int cmd_identify(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);

/* The usage text of each subcommand, printed by "tokentrail help CMD". */
void cmd_analyze_usage(void);
void cmd_identify_usage(void);
void cmd_lookup_usage(void);
void cmd_snapshot_usage(void);

#endif
