/* SPDX-License-Identifier: MIT */
/*
 * analyze/inputs.c - turns PATH arguments into a sorted list of files:
 * explicit files as given, directories walked for access-log names.
 */
#include "analyze/inputs.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/diag.h"

static const char *const log_patterns[] = {
	"atlassian-bitbucket-access*.log",
	"atlassian-bitbucket-access*.log.gz",
	"atlassian-stash-access*.log",
	"atlassian-stash-access*.log.gz",
};

#define N_LOG_PATTERNS (sizeof(log_patterns) / sizeof(log_patterns[0]))

int
inputs_is_log_name(const char *name)
{
	for (size_t i = 0; i < N_LOG_PATTERNS; i++)
		if (fnmatch(log_patterns[i], name, FNM_PERIOD) == 0)
			return 1;
	return 0;
}

static int
add_path(struct input_list *list, const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		return diag_error("out of memory");
	if (list->n_paths == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		char **paths = realloc(list->paths, cap * sizeof(*paths));

		if (!paths) {
			free(copy);
			return diag_error("out of memory");
		}
		list->paths = paths;
		list->cap = cap;
	}
	list->paths[list->n_paths++] = copy;
	return 0;
}

static char *
join_path(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = malloc(len);

	if (path)
		snprintf(path, len, "%s%s%s", dir,
		    dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return path;
}

static int walk_dir(struct input_list *list, const char *dir);

/* One directory entry: descend, take it, or pass over it. */
static int
walk_entry(struct input_list *list, const char *path, const char *name)
{
	char quoted[DIAG_QUOTE_SIZE];
	struct stat st;

	if (lstat(path, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode))
		return walk_dir(list, path);
	if (!inputs_is_log_name(name))
		return 0;
	if (S_ISLNK(st.st_mode) && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		diag_warn("not following symbolic link to directory \"%s\"",
		    diag_quote_str(quoted, path));
		return 0;
	}
	/* Broken links, FIFOs and the like are kept: reading them fails
	 * with a message and the manifest records it. */
	return add_path(list, path);
}

static int
walk_dir(struct input_list *list, const char *dir)
{
	char quoted[DIAG_QUOTE_SIZE];
	struct dirent *entry;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return diag_error_errno("could not read directory \"%s\"",
		    diag_quote_str(quoted, dir));
	while (rc == 0 && (errno = 0, entry = readdir(d))) {
		char *path;

		if (strcmp(entry->d_name, ".") == 0 ||
		    strcmp(entry->d_name, "..") == 0)
			continue;
		path = join_path(dir, entry->d_name);
		if (!path) {
			rc = diag_error("out of memory");
			break;
		}
		rc = walk_entry(list, path, entry->d_name);
		free(path);
	}
	if (rc == 0 && errno != 0)
		rc = diag_error_errno("could not read directory \"%s\"",
		    diag_quote_str(quoted, dir));
	closedir(d);
	return rc;
}

static int
compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sort_unique(struct input_list *list)
{
	size_t kept = 0;

	if (list->n_paths == 0)
		return;
	qsort(list->paths, list->n_paths, sizeof(char *), compare_paths);
	for (size_t i = 1; i < list->n_paths; i++) {
		if (strcmp(list->paths[i], list->paths[kept]) == 0)
			free(list->paths[i]);
		else
			list->paths[++kept] = list->paths[i];
	}
	list->n_paths = kept + 1;
}

int
inputs_collect(struct input_list *list, char *const *args, size_t n_args)
{
	char quoted[DIAG_QUOTE_SIZE];

	for (size_t i = 0; i < n_args; i++) {
		struct stat st;
		int rc;

		if (stat(args[i], &st) != 0 && lstat(args[i], &st) != 0)
			return diag_error_errno("cannot read \"%s\"",
			    diag_quote_str(quoted, args[i]));
		if (S_ISDIR(st.st_mode))
			rc = walk_dir(list, args[i]);
		else
			rc = add_path(list, args[i]);
		if (rc != 0)
			return -1;
	}
	sort_unique(list);
	return 0;
}

void
inputs_release(struct input_list *list)
{
	for (size_t i = 0; i < list->n_paths; i++)
		free(list->paths[i]);
	free(list->paths);
	memset(list, 0, sizeof(*list));
}
