/* SPDX-License-Identifier: MIT */
/*
 * common/snapfmt.c - the catalog of copied tables and columns, taken from
 * the Bitbucket 7.x and 8.x schemas.  Columns that only some versions have
 * are listed as not required; the exporter copies whatever the source has.
 */
#include "common/snapfmt.h"

#include <string.h>

#define TEXT(n) { n, SNAPFMT_TEXT, false }
#define TEXT_REQ(n) { n, SNAPFMT_TEXT, true }
#define INT(n) { n, SNAPFMT_INTEGER, false }
#define INT_REQ(n) { n, SNAPFMT_INTEGER, true }
#define BOOL(n) { n, SNAPFMT_BOOLEAN, false }
#define END { NULL, SNAPFMT_TEXT, false }

static const struct snapfmt_column token_columns[] = {
	TEXT_REQ("CREATED_DATE"), INT("EXPIRY_DAYS"), TEXT("HASHED_TOKEN"),
	TEXT("LAST_AUTHENTICATED"), TEXT_REQ("NAME"), TEXT_REQ("TOKEN_ID"),
	INT_REQ("USER_ID"), END
};

static const struct snapfmt_column token_perm_columns[] = {
	TEXT_REQ("FK_ACCESS_TOKEN_ID"), INT("ID"), INT_REQ("PERMISSION"), END
};

static const struct snapfmt_column normal_user_columns[] = {
	INT_REQ("user_id"), TEXT_REQ("name"), TEXT("slug"), TEXT("locale"),
	TEXT("deleted_timestamp"), TEXT("time_zone"), END
};

static const struct snapfmt_column service_user_columns[] = {
	INT_REQ("user_id"), TEXT("display_name"), BOOL("active"),
	TEXT_REQ("name"), TEXT("slug"), TEXT("email_address"), TEXT("label"),
	END
};

static const struct snapfmt_column project_columns[] = {
	INT_REQ("id"), TEXT_REQ("name"), TEXT_REQ("project_key"),
	TEXT("description"), INT("project_type"), TEXT("namespace"), END
};

static const struct snapfmt_column repository_columns[] = {
	INT_REQ("id"), TEXT_REQ("slug"), TEXT_REQ("name"), INT("state"),
	INT_REQ("project_id"), TEXT("scm_id"), TEXT("hierarchy_id"),
	BOOL("is_forkable"), BOOL("is_public"), INT("store_id"),
	TEXT("description"), INT("partition_id"), BOOL("is_read_only"),
	BOOL("is_archived"), END
};


static const struct snapfmt_column project_permission_columns[] = {
	INT("id"), INT_REQ("perm_id"), INT_REQ("project_id"),
	TEXT("group_name"), INT_REQ("user_id"), END
};

static const struct snapfmt_column repo_permission_columns[] = {
	INT("id"), INT_REQ("perm_id"), INT_REQ("repo_id"), TEXT("group_name"),
	INT_REQ("user_id"), END
};

static const struct snapfmt_column personal_project_columns[] = {
	INT_REQ("project_id"), INT_REQ("owner_id"), END
};

static const struct snapfmt_column project_alias_columns[] = {
	INT("id"), INT_REQ("project_id"), TEXT("namespace"),
	TEXT_REQ("project_key"), TEXT("created_timestamp"), END
};

static const struct snapfmt_column repository_alias_columns[] = {
	INT("id"), INT_REQ("repository_id"), TEXT("project_namespace"),
	TEXT_REQ("project_key"), TEXT_REQ("slug"), TEXT("created_timestamp"),
	END
};

static const struct snapfmt_column permission_type_columns[] = {
	INT_REQ("perm_id"), INT("perm_weight"), END
};

static const struct snapfmt_column audit_columns[] = {
	TEXT_REQ("ACTION"), TEXT("ACTION_T_KEY"), TEXT("AREA"),
	TEXT("ATTRIBUTES"), TEXT("CATEGORY"), TEXT("CATEGORY_T_KEY"),
	TEXT("CHANGE_VALUES"), INT_REQ("ENTITY_TIMESTAMP"), INT("ID"),
	TEXT("LEVEL"), TEXT("METHOD"), TEXT("NODE"),
	TEXT("PRIMARY_RESOURCE_ID"), TEXT("PRIMARY_RESOURCE_TYPE"),
	TEXT("RESOURCES"), TEXT("RESOURCE_ID_3"), TEXT("RESOURCE_ID_4"),
	TEXT("RESOURCE_ID_5"), TEXT("RESOURCE_TYPE_3"),
	TEXT("RESOURCE_TYPE_4"), TEXT("RESOURCE_TYPE_5"),
	TEXT("SEARCH_STRING"), TEXT("SECONDARY_RESOURCE_ID"),
	TEXT("SECONDARY_RESOURCE_TYPE"), TEXT("SOURCE"), TEXT("SYSTEM_INFO"),
	TEXT("USER_ID"), TEXT("USER_NAME"), TEXT("USER_TYPE"), END
};

const struct snapfmt_table snapfmt_tables[] = {
	{ "AO_E5A814_ACCESS_TOKEN", true, SNAPFMT_ALL_ROWS, token_columns },
	{ "AO_E5A814_ACCESS_TOKEN_PERM", true, SNAPFMT_ALL_ROWS,
	    token_perm_columns },
	{ "sta_normal_user", true, SNAPFMT_TOKEN_USERS, normal_user_columns },
	{ "sta_service_user", true, SNAPFMT_TOKEN_USERS,
	    service_user_columns },
	{ "project", true, SNAPFMT_ALL_ROWS, project_columns },
	{ "repository", true, SNAPFMT_ALL_ROWS, repository_columns },
	{ "sta_project_permission", true, SNAPFMT_TOKEN_USERS,
	    project_permission_columns },
	{ "sta_repo_permission", true, SNAPFMT_TOKEN_USERS,
	    repo_permission_columns },
	{ "sta_personal_project", true, SNAPFMT_ALL_ROWS,
	    personal_project_columns },
	{ "bb_project_alias", false, SNAPFMT_ALL_ROWS, project_alias_columns },
	{ "bb_repository_alias", false, SNAPFMT_ALL_ROWS,
	    repository_alias_columns },
	{ "sta_permission_type", false, SNAPFMT_ALL_ROWS,
	    permission_type_columns },
	{ "AO_C77861_AUDIT_ENTITY", false, SNAPFMT_TOKEN_AUDIT,
	    audit_columns },
	{ NULL, false, SNAPFMT_ALL_ROWS, NULL },
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
