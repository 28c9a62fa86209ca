/* SPDX-License-Identifier: MIT */
/*
 * common/snapfmt.c - the catalog of copied tables and columns, taken from
 * the Bitbucket 7.x and 8.x schemas.  Columns that only some versions have
 * are listed as not required; the exporter copies whatever the source has.
 */
#include "common/snapfmt.h"

#include <limits.h>
#include <string.h>

#define TEXT(n)                        \
	{                              \
		n, SNAPFMT_TEXT, false \
	}
#define TEXT_REQ(n)                   \
	{                             \
		n, SNAPFMT_TEXT, true \
	}
#define INT(n)                            \
	{                                 \
		n, SNAPFMT_INTEGER, false \
	}
#define INT_REQ(n)                       \
	{                                \
		n, SNAPFMT_INTEGER, true \
	}
#define BOOL(n)                           \
	{                                 \
		n, SNAPFMT_BOOLEAN, false \
	}
#define END                               \
	{                                 \
		NULL, SNAPFMT_TEXT, false \
	}

static const struct snapfmt_column token_columns[] = { TEXT_REQ("CREATED_DATE"),
	INT("EXPIRY_DAYS"), TEXT("HASHED_TOKEN"), TEXT("LAST_AUTHENTICATED"),
	TEXT_REQ("NAME"), TEXT_REQ("TOKEN_ID"), INT_REQ("USER_ID"), END };

static const struct snapfmt_column token_perm_columns[] = {
	TEXT_REQ("FK_ACCESS_TOKEN_ID"), INT("ID"), INT_REQ("PERMISSION"), END
};

static const struct snapfmt_column normal_user_columns[] = { INT_REQ("user_id"),
	TEXT_REQ("name"), TEXT("slug"), TEXT("locale"),
	TEXT("deleted_timestamp"), TEXT("time_zone"), END };

static const struct snapfmt_column service_user_columns[] = { INT_REQ(
	                                                          "user_id"),
	TEXT("display_name"), BOOL("active"), TEXT_REQ("name"), TEXT("slug"),
	TEXT("email_address"), TEXT("label"), END };

static const struct snapfmt_column project_columns[] = { INT_REQ("id"),
	TEXT_REQ("name"), TEXT_REQ("project_key"), TEXT("description"),
	INT("project_type"), TEXT("namespace"), END };

static const struct snapfmt_column repository_columns[] = { INT_REQ("id"),
	TEXT_REQ("slug"), TEXT_REQ("name"), INT("state"), INT_REQ("project_id"),
	TEXT("scm_id"), TEXT("hierarchy_id"), BOOL("is_forkable"),
	BOOL("is_public"), INT("store_id"), TEXT("description"),
	INT("partition_id"), BOOL("is_read_only"), BOOL("is_archived"), END };

static const struct snapfmt_column project_permission_columns[] = { INT("id"),
	INT_REQ("perm_id"), INT_REQ("project_id"), TEXT("group_name"),
	INT_REQ("user_id"), END };

static const struct snapfmt_column repo_permission_columns[] = { INT("id"),
	INT_REQ("perm_id"), INT_REQ("repo_id"), TEXT("group_name"),
	INT_REQ("user_id"), END };

static const struct snapfmt_column personal_project_columns[] = {
	INT_REQ("project_id"), INT_REQ("owner_id"), END
};

static const struct snapfmt_column project_alias_columns[] = { INT("id"),
	INT_REQ("project_id"), TEXT("namespace"), TEXT_REQ("project_key"),
	TEXT("created_timestamp"), END };

static const struct snapfmt_column repository_alias_columns[] = { INT("id"),
	INT_REQ("repository_id"), TEXT("project_namespace"),
	TEXT_REQ("project_key"), TEXT_REQ("slug"), TEXT("created_timestamp"),
	END };

static const struct snapfmt_column permission_type_columns[] = {
	INT_REQ("perm_id"), INT("perm_weight"), END
};

static const struct snapfmt_column audit_columns[] = { TEXT_REQ("ACTION"),
	TEXT("ACTION_T_KEY"), TEXT("AREA"), TEXT("ATTRIBUTES"),
	TEXT("CATEGORY"), TEXT("CATEGORY_T_KEY"), TEXT("CHANGE_VALUES"),
	INT_REQ("ENTITY_TIMESTAMP"), INT("ID"), TEXT("LEVEL"), TEXT("METHOD"),
	TEXT("NODE"), TEXT("PRIMARY_RESOURCE_ID"),
	TEXT("PRIMARY_RESOURCE_TYPE"), TEXT("RESOURCES"), TEXT("RESOURCE_ID_3"),
	TEXT("RESOURCE_ID_4"), TEXT("RESOURCE_ID_5"), TEXT("RESOURCE_TYPE_3"),
	TEXT("RESOURCE_TYPE_4"), TEXT("RESOURCE_TYPE_5"), TEXT("SEARCH_STRING"),
	TEXT("SECONDARY_RESOURCE_ID"), TEXT("SECONDARY_RESOURCE_TYPE"),
	TEXT("SOURCE"), TEXT("SYSTEM_INFO"), TEXT("USER_ID"), TEXT("USER_NAME"),
	TEXT("USER_TYPE"), END };

