/* SPDX-License-Identifier: MIT */
/*
** log.h: the process-wide ring buffers behind remote_events and remote_log,
** and the echo output to stderr.
**
** remoteEvent() records one pool event (SQLAlchemy's names: connect,
** checkout, checkin, reset, invalidate, ...); remoteLog() records one
** echo/echo_pool line. Both are thread-safe and never fail visibly.
*/
#ifndef REMOTE_LOG_H
#define REMOTE_LOG_H

#include "sqlite3ext.h"

#define REMOTE_EVENT_RING 10000
#define REMOTE_LOG_RING   10000

/* One recorded event, as remote_events shows it */
typedef struct RemoteEventRow RemoteEventRow;
struct RemoteEventRow {
  sqlite3_int64 iSeq;
  double rTime;             /* unix time, seconds */
  char *zEngine;
  char *zEvent;
  int iConn;                /* pool slot id, 0 if none */
  char *zDetail;            /* may be NULL */
};

/* One recorded log line, as remote_log shows it */
typedef struct RemoteLogRow RemoteLogRow;
struct RemoteLogRow {
  sqlite3_int64 iSeq;
  double rTime;
  char *zEngine;
  char *zLevel;             /* "info" or "debug" */
  char *zMessage;
};

/* Listener for pool events (C API): called in the thread that caused the
** event, in seq order, with the log's mutex held (never a pool's): it must
** not call back into the extension (no remote_* function, no remoteLog). */
typedef void (*RemoteEventListener)(void *pArg, const char *zEngine,
                                    const char *zEvent, int iConn,
                                    const char *zDetail);

void remoteEvent(const char *zEngine, const char *zEvent, int iConn,
                 const char *zDetail);
/* The same with the event's time (remoteNow()) read by the caller once */
void remoteEventAt(const char *zEngine, const char *zEvent, int iConn,
                   const char *zDetail, double rTime);
/* Two events of one connection at one time, without detail (a return
** that needs no round trip: reset, checkin), in one go */
void remoteEvent2(const char *zEngine, const char *zEvent1,
                  const char *zEvent2, int iConn, double rTime);
void remoteLog(const char *zEngine, const char *zLevel, int bStderr,
               const char *zFmt, ...);

/* Add a listener; returns 0 on success. Removal by the same pair. */
int remoteEventListen(RemoteEventListener x, void *pArg);
int remoteEventUnlisten(RemoteEventListener x, void *pArg);

/* Snapshot copies for the introspection tables: sqlite3_malloc'd arrays of
** rows (free with the matching Free). */
int remoteEventSnapshot(RemoteEventRow **paRow, int *pnRow);
void remoteEventSnapshotFree(RemoteEventRow *aRow, int nRow);
int remoteLogSnapshot(RemoteLogRow **paRow, int *pnRow);
void remoteLogSnapshotFree(RemoteLogRow *aRow, int nRow);

/* Wall-clock time in seconds (CLOCK_REALTIME) and monotonic seconds */
double remoteNow(void);
double remoteMonotonic(void);

#endif /* REMOTE_LOG_H */
