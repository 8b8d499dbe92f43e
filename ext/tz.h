/* SPDX-License-Identifier: MIT */
/*
** tz.h: time zone rules from the system's zoneinfo files (tz.c), for the
** dialects that get times in the session's time zone without an offset.
*/
#ifndef REMOTE_TZ_H
#define REMOTE_TZ_H

#include "sqlite3ext.h"

typedef struct RemoteTz RemoteTz;

/* The rules of zone zName ("Europe/Paris") from $TZDIR or
** /usr/share/zoneinfo, loaded once and kept for the process; NULL when
** there is no such zone file (or it is not TZif version 2 or later). */
const RemoteTz *remoteTzFind(const char *zName);

/* The UTC time (seconds since 1970) of local time t (the same count of the
** zone's wall clock) in zone p. A wall time that happens twice (when DST
** ends) gives the earlier instant; one that never happens (when DST
** starts) is read with the offset before. */
sqlite3_int64 remoteTzLocalToUtc(const RemoteTz *p, sqlite3_int64 t);

#endif /* REMOTE_TZ_H */
