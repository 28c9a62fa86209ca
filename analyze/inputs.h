/* SPDX-License-Identifier: MIT */
/*
 * analyze/inputs.h - the list of log files an analysis reads, from the
 * PATH arguments.  A file named on the command line is taken whatever its
 * name; a directory is walked for Bitbucket and Stash access logs
 * (atlassian-bitbucket-access*.log, atlassian-stash-access*.log, each
 * optionally .gz).  Symbolic links to files are followed, links to
 * directories are not (so a link loop cannot trap the walk).  The list is
 * sorted by path and free of duplicates, so the order of the arguments
 * does not matter.
 */
#ifndef TOKENTRAIL_ANALYZE_INPUTS_H
#define TOKENTRAIL_ANALYZE_INPUTS_H

#include <stddef.h>

struct input_list {
	char **paths;  /* sorted, unique */
	size_t n_paths;
	size_t cap;
};

/* True when a file name (no directory part) is an access-log name. */
int inputs_is_log_name(const char *name);

/*
 * Add the files that args name.  Returns 0, or -1 after reporting a path
 * that does not exist or a directory that cannot be read.  The caller
 * frees the list with inputs_release() either way.
 */
int inputs_collect(struct input_list *list, char *const *args,
    size_t n_args);

void inputs_release(struct input_list *list);

#endif
