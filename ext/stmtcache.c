/* SPDX-License-Identifier: MIT */
/*
** stmtcache.c: the prepared statements a dialect keeps per connection, in
** least-recently-used order, one implementation for every dialect.
**
**   e = remoteStmtFind(&p->cache, zSql, aType, nType*sizeof(Oid));
**   if( e==0 ){ ...prepare, allocate an entry...; remoteStmtAdd(&p->cache, e); }
**   remoteStmtTrim(&p->cache, p->base.nStmtCache, e);
**
** A dialect's entry starts with a RemoteStmt (its key: the SQL text and
** the bytes the dialect adds to it, such as PostgreSQL's parameter types)
** and the cache calls the dialect's xDrop to close and free one it lets go.
** The statement run last is compared first, without hashing: a lookup in
** a loop runs the same statement again and again.
*/
#include <string.h>

#include "dialect.h"

/* FNV-1a of the SQL text and the key bytes */
static unsigned int stmtHash(const char *zSql, int nSql, const void *aKey, int nKey){
  unsigned int h = 2166136261u;
  const unsigned char *z = (const unsigned char*)zSql;
  int i;
  for(i=0; i<nSql; i++) h = (h ^ z[i]) * 16777619u;
  z = (const unsigned char*)aKey;
  for(i=0; i<nKey; i++) h = (h ^ z[i]) * 16777619u;
  return h;
}

/* Is e the entry of this key? */
static int stmtIs(const RemoteStmt *e, const char *zSql, int nSql,
                  const void *aKey, int nKey){
  return e->nSql==nSql && e->nKey==nKey
      && (nKey==0 || memcmp(e->aKey, aKey, nKey)==0)
      && memcmp(e->zSql, zSql, nSql)==0;
}

static void stmtUnlink(RemoteStmtCache *p, RemoteStmt *e){
  if( e->pNewer ) e->pNewer->pOlder = e->pOlder; else p->pNewest = e->pOlder;
  if( e->pOlder ) e->pOlder->pNewer = e->pNewer; else p->pOldest = e->pNewer;
  e->pNewer = e->pOlder = 0;
  p->nStmt--;
}

static void stmtLinkNewest(RemoteStmtCache *p, RemoteStmt *e){
  e->pNewer = 0;
  e->pOlder = p->pNewest;
  if( p->pNewest ) p->pNewest->pNewer = e; else p->pOldest = e;
  p->pNewest = e;
  p->nStmt++;
}

RemoteStmt *remoteStmtFind(RemoteStmtCache *p, const char *zSql,
                           const void *aKey, int nKey){
  int nSql = (int)strlen(zSql);
  RemoteStmt *e = p->pNewest;
  unsigned int h;
  if( e && stmtIs(e, zSql, nSql, aKey, nKey) ) return e;
  h = stmtHash(zSql, nSql, aKey, nKey);
  for(; e; e=e->pOlder){
    if( e->h==h && stmtIs(e, zSql, nSql, aKey, nKey) ){
      stmtUnlink(p, e);
      stmtLinkNewest(p, e);
      return e;
    }
  }
  return 0;
}

void remoteStmtKey(RemoteStmt *e, const char *zSql, const void *aKey, int nKey){
  e->zSql = zSql;
  e->nSql = (int)strlen(zSql);
  e->aKey = aKey;
  e->nKey = nKey;
  e->h = stmtHash(zSql, e->nSql, aKey, nKey);
}

void remoteStmtAdd(RemoteStmtCache *p, RemoteStmt *e){
  stmtLinkNewest(p, e);
}

void remoteStmtDrop(RemoteStmtCache *p, RemoteStmt *e){
  stmtUnlink(p, e);
  p->xDrop(p->pCtx, e);
}

void remoteStmtTrim(RemoteStmtCache *p, int nKeep, RemoteStmt *pKeep){
  while( p->nStmt>nKeep && p->pOldest && p->pOldest!=pKeep ){
    remoteStmtDrop(p, p->pOldest);
  }
}

void remoteStmtClear(RemoteStmtCache *p){
  while( p->pNewest ) remoteStmtDrop(p, p->pNewest);
}
