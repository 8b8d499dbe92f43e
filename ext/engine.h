/* SPDX-License-Identifier: MIT */
/*
** engine.h: the process-wide registry of named engines and their options.
**
** An engine is made from a URL and a list of `key=value` options by
** remoteEngineCreate(); it owns one pool (pool.h). remoteEngineFind() gives
** a counted reference that remoteEngineRelease() gives back.
*/
#ifndef REMOTE_ENGINE_H
#define REMOTE_ENGINE_H

#include "dialect.h"

typedef struct RemoteEngine RemoteEngine;
typedef struct RemoteEngineOpts RemoteEngineOpts;
typedef struct RemotePool RemotePool;

#define POOL_QUEUE      0
#define POOL_NULL       1
#define POOL_STATIC     2
#define POOL_SINGLETON  3
#define POOL_ASSERTION  4

#define RESET_ROLLBACK  0
#define RESET_COMMIT    1
#define RESET_NONE      2

struct RemoteEngineOpts {
  int ePoolClass;           /* POOL_* */
  int nPoolSize;            /* pool_size; 0 = no limit */
  int nMaxOverflow;         /* max_overflow; -1 = no limit */
  double rTimeout;          /* pool_timeout seconds; <0 = forever */
  double rRecycle;          /* pool_recycle seconds; <0 = never */
  int bPrePing;             /* pool_pre_ping */
  int bLifo;                /* pool_use_lifo */
  int eReset;               /* pool_reset_on_return: RESET_* */
  char *zIsolation;         /* normalized isolation_level, or NULL */
  int eEcho;                /* echo: 0, 1, 2 = debug */
  int eEchoPool;            /* echo_pool: 0, 1, 2 = debug */
  int bHideParams;          /* hide_parameters */
  int nRetry;               /* retry_on_disconnect */
  double rRetryInterval;    /* retry_interval seconds */
  int nFetch;               /* fetch_size */
  int nStmtCache;           /* statement_cache_size */
  int bTwophaseOff;         /* twophase=off: no two-phase commit (twophase.c) */
  double rIoTimeout;        /* io_timeout seconds; 0 = none */
  double rStmtTimeout;      /* statement_timeout seconds; 0 = none */
};

struct RemoteEngine {
  char *zName;
  RemoteUrl *pUrl;
  const RemoteDialect *pDialect;
  RemoteEngineOpts opts;
  RemotePool *pPool;        /* current pool; replaced by dispose */
  int nRef;                 /* registry's reference + users' */
  int bDropped;             /* no longer in the registry */
  void *pCache;             /* cached remote table definitions (vtab.c) */
  void (*xCacheFree)(void*);
  sqlite3_int64 iGen;       /* registry generation: changes on replace */
};

/*
** Create (or replace) engine zName from zUrl and nOpt option texts.
** Returns SQLITE_OK or an error with *pzErr sqlite3_malloc'd.
*/
int remoteEngineCreate(const char *zName, const char *zUrl, int nOpt,
                       const char **azOpt, char **pzErr);

/* A counted reference to engine zName, or NULL. */
RemoteEngine *remoteEngineFind(const char *zName);
void remoteEngineRelease(RemoteEngine*);
void remoteEngineRef(RemoteEngine*);

/* Remove zName from the registry: 1 if it existed. */
int remoteEngineDrop(const char *zName);

/* Dispose the engine's pool: number of idle connections closed. */
int remoteEngineDispose(const char *zName, int bClose, int *pnClosed);

/* All registered engines, each with a reference (release each), as a
** sqlite3_malloc'd array. */
int remoteEngineList(RemoteEngine ***papEngine, int *pnEngine);

/* The engine's current pool, with a reference (remotePoolRelease);
** NULL when the engine has been dropped (by another thread) since the
** caller found it. */
RemotePool *remoteEnginePool(RemoteEngine*);
/* The same for the registered engine named zName in one look-up: NULL
** when there is none */
RemotePool *remoteEnginePoolNamed(const char *zName);

/* Normalize an isolation level name ("repeatable_read" -> "REPEATABLE
** READ"); NULL when it is not one. Static text. */
const char *remoteIsolationNormalize(const char *z);

/* Parse a boolean option text: 1/0, true/false, yes/no, on/off; -1 if bad */
int remoteParseBool(const char *z);

/* Dialect for a URL dialect name ("postgresql", "mysql", "mariadb", ...) */
const RemoteDialect *remoteDialectFind(const char *zName);

/* The dialects of this build (`make DIALECTS=...`, version.c): their URL
** names for remote_debug(), and for a URL dialect name this build left out
** the build's DIALECTS value (NULL when it is built or unknown) */
const char *remoteDialectsBuilt(void);
const char *remoteDialectOmitted(const char *zName);

/* Register an extra dialect (C API). */
int remoteDialectRegister(const char *zName, const RemoteDialect *pDialect);

/*
** The engine's table-definition cache (tablecache.c): definitions read
** from the remote catalog, kept per engine. zSchema NULL = the
** connection's default schema. Get returns a copy (remoteTableInfoFree)
** or NULL; Put keeps a copy; Drop forgets one.
*/
RemoteTableInfo *remoteTableCacheGet(RemoteEngine*, const char *zSchema,
                                     const char *zTable);
void remoteTableCachePut(RemoteEngine*, const char *zSchema, const char *zTable,
                         const RemoteTableInfo *pInfo);
void remoteTableCacheDrop(RemoteEngine*, const char *zSchema, const char *zTable);
/* remote_clear_cache: forget the definitions of engine zName (NULL = of
** every engine); returns how many were dropped */
int remoteClearCache(const char *zName);

#endif /* REMOTE_ENGINE_H */
