/* SPDX-License-Identifier: MIT */
/*
** url.h: parsing engine URLs, percent-decoding, password masking.
**
**   dialect[+driver]://[user[:password]@][host | [ipv6]][:port][/database][?k=v&...]
**
** remoteUrlParse() is the one call to know; remoteUrlFree() releases it.
** Dialect aliases are resolved here (postgres -> postgresql); driver names
** are checked against the dialect's accepted list.
*/
#ifndef REMOTE_URL_H
#define REMOTE_URL_H

typedef struct RemoteUrl RemoteUrl;
struct RemoteUrl {
  char *zDialect;     /* "postgresql", "mysql", "mariadb", "sqlite", or a
                      ** name registered with remoteUrlDialectAdd() */
  char *zDriver;      /* as written after '+', or NULL */
  char *zUser;        /* percent-decoded, or NULL */
  char *zPassword;    /* percent-decoded, or NULL (empty string if "user:@") */
  char *zHost;        /* without brackets for IPv6, or NULL */
  int iPort;          /* 0 when absent */
  char *zDatabase;    /* percent-decoded; for sqlite the file path, NULL = memory */
  int nQuery;         /* number of query pairs */
  char **azKey;       /* query keys, percent-decoded */
  char **azVal;       /* query values, percent-decoded, '+' is a space */
  char *zMasked;      /* the URL as given, password replaced by "***" */
};

/*
** Parse zUrl. "env:NAME" reads the URL from environment variable NAME.
** On success returns 0 and sets *ppUrl (free with remoteUrlFree). On failure
** returns non-zero and sets *pzErr to a sqlite3_malloc'd message that never
** contains the password:
**   could not parse URL from string '<URL with password as ***>'
**   environment variable NAME is not set
**   unknown dialect 'NAME'          / unknown driver 'NAME' for dialect 'D'
** Query keys are not checked here (the dialect does that).
*/
int remoteUrlParse(const char *zUrl, RemoteUrl **ppUrl, char **pzErr);

void remoteUrlFree(RemoteUrl*);

/* Accept zName as a dialect name from now on (a dialect registered
** through the C API). SQLITE_OK, SQLITE_FULL (16 at most) or NOMEM. */
int remoteUrlDialectAdd(const char *zName);

/* A deep copy of a parsed URL (free with remoteUrlFree), NULL on OOM. */
RemoteUrl *remoteUrlDup(const RemoteUrl*);

/* Mask the password in a URL string that may not parse: sqlite3_malloc'd. */
char *remoteUrlMask(const char *zUrl);

/* Value of query key zKey, or NULL. */
const char *remoteUrlQuery(const RemoteUrl*, const char *zKey);

#endif /* REMOTE_URL_H */
