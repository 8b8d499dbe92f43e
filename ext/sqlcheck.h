/* SPDX-License-Identifier: MIT */
/*
** sqlcheck.h: the check of a query= table's SQL text (sqlcheck.c).
*/
#ifndef REMOTE_SQLCHECK_H
#define REMOTE_SQLCHECK_H

/*
** SQLITE_OK when zSql, the query= text of a remote table of engine zEngine
** whose dialect is zDialect ("postgresql", "mysql", "sqlite", or another:
** read with the strictest rules), is one read-only statement that stays
** inside the parentheses the core wraps it in; else SQLITE_ERROR with
** *pzErr set (sqlite3_malloc'd, "remote: ENGINE: query= ...").
*/
int remoteQueryCheck(const char *zEngine, const char *zDialect,
                     const char *zSql, char **pzErr);

#endif /* REMOTE_SQLCHECK_H */
