/* SPDX-License-Identifier: MIT */
/*
** value.h: conversions between SQLite values and RemoteValue (value.c),
** shared by the SQL functions, remote_query and the `remote` module.
*/
#ifndef REMOTE_VALUE_H
#define REMOTE_VALUE_H

#include "dialect.h"

/* SQLite value -> RemoteValue (pointers into pIn) */
void remoteValueFromSqlite(sqlite3_value *pIn, RemoteValue *pOut);

/* RemoteValue -> function result (copied) */
void remoteResultValue(sqlite3_context *ctx, const RemoteValue *v);

/* Values of a JSON array text, parsed by SQLite's json_each on db:
** *paVal sqlite3_malloc'd (one block). */
int remoteJsonArray(sqlite3 *db, const char *zJson, RemoteValue **paVal,
                    int *pnVal, char **pzErr);

#endif /* REMOTE_VALUE_H */