/* Crowd's user rows, for the display names of token owners; credential
 * and the other columns are never copied. */
static const struct snapfmt_column crowd_user_columns[] = { INT("id"),
	TEXT_REQ("user_name"), TEXT("lower_user_name"), TEXT("display_name"),
	INT("directory_id"), TEXT("is_active"), END };

static const char *const token_indexes[] = { "TOKEN_ID", "USER_ID", NULL };
static const char *const token_perm_indexes[] = {
	"FK_ACCESS_TOKEN_ID,PERMISSION", NULL
};
static const char *const user_indexes[] = { "user_id", NULL };
static const char *const crowd_user_indexes[] = { "user_name", NULL };
static const char *const project_indexes[] = { "id", "project_key", NULL };
static const char *const repository_indexes[] = { "id", "project_id,slug",
	NULL };
static const char *const project_permission_indexes[] = { "user_id,project_id",
	NULL };
static const char *const repo_permission_indexes[] = { "user_id,repo_id",
	NULL };
static const char *const personal_project_indexes[] = { "project_id",
	"owner_id", NULL };
static const char *const project_alias_indexes[] = { "project_key",
	"project_id", NULL };
static const char *const repository_alias_indexes[] = { "project_key,slug",
	"repository_id", NULL };
static const char *const no_indexes[] = { NULL };

const struct snapfmt_table snapfmt_tables[] = {
	{ "AO_E5A814_ACCESS_TOKEN", true, SNAPFMT_ALL_ROWS, token_columns,
	    token_indexes, false },
	{ "AO_E5A814_ACCESS_TOKEN_PERM", true, SNAPFMT_ALL_ROWS,
	    token_perm_columns, token_perm_indexes, false },
	{ "sta_normal_user", true, SNAPFMT_TOKEN_USERS, normal_user_columns,
	    user_indexes, false },
	{ "cwd_user", false, SNAPFMT_OWNER_NAMES, crowd_user_columns,
	    crowd_user_indexes, true },
	{ "sta_service_user", true, SNAPFMT_TOKEN_USERS, service_user_columns,
	    user_indexes, false },
	{ "project", true, SNAPFMT_ALL_ROWS, project_columns, project_indexes,
	    false },
	{ "repository", true, SNAPFMT_ALL_ROWS, repository_columns,
	    repository_indexes, false },
	{ "sta_project_permission", true, SNAPFMT_TOKEN_USERS,
	    project_permission_columns, project_permission_indexes, false },
	{ "sta_repo_permission", true, SNAPFMT_TOKEN_USERS,
	    repo_permission_columns, repo_permission_indexes, false },
	{ "sta_personal_project", true, SNAPFMT_ALL_ROWS,
	    personal_project_columns, personal_project_indexes, false },
	{ "bb_project_alias", false, SNAPFMT_ALL_ROWS, project_alias_columns,
	    project_alias_indexes, false },
	{ "bb_repository_alias", false, SNAPFMT_ALL_ROWS,
	    repository_alias_columns, repository_alias_indexes, false },
	{ "sta_permission_type", false, SNAPFMT_ALL_ROWS,
	    permission_type_columns, no_indexes, false },
	{ "AO_C77861_AUDIT_ENTITY", false, SNAPFMT_TOKEN_AUDIT, audit_columns,
	    no_indexes, false },
	{ NULL, false, SNAPFMT_ALL_ROWS, NULL, NULL, false },
};

const struct snapfmt_table *
snapfmt_find_table(const char *name)
{
	for (const struct snapfmt_table *t = snapfmt_tables; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

enum snapfmt_type
snapfmt_column_type(const struct snapfmt_table *table, const char *column)
{
	for (const struct snapfmt_column *c = table->columns; c->name; c++)
		if (strcmp(c->name, column) == 0)
			return c->type;
	return SNAPFMT_TEXT;
}

int
snapfmt_parse_integer(const char *text, size_t len, long long *out)
{
	bool is_negative = len > 0 && text[0] == '-';
	unsigned long long value = 0;
	/* The magnitude of LLONG_MIN is one more than LLONG_MAX. */
	unsigned long long limit = (unsigned long long)LLONG_MAX + is_negative;

	if (len <= (size_t)is_negative)
		return -1;
	for (size_t i = is_negative; i < len; i++) {
		unsigned digit = (unsigned char)text[i] - '0';

		if (digit > 9 || value > (limit - digit) / 10)
			return -1;
		value = value * 10 + digit;
	}
	if (is_negative)
		*out = value == limit ? LLONG_MIN : -(long long)value;
	else
		*out = (long long)value;
	return 0;
}

int
snapfmt_parse_boolean(const char *text, size_t len, int *out)
{
	if (len != 1 || (text[0] != 't' && text[0] != 'f'))
		return -1;
	*out = text[0] == 't';
	return 0;
}

bool
snapfmt_is_token_audit(const char *action, size_t len)
{
	size_t mark_len = strlen(SNAPFMT_AUDIT_MARK);

	for (size_t i = 0; i + mark_len <= len; i++)
		if (memcmp(action + i, SNAPFMT_AUDIT_MARK, mark_len) == 0)
			return true;
	return false;
}
