/* SPDX-License-Identifier: MIT */
/*
** vtab_write.c: xUpdate of the `remote` module: INSERT, UPDATE and DELETE
** of a remote table, by primary key.
**
**   INSERT INTO items(id, name) VALUES (7, 'x');
**   UPDATE items SET name = 'y' WHERE id = 7;
**   DELETE FROM items WHERE id = 7;
**
** vtabUpdate() finds the statement shape of the row (WriteShape: the SQL
** of one row and of several rows at once, built by shapeInsert(),
** shapeUpdate() or shapeDelete(), each headed by the SQL it writes for the
** example table "public"."items"(id integer primary key, name text, ok
** boolean) on PostgreSQL, and kept while the same kind of row comes),
** binds the row's values, converted by the column's affinity as SQLite
** would store them, and either sends the row now or queues it on the CONN
** (batch.c), which sends batch_size rows in one statement: multi-row
** VALUES, COPY, key IN (...), UPDATE ... FROM (VALUES ...) / JOIN (SELECT
** ... UNION ALL ...), or a statement of a few parameters made from all
** the rows (PostgreSQL arrays: vtabPgArrayColumn(); JSON for MySQL's
** JSON_TABLE: vtabJsonRows()), or the one-row statement for each row through
** the dialect's xExecBatch. A NULL for a column the remote fills itself
** leaves it out of the INSERT (rowMask()); a JSON array written to a
** PostgreSQL array column becomes the array literal (vtabJsonToArray()).
**
** When rows may wait. A queued row must reach the server before the
** statement that wrote it ends, so that a remote error fails that
** statement (and SQLite undoes it). SQLite says where a statement ends in
** two cases only:
**   - outside a transaction, xSync is its end (the statement commits);
**   - inside one, a statement that may write several rows opens a
**     statement savepoint (xSavepoint N) and releases it at its end
**     (xRelease N), or rolls back to it (xRollbackTo N) when it fails.
** So rows wait outside transactions, and inside one while the statement
** savepoint of the statement running now is open (StmtRec). Other rows go
** at once: a statement of one row (INSERT ... VALUES (...) of one row, an
** UPDATE or DELETE of one row found by its key) has no statement savepoint.
** Inside a transaction the first WRITE_TXN_ROWS_NOW rows of a statement go
** at once too, so that a statement of a few rows fails alone (below).
** xSavepoint comes from two places: at the statement's start, for tables
** already in the transaction (the statement savepoint, certainly), and
** from xBegin, for a table joining the transaction, where it may be
** instead a SAVEPOINT of the user's when the statement has none of its
** own (bAmbig). An ambiguous one counts once the statement proves to have
** a statement savepoint of its own: an INSERT with a second row, a DELETE
** or UPDATE whose scan was not a unique lookup (an UPDATE only when the
** scan left some column unchanged: UPDATE ... FROM has no statement
** savepoint, and reads every column). The statement running now is the one
** busy statement that writes (runningWriter()).
**
** A failing statement leaves none of its rows: outside a transaction
** SQLite rolls the remote transaction back; inside one, it rolls back to
** the statement savepoint (mirrored remotely). A row sent alone inside a
** transaction on a dialect whose failed statement aborts the whole remote
** transaction (PostgreSQL) gets a savepoint of its own statement's
** (writeGuardBegin), so that its failure undoes only that statement, as
** in SQLite. SQLite reports an error of xRelease (the last rows of a
** statement inside a transaction, sent at its end) by rolling the whole
** transaction back, without the message (remote_log keeps it, at level
** "error"): README says so; batch_size=1 avoids it.
**
** A key swap (UPDATE t SET id = CASE id WHEN 1 THEN 2 WHEN 2 THEN 1 END)
** is checked row by row by the server, as SQLite checks a local table:
** it fails with SQLITE_CONSTRAINT and changes nothing, unless the remote
** key is DEFERRABLE (PostgreSQL) and the rows go in one statement. A row
** gone remotely is not an error (it was not, row by row either); SQLite
** counts the rows it asked to change.
**
** Under isolation_level=AUTOCOMMIT no remote transaction spans SQLite's:
** each statement that writes through a table gets one of its own
** (remoteSessStmtBegin), committed at its end. (One case keeps it open
** past the statement: an ambiguous statement savepoint that was a user's,
** around a statement of one row; the next write, savepoint or end of the
** transaction closes it.)
*/
#include <math.h>
#include <string.h>

#include "vtab.h"
#include "log.h"

/* WriteShape kinds */
#define WK_INSERT 0
#define WK_UPDATE 1
#define WK_DELETE 2

/* Column flags (VtabWrite.aFlag) */
#define WCOL_AUTO     0x01  /* NULL means the remote's default */
#define WCOL_DEFAULT  0x02  /* ... with defaults=all */
#define WCOL_ARRAY    0x04  /* a JSON array is written as an array literal */
#define WCOL_JSONARRAY 0x08 /* ... of json or jsonb elements */
#define WCOL_GENERATED 0x10 /* the remote fills it by itself (identity,
                            ** serial, AUTO_INCREMENT, generated): its value
                            ** may be the key remote_last_insert_id() gives */

/* Inside a transaction the first rows of a statement go one at a time:
** a statement of a few rows fails alone, with the remote's message (see
** the header comment on the end of a statement) */
#define WRITE_TXN_ROWS_NOW 10

/* The marker of a parameter in a row template (batch.c) */
#define PARAM_MARK "\001"

/*
** A statement shape: how rows of one kind go to the server, for the
** columns written (aMask), the conflict mode and the mapped schema.
*/
typedef struct WriteShape WriteShape;
struct WriteShape {
  int bValid;
  int eConflict;            /* sqlite3_vtab_on_conflict() it was built for */
  char *zSchema;            /* the mapped schema it was built for */
  unsigned char *aMask;     /* nCol: 1 where the column is written */
  unsigned iSerial;         /* tells shapes apart in the queue: unique in
                            ** the process (shapeSerial) */
  int nParam;               /* parameters per row */
  int *aiParam;             /* what each is: a column's new value (>=0), or
                            ** part k of the old key (-1-k) */
  int iLastCol;             /* the generated key read back (-1 none) */
  RemoteBatchSql sql;       /* its SQL (texts in az[]) */
  char *az[9];
};

/* A statement in one of its runs (SQLITE_STMTSTATUS_RUN then): a later
** run of it, or another statement at its address, is not the same */
typedef struct StmtRun StmtRun;
struct StmtRun {
  sqlite3_stmt *pStmt;      /* the statement (NULL: none) */
  int iRun;
};

/* SQLite's statement savepoint of the statement writing now */
typedef struct StmtRec StmtRec;
struct StmtRec {
  StmtRun run;              /* the statement */
  int iSave;                /* the savepoint's number */
  int bAmbig;               /* from xBegin: maybe a SAVEPOINT of the user's */
  int nRow;                 /* rows written under it */
  int bScan, bUnique, bNochange;   /* VTAB_NOTE_* seen since */
};

struct VtabWrite {
  unsigned char *aFlag;     /* WCOL_* per column */
  char **azCast;            /* the type a VALUES list casts column i to */
  int bBegun;               /* xBegin was the last hook */
  StmtRec rec;
  WriteShape aShape[3];     /* the last shape of each kind */
  RemoteValue *aVal;        /* a row's parameters */
  int nValAlloc;
  char **azBuf;             /* converted values of the row */
  int nBuf, nBufAlloc;
  int eJson;                /* JSON_TABLE batches: 0 not known, 1 yes, 2 no */
  int bJsonKeys;            /* ... and a derived table of them gets a key */
  StmtRun guard;            /* the statement whose rows the remote
                            ** savepoint sr_w guards */
  StmtRun writer;           /* the statement that made the table join the
                            ** transaction (xBegin): one that writes it
                            ** (vtabWrittenNow) */
};

/* One xUpdate call */
typedef struct Write Write;
struct Write {
  RemoteVtab *pTab;
  VtabWrite *pW;
  SessConn *pSc;
  const RemoteDialect *pD;
  const VtabRules *pR;
  int eKind;                /* WK_* */
  int eConflict;
  char *zErr;               /* sqlite3_malloc'd error, or NULL */
};

/* ------------------------------------------------------------------ */
/* The write side of a table                                           */

int vtabWriteInit(RemoteVtab *pTab, const RemoteTableInfo *pInfo,
                  int bDefaultsAll){
  VtabWrite *pW;
  int i, nCol = pTab->nCol;
  pW = sqlite3_malloc(sizeof(*pW));
  if( pW==0 ) return SQLITE_NOMEM;
  memset(pW, 0, sizeof(*pW));
  pTab->pWr = pW;
  pW->aFlag = sqlite3_malloc64(nCol+1);
  pW->azCast = sqlite3_malloc64(sizeof(char*)*(nCol+1));
  if( pW->aFlag==0 || pW->azCast==0 ) return SQLITE_NOMEM;
  memset(pW->aFlag, 0, nCol+1);
  memset(pW->azCast, 0, sizeof(char*)*(nCol+1));
  for(i=0; pInfo && i<nCol && i<pInfo->nCol; i++){
    const RemoteColumnInfo *c = &pInfo->aCol[i];
    if( c->bAuto || (c->bDefault && c->bNotNull) ) pW->aFlag[i] |= WCOL_AUTO;
    if( c->bAuto ) pW->aFlag[i] |= WCOL_GENERATED;
    if( c->bDefault && bDefaultsAll ) pW->aFlag[i] |= WCOL_AUTO;
    if( c->bDefault ) pW->aFlag[i] |= WCOL_DEFAULT;
    if( pTab->pRules->bArrayJson && c->zRemoteType ){
      int n = (int)strlen(c->zRemoteType);
      if( n>2 && strcmp(&c->zRemoteType[n-2], "[]")==0 ){
        pW->aFlag[i] |= WCOL_ARRAY;
        if( sqlite3_strnicmp(c->zRemoteType, "json", 4)==0 ) pW->aFlag[i] |= WCOL_JSONARRAY;
      }
    }
    if( c->zCastType && c->zCastType[0] ){
      pW->azCast[i] = sqlite3_mprintf("%s", c->zCastType);
      if( pW->azCast[i]==0 ) return SQLITE_NOMEM;
    }
  }
  return SQLITE_OK;
}

static void shapeClear(WriteShape *pS){
  int i;
  for(i=0; i<(int)(sizeof(pS->az)/sizeof(pS->az[0])); i++) sqlite3_free(pS->az[i]);
  sqlite3_free(pS->zSchema);
  sqlite3_free(pS->aMask);
  sqlite3_free(pS->aiParam);
  memset(pS, 0, sizeof(*pS));
}

static void rowBufFree(VtabWrite *pW){
  int i;
  for(i=0; i<pW->nBuf; i++) sqlite3_free(pW->azBuf[i]);
  pW->nBuf = 0;
}

void vtabWriteFree(RemoteVtab *pTab){
  VtabWrite *pW = pTab->pWr;
  int i;
  if( pW==0 ) return;
  for(i=0; i<3; i++) shapeClear(&pW->aShape[i]);
  for(i=0; pW->azCast && i<pTab->nCol; i++) sqlite3_free(pW->azCast[i]);
  rowBufFree(pW);
  sqlite3_free(pW->azBuf);
  sqlite3_free(pW->azCast);
  sqlite3_free(pW->aFlag);
  sqlite3_free(pW->aVal);
  sqlite3_free(pW);
  pTab->pWr = 0;
}

/* ------------------------------------------------------------------ */
/* Which statement is writing                                          */

/* The one busy statement of db that writes, or NULL (none, or several) */
static sqlite3_stmt *runningWriter(sqlite3 *db){
  sqlite3_stmt *p, *pFound = 0;
  for(p=sqlite3_next_stmt(db, 0); p; p=sqlite3_next_stmt(db, p)){
    if( sqlite3_stmt_busy(p) && !sqlite3_stmt_readonly(p) ){
      if( pFound ) return 0;
      pFound = p;
    }
  }
  return pFound;
}

static int stmtRun(sqlite3_stmt *p){
  return sqlite3_stmt_status(p, SQLITE_STMTSTATUS_RUN, 0);
}

/* The statement writing now, in this run ({0, 0}: none, or several) */
static StmtRun writerNow(sqlite3 *db){
  StmtRun r;
  r.pStmt = runningWriter(db);
  r.iRun = r.pStmt ? stmtRun(r.pStmt) : 0;
  return r;
}

/* 1 if *p is the statement writing now, in the same run */
static int isWriterNow(sqlite3 *db, const StmtRun *p){
  return p->pStmt && runningWriter(db)==p->pStmt && stmtRun(p->pStmt)==p->iRun;
}

/*
** The statement savepoint record, if it belongs to the statement writing
** now; else the record is dropped and NULL returned. A certain record's
** statement is valid while its savepoint is open (it is released when the
** statement ends), and a statement that writes cannot start while another
** one is busy; an ambiguous record's statement may be gone, so it is only
** compared with the running one (and its run count read) when that is it.
*/
static StmtRec *stmtRecNow(RemoteVtab *pTab){
  StmtRec *pRec = &pTab->pWr->rec;
  if( pRec->run.pStmt==0 ) return 0;
  if( !pRec->bAmbig ){
    if( sqlite3_stmt_busy(pRec->run.pStmt) ) return pRec;
  }else if( isWriterNow(pTab->db, &pRec->run) ){
    return pRec;
  }
  memset(pRec, 0, sizeof(*pRec));
  return 0;
}

int vtabWriteBegun(RemoteVtab *pTab, SessConn *pSc, char **pzErr){
  VtabWrite *pW = pTab->pWr;
  if( pW ){
    pW->bBegun = 1;
    memset(&pW->rec, 0, sizeof(pW->rec));
    /* SQLite calls xBegin only for a table the statement writes */
    pW->writer = writerNow(pTab->db);
  }
  /* Under AUTOCOMMIT the statement is the transaction: make it one */
  if( pSc->nDepth>0 && pSc->bVtabTxn && !pSc->bBegun
   && sqlite3_get_autocommit(pTab->db) ){
    return remoteSessStmtBegin(pSc, pzErr);
  }
  return SQLITE_OK;
}

/*
** 1 if the statement running now writes this table, as far as its xBegin
** tells (the table joined the transaction for it). Such a statement reads
** all it reads of the table before it writes (vtab.c's writeScan()); an
** INSERT whose SELECT reads the table it inserts into runs that SELECT
** whole first too.
*/
int vtabWrittenNow(RemoteVtab *pTab){
  return pTab->pWr && isWriterNow(pTab->db, &pTab->pWr->writer);
}

/* 1 if pSc's remote transaction is one under AUTOCOMMIT (each statement
** commits by itself, or in a transaction of its own) */
static int autocommitTxn(SessConn *pSc){
  return pSc->nDepth>0 && (pSc->bStmtTxn || !pSc->bBegun);
}

int vtabWriteSavepoint(RemoteVtab *pTab, SessConn *pSc, int iSave,
                       int *pbSkip, char **pzErr){
  VtabWrite *pW = pTab->pWr;
  int rc = SQLITE_OK;
  *pbSkip = 0;
  if( pW ){
    int bAmbig = pW->bBegun;
    pW->bBegun = 0;
    if( !sqlite3_get_autocommit(pTab->db) ){
      StmtRun r = writerNow(pTab->db);
      memset(&pW->rec, 0, sizeof(pW->rec));
      if( r.pStmt ){
        pW->rec.run = r;
        pW->rec.iSave = iSave;
        pW->rec.bAmbig = bAmbig;
      }
    }
  }
  if( autocommitTxn(pSc) ){
    /* no remote savepoints: a statement's own transaction, if one is
    ** still open, was a statement's that ended without saying so */
    rc = remoteSessStmtEnd(pSc, 0, pzErr);
    *pbSkip = 1;
  }
  return rc;
}

int vtabWriteSavepointEnd(RemoteVtab *pTab, SessConn *pSc, int iSave,
                          int bRollback, int *pbSkip, char **pzErr){
  VtabWrite *pW = pTab->pWr;
  int rc = SQLITE_OK;
  *pbSkip = 0;
  if( bRollback ){
    remoteBatchDiscard(pSc);
  }else if( remoteBatchPending(pSc) ){
    rc = remoteBatchFlush(pSc, pzErr);
    if( rc ){
      /* SQLite keeps no message of a failed xRelease (it rolls the whole
      ** transaction back): remote_log keeps it */
      remoteLog(pSc->zEngine, "error", 0, "%s", *pzErr ? *pzErr : "error");
    }
  }
  if( pW && pW->rec.run.pStmt && iSave<=pW->rec.iSave ){
    memset(&pW->rec, 0, sizeof(pW->rec));
  }
  if( autocommitTxn(pSc) ){
    int rc2 = remoteSessStmtEnd(pSc, bRollback || rc, rc ? 0 : pzErr);
    if( rc==SQLITE_OK ) rc = rc2;
    *pbSkip = 1;
  }
  return rc;
}

void vtabWriteNote(RemoteVtab *pTab, int eNote){
  VtabWrite *pW = pTab->pWr;
  if( pW==0 ) return;
  pW->bBegun = 0;
  if( eNote==VTAB_NOTE_END ){
    memset(&pW->writer, 0, sizeof(pW->writer));
    return;
  }
  if( pW->rec.run.pStmt==0 ) return;
  switch( eNote ){
    case VTAB_NOTE_SCAN:     pW->rec.bScan = 1; break;
    case VTAB_NOTE_UNIQUE:   pW->rec.bUnique = 1; break;
    case VTAB_NOTE_NOCHANGE: pW->rec.bNochange = 1; break;
  }
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

/* Keep a converted value's buffer until the row is sent or queued */
static int rowKeep(VtabWrite *pW, char *z){
  if( z==0 ) return SQLITE_OK;
  if( pW->nBuf>=pW->nBufAlloc ){
    int nNew = pW->nBufAlloc ? pW->nBufAlloc*2 : 8;
    char **azNew = sqlite3_realloc64(pW->azBuf, sizeof(char*)*nNew);
    if( azNew==0 ){ sqlite3_free(z); return SQLITE_NOMEM; }
    pW->azBuf = azNew;
    pW->nBufAlloc = nNew;
  }
  pW->azBuf[pW->nBuf++] = z;
  return SQLITE_OK;
}

/* Convert a value for a column of affinity cAff as SQLite's column
** affinity would store it. May point into *pzBuf. */
static void storeAffinity(char cAff, RemoteValue *v, char **pzBuf){
  if( cAff==AFF_TEXT ){
    vtabApplyAffinity(K_TEXT, v, pzBuf);
  }else if( cAff==AFF_INT || cAff==AFF_NUM ){
    vtabApplyAffinity(K_INT, v, pzBuf);
    if( v->eType==SQLITE_FLOAT && v->r==floor(v->r)
     && v->r>-9.2233720368547758e18 && v->r<9.2233720368547758e18 ){
      v->eType = SQLITE_INTEGER;
      v->i = (sqlite3_int64)v->r;
    }
  }else if( cAff==AFF_REAL ){
    vtabApplyAffinity(K_REAL8, v, pzBuf);
    if( v->eType==SQLITE_INTEGER ){
      v->eType = SQLITE_FLOAT;
      v->r = (double)v->i;
    }
  }
}

/* pVal as stored in column iCol, as the remote takes it: booleans 0/1,
** JSON arrays as array literals (pointing into pVal or a kept buffer) */
static int columnValue(Write *w, int iCol, sqlite3_value *pVal, RemoteValue *v){
  RemoteVtab *pTab = w->pTab;
  char *zBuf = 0;
  remoteValueFromSqlite(pVal, v);
  storeAffinity(pTab->aAff[iCol], v, &zBuf);
  if( pTab->aKind[iCol]==K_BOOL ){
    /* 1 and 0, whatever number SQLite would take as true or false */
    if( v->eType==SQLITE_INTEGER ){
      v->i = v->i!=0;
    }else if( v->eType==SQLITE_FLOAT ){
      v->eType = SQLITE_INTEGER;
      v->i = v->r!=0.0;
    }
  }
  if( (w->pW->aFlag[iCol] & WCOL_ARRAY) && v->eType==SQLITE_TEXT
   && v->n>0 && (v->z[0]=='[' || v->z[0]==' ' || v->z[0]=='\t'
                 || v->z[0]=='\n' || v->z[0]=='\r') ){
    char *zArr = vtabJsonToArray(v->z, v->n, (w->pW->aFlag[iCol] & WCOL_JSONARRAY)!=0);
    if( zArr ){
      sqlite3_free(zBuf);
      zBuf = zArr;
      v->z = zArr;
      v->n = (int)strlen(zArr);
    }
  }
  return rowKeep(w->pW, zBuf);
}

/* The old key of the row argv[0] names: a one-column key's value, or the
** values the rowid of a composite key stands for (see RowMap) */
static int oldKey(Write *w, sqlite3_value *pKey, RemoteValue *aKey){
  RemoteVtab *pTab = w->pTab;
  if( pTab->nPk==1 ) return columnValue(w, pTab->iPk, pKey, &aKey[0]);
  if( !vtabKeyOf(pTab, sqlite3_value_int64(pKey), aKey) ){
    w->zErr = sqlite3_mprintf("remote: %s: no key known for rowid %lld",
                              pTab->zEngine, sqlite3_value_int64(pKey));
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* The row's parameters, as shape pS lays them out, into pW->aVal */
static int rowValues(Write *w, const WriteShape *pS, sqlite3_value **argv){
  VtabWrite *pW = w->pW;
  RemoteValue aKey[REMOTE_PK_MAX];
  int i, rc = SQLITE_OK, bKey = 0;
  if( pS->nParam>pW->nValAlloc ){
    RemoteValue *aNew = sqlite3_realloc64(pW->aVal, sizeof(RemoteValue)*pS->nParam);
    if( aNew==0 ) return SQLITE_NOMEM;
    pW->aVal = aNew;
    pW->nValAlloc = pS->nParam;
  }
  for(i=0; rc==SQLITE_OK && i<pS->nParam; i++){
    int iCol = pS->aiParam[i];
    if( iCol>=0 ){
      rc = columnValue(w, iCol, argv[iCol+2], &pW->aVal[i]);
    }else{
      if( !bKey ){
        rc = oldKey(w, argv[0], aKey);
        bKey = 1;
      }
      pW->aVal[i] = aKey[-1-iCol];
    }
  }
  return rc;
}

/* A new row of a composite-key table: its rowid is the number of its key
** values */
static void newRowRowid(Write *w, sqlite3_value **argv, sqlite3_int64 *pRowid){
  RemoteVtab *pTab = w->pTab;
  RemoteValue aKey[REMOTE_PK_MAX];
  int k;
  if( pTab->nPk<=1 || pTab->nPk>REMOTE_PK_MAX ) return;
  for(k=0; k<pTab->nPk; k++){
    if( columnValue(w, pTab->aiPk[k], argv[pTab->aiPk[k]+2], &aKey[k]) ) return;
  }
  *pRowid = vtabRowidOf(pTab, aKey);
}

/* ------------------------------------------------------------------ */
/* Shapes                                                              */

/* Append column iCol's quoted name */
static void appendCol(Write *w, sqlite3_str *p, int iCol){
  const char *zQ = vtabColQuoted(w->pTab, w->pD, iCol);
  if( zQ ) sqlite3_str_appendall(p, zQ);
  else sqlite3_str_appendall(p, "\001\001");  /* poisons the text: NOMEM */
}

/* Append how column iCol takes a written parameter: the rule's format
** (a PostgreSQL boolean: "(%p::int8 <> 0)"), %p as PARAM_MARK; with
** bCast, a value in a VALUES list, cast to the column's type */
static void appendParam(Write *w, sqlite3_str *p, int iCol, int bCast){
  const char *zFmt = w->pR->azWrite[w->pTab->aKind[iCol]];
  const char *zCast = bCast ? w->pW->azCast[iCol] : 0;
  if( zFmt ){
    const char *z;
    for(z=zFmt; *z; z++){
      if( z[0]=='%' && z[1]=='p' ){ sqlite3_str_appendall(p, PARAM_MARK); z++; }
      else sqlite3_str_appendchar(p, 1, *z);
    }
  }else if( zCast ){
    sqlite3_str_appendf(p, "%s::%s", PARAM_MARK, zCast);
  }else{
    sqlite3_str_appendall(p, PARAM_MARK);
  }
}

/* A value in the SELECT list of BATCH_UPDATE_JOIN's derived table: MySQL
** types a bare text parameter there CHAR, which drops trailing spaces;
** CAST(? AS CHAR) keeps them (numbers and blobs stay as they are) */
static void appendJoinParam(Write *w, sqlite3_str *p, int iCol){
  switch( w->pTab->aKind[iCol] ){
    case K_TEXT: case K_TEXTCAST: case K_OTHER:
      sqlite3_str_appendall(p, "CAST(" PARAM_MARK " AS CHAR)");
      break;
    default:
      appendParam(w, p, iCol, 0);
      break;
  }
}

/* zTemplate with each PARAM_MARK a placeholder numbered from *pn on:
** sqlite3_malloc'd */
static char *numbered(const char *zTemplate, int bDollar, int *pn){
  sqlite3_str *p = sqlite3_str_new(0);
  const char *z;
  for(z=zTemplate; *z; z++){
    if( *z==PARAM_MARK[0] ){
      if( bDollar ) sqlite3_str_appendf(p, "$%d", ++*pn);
      else sqlite3_str_appendchar(p, 1, '?');
    }else{
      sqlite3_str_appendchar(p, 1, *z);
    }
  }
  return sqlite3_str_finish(p);
}

/* 1 if column iCol is part of the primary key */
static int isKeyColumn(RemoteVtab *pTab, int iCol){
  int k;
  for(k=0; k<pTab->nPk; k++) if( pTab->aiPk[k]==iCol ) return 1;
  return 0;
}

/*
** The conflict clause of INSERT OR REPLACE (an upsert) or OR IGNORE:
**
**   ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", ...
**   ON CONFLICT ("id") DO NOTHING          (REPLACE, a key-only table)
**   ON CONFLICT DO NOTHING                 (IGNORE)
**   ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)   (MySQL; IGNORE and
**                                  a key-only table: `id` = `id`)
**
** (SQLite's own INSERT OR ... verb is written by shapeInsert.) Not
** INSERT IGNORE on MySQL: that also turns data errors into warnings. The
** columns an INSERT leaves to their default get it (EXCLUDED and VALUES()
** hold the default), as REPLACE gives a new row its defaults.
*/
static void appendUpsert(Write *w, sqlite3_str *p){
  RemoteVtab *pTab = w->pTab;
  int eUpsert = w->pR->eUpsert;
  int i, k, nSet = 0;
  if( eUpsert==UPSERT_ON_CONFLICT && w->eConflict==SQLITE_IGNORE ){
    sqlite3_str_appendall(p, " ON CONFLICT DO NOTHING");
    return;
  }
  if( eUpsert==UPSERT_ON_CONFLICT ){
    sqlite3_str_appendall(p, " ON CONFLICT (");
    for(k=0; k<pTab->nPk; k++){
      if( k ) sqlite3_str_appendall(p, ", ");
      appendCol(w, p, pTab->aiPk[k]);
    }
    sqlite3_str_appendall(p, ")");
  }else{
    sqlite3_str_appendall(p, " ON DUPLICATE KEY UPDATE ");
  }
  for(i=0; w->eConflict==SQLITE_REPLACE && i<pTab->nCol; i++){
    const char *zQ = vtabColQuoted(pTab, w->pD, i);
    if( isKeyColumn(pTab, i) ) continue;
    if( zQ==0 ){ sqlite3_str_appendall(p, "\001\001"); continue; }
    if( eUpsert==UPSERT_ON_CONFLICT ){
      sqlite3_str_appendf(p, "%s%s = EXCLUDED.%s", nSet ? ", " : " DO UPDATE SET ",
                          zQ, zQ);
    }else{
      sqlite3_str_appendf(p, "%s%s = VALUES(%s)", nSet ? ", " : "", zQ, zQ);
    }
    nSet++;
  }
  if( nSet==0 ){
    /* a key-only table (or IGNORE on MySQL): nothing to update */
    if( eUpsert==UPSERT_ON_CONFLICT ){
      sqlite3_str_appendall(p, " DO NOTHING");
    }else{
      appendCol(w, p, pTab->aiPk[0]);
      sqlite3_str_appendall(p, " = ");
      appendCol(w, p, pTab->aiPk[0]);
    }
  }
}

/* The text of p (freed), "" when empty: sqlite3_malloc'd, or NULL and
** *pbNoMem set */
static char *strFinish(sqlite3_str *p, int *pbNoMem){
  int bErr = sqlite3_str_errcode(p)!=SQLITE_OK;
  char *z = sqlite3_str_finish(p);
  if( z==0 && !bErr ) z = sqlite3_mprintf("");
  if( z==0 || bErr || strstr(z, "\001\001") ){
    sqlite3_free(z);
    *pbNoMem = 1;
    return 0;
  }
  return z;
}

/* Finish the shape's texts into az[1..6] (prefix, first row, row,
** separator, suffix, COPY target). SQLITE_OK or SQLITE_NOMEM. */
static int shapeFinish(WriteShape *pS, sqlite3_str *pPrefix, sqlite3_str *pRow1,
                       sqlite3_str *pRow, const char *zSep, sqlite3_str *pSuffix,
                       sqlite3_str *pCopy){
  int bNoMem = 0;
  pS->az[1] = strFinish(pPrefix, &bNoMem);
  pS->az[2] = pRow1 ? strFinish(pRow1, &bNoMem) : 0;
  pS->az[3] = strFinish(pRow, &bNoMem);
  pS->az[4] = sqlite3_mprintf("%s", zSep);
  if( pS->az[4]==0 ) bNoMem = 1;
  pS->az[5] = strFinish(pSuffix, &bNoMem);
  pS->az[6] = pCopy ? strFinish(pCopy, &bNoMem) : 0;
  return bNoMem ? SQLITE_NOMEM : SQLITE_OK;
}

/* Shape pS's one-row statement (az[0]) from the template pOne (taken),
** its placeholders numbered; rc: the caller's so far, returned when set */
static int shapeOne(WriteShape *pS, sqlite3_str *pOne, int bDollar, int rc){
  int bNoMem = 0, n = 0;
  char *zOneT = strFinish(pOne, &bNoMem);
  if( bNoMem ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    pS->az[0] = numbered(zOneT, bDollar, &n);
    if( pS->az[0]==0 ) rc = SQLITE_NOMEM;
  }
  sqlite3_free(zOneT);
  return rc;
}

/* Set the shape's RemoteBatchSql from az[] (zOne built by the caller in
** az[0]); bBatch: several rows may go in one statement */
static void shapeSql(Write *w, WriteShape *pS, int bBatch){
  RemoteBatchSql *q = &pS->sql;
  memset(q, 0, sizeof(*q));
  q->zOne = pS->az[0];
  if( bBatch ){
    q->zPrefix = pS->az[1];
    q->zRow1 = pS->az[2];
    q->zRow = pS->az[3];
    q->zSep = pS->az[4];
    q->zSuffix = pS->az[5];
  }
  q->zCopy = pS->az[6];
  /* no text for several rows: the dialect may still send them at once */
  q->bMany = !bBatch;
  q->nParam = pS->nParam;
  q->nMax = w->pTab->nBatch;
  q->bDollar = w->pR->bDollar;
}

/*
**   INSERT INTO "public"."items" ("id", "name", "ok")
**     VALUES ($1, $2, ($3::int8 <> 0)) [conflict clause, appendUpsert]
**     [RETURNING "id"]
**
** The columns are those of aMask (a NULL for a column the remote fills
** is left out). Several rows: VALUES (...), (...); a plain INSERT may go
** as COPY "public"."items" ("id", "name", "ok") instead.
*/
static int shapeInsert(Write *w, WriteShape *pS){
  RemoteVtab *pTab = w->pTab;
  const VtabRules *pR = w->pR;
  sqlite3_str *pPrefix = sqlite3_str_new(0);
  sqlite3_str *pRow = sqlite3_str_new(0);
  sqlite3_str *pSuffix = sqlite3_str_new(0);
  sqlite3_str *pCopy = 0;
  sqlite3_str *pTarget = sqlite3_str_new(0);
  char *zTarget;
  int i, n = 0, nCol = 0, rc, bBatch;
  int eConflict = w->eConflict;

  if( pR->eUpsert==UPSERT_OR_VERB && eConflict==SQLITE_REPLACE ){
    sqlite3_str_appendall(pPrefix, "INSERT OR REPLACE INTO ");
  }else if( pR->eUpsert==UPSERT_OR_VERB && eConflict==SQLITE_IGNORE ){
    sqlite3_str_appendall(pPrefix, "INSERT OR IGNORE INTO ");
  }else{
    sqlite3_str_appendall(pPrefix, "INSERT INTO ");
  }
  vtabAppendTarget(pTarget, pTab, w->pSc, w->pD);
  for(i=0; i<pTab->nCol; i++){
    if( !pS->aMask[i] ) continue;
    sqlite3_str_appendall(pTarget, nCol ? ", " : " (");
    appendCol(w, pTarget, i);
    sqlite3_str_appendall(pRow, nCol ? ", " : "(");
    appendParam(w, pRow, i, 0);
    pS->aiParam[nCol++] = i;
  }
  pS->nParam = nCol;
  if( nCol>0 ){
    sqlite3_str_appendall(pTarget, ")");
    sqlite3_str_appendall(pRow, ")");
  }
  {
    int bNoMem = 0;
    zTarget = strFinish(pTarget, &bNoMem);
  }
  if( zTarget==0 ){
    sqlite3_free(sqlite3_str_finish(pPrefix));
    sqlite3_free(sqlite3_str_finish(pRow));
    sqlite3_free(sqlite3_str_finish(pSuffix));
    return SQLITE_NOMEM;
  }
  sqlite3_str_appendall(pPrefix, zTarget);
  if( nCol>0 ){
    sqlite3_str_appendall(pPrefix, " VALUES ");
  }else{
    sqlite3_str_appendall(pPrefix, pR->zNoColumns ? pR->zNoColumns : " DEFAULT VALUES");
  }
  if( (eConflict==SQLITE_REPLACE || eConflict==SQLITE_IGNORE)
   && pR->eUpsert!=UPSERT_OR_VERB ){
    appendUpsert(w, pSuffix);
  }
  /* The generated key, read back: the first column left to the remote
  ** that fills it by itself, the key's first */
  pS->iLastCol = -1;
  if( pR->eLastId!=LAST_ID_NONE ){
    for(i=0; i<pTab->nCol && pS->iLastCol<0; i++){
      if( !pS->aMask[i] && isKeyColumn(pTab, i) && (w->pW->aFlag[i] & WCOL_GENERATED) ){
        pS->iLastCol = i;
      }
    }
    for(i=0; i<pTab->nCol && pS->iLastCol<0; i++){
      if( !pS->aMask[i] && (w->pW->aFlag[i] & WCOL_GENERATED) ) pS->iLastCol = i;
    }
  }
  if( pS->iLastCol>=0 && pR->eLastId==LAST_ID_RETURNING ){
    sqlite3_str_appendall(pSuffix, " RETURNING ");
    appendCol(w, pSuffix, pS->iLastCol);
  }
  if( sqlite3_str_length(pSuffix)==0 && pS->iLastCol<0 && nCol>0 ){
    /* a plain INSERT: a dialect's COPY may take it */
    pCopy = sqlite3_str_new(0);
    sqlite3_str_appendall(pCopy, zTarget);
  }
  sqlite3_free(zTarget);
  /* ON CONFLICT DO UPDATE cannot take a key twice in one statement */
  bBatch = nCol>0 && !(eConflict==SQLITE_REPLACE && pR->eUpsert==UPSERT_ON_CONFLICT);
  rc = shapeFinish(pS, pPrefix, 0, pRow, ",", pSuffix, pCopy);
  if( rc ) return rc;
  pS->az[0] = sqlite3_mprintf("%s%z%s", pS->az[1],
                              numbered(pS->az[3], pR->bDollar, &n), pS->az[5]);
  if( pS->az[0]==0 ) return SQLITE_NOMEM;
  shapeSql(w, pS, bBatch);
  if( pS->iLastCol>=0 ){
    pS->sql.eLastId = pR->eLastId==LAST_ID_RETURNING ? BATCH_LAST_ID_RETURNING
                                                      : BATCH_LAST_ID_DRIVER;
  }else if( pR->eLastId!=LAST_ID_NONE ){
    pS->sql.eLastId = BATCH_LAST_ID_NONE;
  }
  /* a key read back needs each statement's rows */
  if( pS->sql.eLastId==BATCH_LAST_ID_RETURNING || pS->sql.eLastId==BATCH_LAST_ID_DRIVER ){
    pS->sql.bMany = 0;
  }
  return SQLITE_OK;
}

/* 1 if column iCol's values may go as one array parameter (a type a cast
** can name, not itself an array) */
static int arrayParamOk(Write *w, int iCol){
  const char *zCast = w->pW->azCast[iCol];
  int n = zCast ? (int)strlen(zCast) : 0;
  return w->pR->bArrayParams && n>0 && !(n>2 && strcmp(&zCast[n-2], "[]")==0);
}

/* Shape pS's zEnc (az[7]) from p: nEnc parameters made by vtabPgArrayColumn */
static int shapeEncoded(WriteShape *pS, sqlite3_str *p, int nEnc){
  int bNoMem = 0;
  pS->az[7] = strFinish(p, &bNoMem);
  if( bNoMem ) return SQLITE_NOMEM;
  pS->sql.zEnc = pS->az[7];
  pS->sql.nEnc = nEnc;
  pS->sql.xEncode = vtabPgArrayColumn;
  return SQLITE_OK;
}

/* May this table's batches bind their rows as JSON for JSON_TABLE? The
** rules' probe statement, run once per table, says whether the server
** has JSON_TABLE (a failed statement leaves a MySQL transaction as it
** was), and by its value (1) whether a derived table of them gets a key
** (updateJsonTable's range form) */
static int jsonRowsOk(Write *w, int *pRc){
  VtabWrite *pW = w->pW;
  if( w->pR->zJsonProbe==0 ) return 0;
  if( pW->eJson==0 ){
    char *zErr = 0;
    RemoteResult *pRes = 0;
    int rc;
    /* rows queued before go first, their errors being theirs */
    if( remoteBatchPending(w->pSc) ){
      *pRc = remoteBatchFlush(w->pSc, &w->zErr);
      if( *pRc ) return 0;
    }
    pW->eJson = 2;
    pW->bJsonKeys = 0;
    rc = remoteResultOpen(w->pSc, w->pR->zJsonProbe, 0, 0, 0, &pRes, &zErr);
    if( rc==SQLITE_OK ) rc = remoteResultStep(pRes, &zErr);
    if( rc==SQLITE_ROW ){
      RemoteValue v;
      remoteResultColumn(pRes, 0, &v);
      pW->eJson = 1;
      pW->bJsonKeys = v.eType==SQLITE_INTEGER && v.i==1;
    }
    remoteResultClose(pRes);
    sqlite3_free(zErr);
  }
  return pW->eJson==1;
}

/* sr_t."k1" = sr_v.k0 AND sr_t."k2" = sr_v.k1: the key joined to the
** batch's rows */
static void appendKeyJoin(Write *w, sqlite3_str *p){
  RemoteVtab *pTab = w->pTab;
  int k;
  for(k=0; k<pTab->nPk; k++){
    if( k ) sqlite3_str_appendall(p, " AND ");
    sqlite3_str_appendall(p, "sr_t.");
    appendCol(w, p, pTab->aiPk[k]);
    sqlite3_str_appendf(p, " = sr_v.k%d", k);
  }
}

/* 1 if every key column is an integer (a join on it needs no collation) */
static int integerKey(RemoteVtab *pTab){
  int k;
  for(k=0; k<pTab->nPk; k++){
    if( pTab->aKind[pTab->aiPk[k]]!=K_INT ) return 0;
  }
  return pTab->nPk>0;
}

/*
**   UPDATE `items` AS sr_t JOIN JSON_TABLE(?, '$[*]' COLUMNS(
**     c0 LONGTEXT PATH '$[0]', k0 BIGINT PATH '$[1]')) AS sr_v
**     ON sr_t.`id` = sr_v.k0 SET sr_t.`name` = sr_v.c0
** (every row of the batch in one JSON parameter, where the server has
** JSON_TABLE): the batch statement of update shape pS, nSet columns set.
** For a batch whose keys are dense (a key of one column that the update
** leaves as it is, and a server where a derived table gets a key),
** RemoteBatchSql.zEncRange:
**   UPDATE `items` AS sr_t STRAIGHT_JOIN (SELECT * FROM JSON_TABLE(?, ...)
**     AS sr_j LIMIT 18446744073709551615) AS sr_v ON sr_t.`id` = sr_v.k0
**     SET sr_t.`name` = sr_v.c0 WHERE sr_t.`id` BETWEEN ? AND ?
** The table comes first, read along its key's range, and MariaDB updates
** each row as it reads it; the first form collects the rows to update
** and updates them afterwards (2.5 against 1.7 ms for 1000 rows).
*/
static int updateJsonTable(Write *w, WriteShape *pS, int nSet){
  RemoteVtab *pTab = w->pTab;
  int i, rc = SQLITE_OK;
  int bOk = 1;
  for(i=0; i<nSet; i++) if( pTab->aKind[pS->aiParam[i]]==K_BLOB ) bOk = 0;
  if( bOk && jsonRowsOk(w, &rc) ){
    sqlite3_str *pCols = sqlite3_str_new(0);
    sqlite3_str *pJoin = sqlite3_str_new(0);
    sqlite3_str *p = sqlite3_str_new(0);
    int bRange = w->pW->bJsonKeys && pTab->nPk==1;
    int bNoMem = 0;
    char *zCols, *zJoin;
    /* JSON_TABLE(?, ...)) AS sr_v ON ... SET ... */
    sqlite3_str_appendall(pCols, "JSON_TABLE(?, '$[*]' COLUMNS(");
    for(i=0; i<pS->nParam; i++){
      int iCol = pS->aiParam[i]>=0 ? pS->aiParam[i] : pTab->aiPk[-1-pS->aiParam[i]];
      const char *zType;
      switch( pTab->aKind[iCol] ){
        case K_INT: case K_BOOL: zType = "BIGINT"; break;
        case K_REAL8: case K_REAL4: zType = "DOUBLE"; break;
        case K_NUMERIC: zType = "DECIMAL(65,30)"; break;
        default: zType = "LONGTEXT"; break;
      }
      if( pS->aiParam[i]>=0 ){
        sqlite3_str_appendf(pCols, "%sc%d %s PATH '$[%d]'", i ? ", " : "", i, zType, i);
      }else{
        sqlite3_str_appendf(pCols, "%sk%d %s PATH '$[%d]'", i ? ", " : "",
                            -1-pS->aiParam[i], zType, i);
      }
    }
    sqlite3_str_appendall(pCols, "))");
    sqlite3_str_appendall(pJoin, " AS sr_v ON ");
    appendKeyJoin(w, pJoin);
    sqlite3_str_appendall(pJoin, " SET ");
    for(i=0; i<nSet; i++){
      if( i ) sqlite3_str_appendall(pJoin, ", ");
      sqlite3_str_appendall(pJoin, "sr_t.");
      appendCol(w, pJoin, pS->aiParam[i]);
      sqlite3_str_appendf(pJoin, " = sr_v.c%d", i);
      if( pS->aiParam[i]==pTab->aiPk[0] ) bRange = 0;
    }
    zCols = strFinish(pCols, &bNoMem);
    zJoin = strFinish(pJoin, &bNoMem);
    if( !bNoMem ){
      sqlite3_str_appendall(p, "UPDATE ");
      vtabAppendTarget(p, pTab, w->pSc, w->pD);
      sqlite3_str_appendf(p, " AS sr_t JOIN %s%s", zCols, zJoin);
    }
    rc = shapeEncoded(pS, p, 1);
    if( rc==SQLITE_OK && bRange && !bNoMem ){
      p = sqlite3_str_new(0);
      sqlite3_str_appendall(p, "UPDATE ");
      vtabAppendTarget(p, pTab, w->pSc, w->pD);
      /* (the LIMIT keeps the derived table from being merged into the
      ** join, which would read the JSON once for each row of the table) */
      sqlite3_str_appendf(p, " AS sr_t STRAIGHT_JOIN (SELECT * FROM %s AS sr_j"
                          " LIMIT 18446744073709551615)%s WHERE sr_t.", zCols, zJoin);
      appendCol(w, p, pTab->aiPk[0]);
      sqlite3_str_appendall(p, " BETWEEN ? AND ?");
      pS->az[8] = strFinish(p, &bNoMem);
      pS->sql.zEncRange = pS->az[8];
      pS->sql.iRange = nSet;
    }
    sqlite3_free(zCols);
    sqlite3_free(zJoin);
    if( rc==SQLITE_OK && bNoMem ) rc = SQLITE_NOMEM;
    if( rc ) return rc;
    pS->sql.xEncode = vtabJsonRows;
    pS->sql.zPrefix = 0;
    pS->sql.bMany = 0;
  }
  return rc;
}

/*
**   UPDATE "public"."items" AS sr_t SET "name" = sr_v.c0
**     FROM unnest($1::text[], $2::integer[]) AS sr_v(c0, k0)
**     WHERE sr_t."id" = sr_v.k0
** (each column's values of the batch as one array): the batch statement
** of update shape pS, nSet columns set, when every column can go so
*/
static int updateUnnest(Write *w, WriteShape *pS, int nSet){
  RemoteVtab *pTab = w->pTab;
  int i, k, rc;
  sqlite3_str *p = sqlite3_str_new(0);
  int bOk = 1;
  for(i=0; i<pS->nParam; i++){
    int iCol = pS->aiParam[i]>=0 ? pS->aiParam[i] : pTab->aiPk[-1-pS->aiParam[i]];
    if( !arrayParamOk(w, iCol) ) bOk = 0;
  }
  if( bOk ){
    sqlite3_str_appendall(p, "UPDATE ");
    vtabAppendTarget(p, pTab, w->pSc, w->pD);
    sqlite3_str_appendall(p, " AS sr_t SET ");
    for(i=0; i<nSet; i++){
      if( i ) sqlite3_str_appendall(p, ", ");
      appendCol(w, p, pS->aiParam[i]);
      sqlite3_str_appendf(p, " = sr_v.c%d", i);
    }
    sqlite3_str_appendall(p, " FROM unnest(");
    for(i=0; i<pS->nParam; i++){
      int iCol = pS->aiParam[i]>=0 ? pS->aiParam[i] : pTab->aiPk[-1-pS->aiParam[i]];
      sqlite3_str_appendf(p, "%s$%d::%s[]", i ? ", " : "", i+1, w->pW->azCast[iCol]);
    }
    sqlite3_str_appendall(p, ") AS sr_v(");
    for(i=0; i<nSet; i++) sqlite3_str_appendf(p, "c%d, ", i);
    for(k=0; k<pTab->nPk; k++) sqlite3_str_appendf(p, "%sk%d", k ? ", " : "", k);
    sqlite3_str_appendall(p, ") WHERE ");
    appendKeyJoin(w, p);
    rc = shapeEncoded(pS, p, pS->nParam);
    if( rc ) return rc;
    pS->sql.zPrefix = 0;      /* the arrays serve several rows */
    pS->sql.bMany = 0;
  }else{
    sqlite3_free(sqlite3_str_finish(p));
  }
  return SQLITE_OK;
}

/*
**   UPDATE "public"."items" SET "name" = $1, "ok" = ($2::int8 <> 0)
**     WHERE "id" = $3
** Only the columns SQLite says changed are set (the key may change too).
** Several rows of a table with an integer key (the old key last):
**   UPDATE "public"."items" AS sr_t SET "name" = sr_v.c0, "ok" = sr_v.c1
**     FROM (VALUES ($1::text, ($2::int8 <> 0), $3::integer), ...)
**     AS sr_v(c0, c1, k0) WHERE sr_t."id" = sr_v.k0
**   UPDATE `items` AS sr_t JOIN (SELECT ? AS c0, ? AS k0 UNION ALL
**     SELECT ?, ? ...) AS sr_v ON sr_t.`id` = sr_v.k0 SET sr_t.`name` = sr_v.c0
*/
static int shapeUpdate(Write *w, WriteShape *pS){
  RemoteVtab *pTab = w->pTab;
  const VtabRules *pR = w->pR;
  int eBatch = integerKey(pTab) ? pR->eBatchUpdate : BATCH_UPDATE_NONE;
  sqlite3_str *pOne = sqlite3_str_new(0);
  sqlite3_str *pPrefix = sqlite3_str_new(0);
  sqlite3_str *pRow1 = eBatch==BATCH_UPDATE_JOIN ? sqlite3_str_new(0) : 0;
  sqlite3_str *pRow = sqlite3_str_new(0);
  sqlite3_str *pSuffix = sqlite3_str_new(0);
  sqlite3_str *pSet = sqlite3_str_new(0);
  int i, k, nSet = 0, rc;

  sqlite3_str_appendall(pOne, "UPDATE ");
  vtabAppendTarget(pOne, pTab, w->pSc, w->pD);
  sqlite3_str_appendall(pPrefix, "UPDATE ");
  vtabAppendTarget(pPrefix, pTab, w->pSc, w->pD);
  sqlite3_str_appendall(pPrefix, " AS sr_t");
  if( eBatch==BATCH_UPDATE_JOIN ) sqlite3_str_appendall(pPrefix, " JOIN (");
  sqlite3_str_appendall(pOne, " SET ");
  for(i=0; i<pTab->nCol; i++){
    if( !pS->aMask[i] ) continue;
    if( nSet ){
      sqlite3_str_appendall(pOne, ", ");
      sqlite3_str_appendall(pSet, ", ");
    }
    appendCol(w, pOne, i);
    sqlite3_str_appendall(pOne, " = ");
    appendParam(w, pOne, i, 0);
    if( eBatch==BATCH_UPDATE_JOIN ){
      sqlite3_str_appendall(pSet, "sr_t.");
      appendCol(w, pSet, i);
      sqlite3_str_appendf(pSet, " = sr_v.c%d", nSet);
      sqlite3_str_appendall(pRow1, nSet ? ", " : "SELECT ");
      appendJoinParam(w, pRow1, i);
      sqlite3_str_appendf(pRow1, " AS c%d", nSet);
      sqlite3_str_appendall(pRow, nSet ? ", " : "SELECT ");
      appendJoinParam(w, pRow, i);
    }else{
      appendCol(w, pSet, i);
      sqlite3_str_appendf(pSet, " = sr_v.c%d", nSet);
      sqlite3_str_appendall(pRow, nSet ? ", " : "(");
      appendParam(w, pRow, i, 1);
    }
    pS->aiParam[nSet++] = i;
  }
  sqlite3_str_appendall(pOne, " WHERE ");
  for(k=0; k<pTab->nPk; k++){
    int iCol = pTab->aiPk[k];
    if( k ) sqlite3_str_appendall(pOne, " AND ");
    appendCol(w, pOne, iCol);
    sqlite3_str_appendall(pOne, " = ");
    appendParam(w, pOne, iCol, 0);
    if( eBatch==BATCH_UPDATE_JOIN ){
      sqlite3_str_appendall(pRow1, ", ");
      appendParam(w, pRow1, iCol, 0);
      sqlite3_str_appendf(pRow1, " AS k%d", k);
      sqlite3_str_appendall(pRow, ", ");
      appendParam(w, pRow, iCol, 0);
    }else{
      sqlite3_str_appendall(pRow, ", ");
      appendParam(w, pRow, iCol, 1);
    }
    pS->aiParam[nSet+k] = -1-k;
  }
  pS->nParam = nSet + pTab->nPk;
  if( eBatch==BATCH_UPDATE_JOIN ){
    sqlite3_str_appendall(pSuffix, ") AS sr_v ON ");
    appendKeyJoin(w, pSuffix);
    sqlite3_str_appendall(pSuffix, " SET ");
    sqlite3_str_appendall(pSuffix, sqlite3_str_value(pSet) ? sqlite3_str_value(pSet) : "");
  }else{
    sqlite3_str_appendall(pRow, ")");
    sqlite3_str_appendf(pPrefix, " SET %s FROM (VALUES ",
                        sqlite3_str_value(pSet) ? sqlite3_str_value(pSet) : "");
    sqlite3_str_appendall(pSuffix, ") AS sr_v(");
    for(i=0; i<nSet; i++) sqlite3_str_appendf(pSuffix, "c%d, ", i);
    for(k=0; k<pTab->nPk; k++) sqlite3_str_appendf(pSuffix, "%sk%d", k ? ", " : "", k);
    sqlite3_str_appendall(pSuffix, ") WHERE ");
    appendKeyJoin(w, pSuffix);
  }
  sqlite3_free(sqlite3_str_finish(pSet));
  rc = shapeFinish(pS, pPrefix, pRow1, pRow,
                   eBatch==BATCH_UPDATE_JOIN ? " UNION ALL " : ", ", pSuffix, 0);
  rc = shapeOne(pS, pOne, pR->bDollar, rc);
  if( rc ) return rc;
  shapeSql(w, pS, eBatch!=BATCH_UPDATE_NONE);
  if( integerKey(pTab) && eBatch==BATCH_UPDATE_JOIN ){
    rc = updateJsonTable(w, pS, nSet);
    if( rc ) return rc;
  }
  if( integerKey(pTab) && w->pR->bArrayParams ){
    rc = updateUnnest(w, pS, nSet);
    if( rc ) return rc;
  }
  return SQLITE_OK;
}

/*
**   DELETE FROM "public"."items" WHERE "id" = $1
** Several rows:
**   DELETE FROM "public"."items" WHERE "id" IN ($1, $2, ...)
**   DELETE FROM "public"."t" WHERE ("a", "b") IN (($1, $2), ($3, $4), ...)
*/
static int shapeDelete(Write *w, WriteShape *pS){
  RemoteVtab *pTab = w->pTab;
  const VtabRules *pR = w->pR;
  sqlite3_str *pOne = sqlite3_str_new(0);
  sqlite3_str *pPrefix = sqlite3_str_new(0);
  sqlite3_str *pRow = sqlite3_str_new(0);
  sqlite3_str *pSuffix = sqlite3_str_new(0);
  int k, rc;

  sqlite3_str_appendall(pOne, "DELETE FROM ");
  vtabAppendTarget(pOne, pTab, w->pSc, w->pD);
  sqlite3_str_appendall(pPrefix, sqlite3_str_value(pOne) ? sqlite3_str_value(pOne) : "");
  sqlite3_str_appendall(pOne, " WHERE ");
  sqlite3_str_appendall(pPrefix, pTab->nPk>1 ? " WHERE (" : " WHERE ");
  if( pTab->nPk>1 ) sqlite3_str_appendall(pRow, "(");
  for(k=0; k<pTab->nPk; k++){
    int iCol = pTab->aiPk[k];
    if( k ){
      sqlite3_str_appendall(pOne, " AND ");
      sqlite3_str_appendall(pPrefix, ", ");
      sqlite3_str_appendall(pRow, ", ");
    }
    appendCol(w, pOne, iCol);
    sqlite3_str_appendall(pOne, " = ");
    appendParam(w, pOne, iCol, 0);
    appendCol(w, pPrefix, iCol);
    appendParam(w, pRow, iCol, 0);
    pS->aiParam[k] = -1-k;
  }
  pS->nParam = pTab->nPk;
  if( pTab->nPk>1 ){
    sqlite3_str_appendall(pPrefix, ")");
    sqlite3_str_appendall(pRow, ")");
  }
  sqlite3_str_appendall(pPrefix, " IN (");
  sqlite3_str_appendall(pSuffix, ")");
  rc = shapeFinish(pS, pPrefix, 0, pRow, ", ", pSuffix, 0);
  rc = shapeOne(pS, pOne, pR->bDollar, rc);
  if( rc ) return rc;
  shapeSql(w, pS, pR->bBatchDelete);
  if( integerKey(pTab) && pR->bArrayParams ){
    /*   DELETE FROM "public"."items" WHERE "id" = ANY((SELECT $1::integer[])::integer[])
    **   DELETE FROM "public"."t" AS sr_t USING unnest($1::integer[],
    **     $2::bigint[]) AS sr_v(k0, k1) WHERE sr_t."a" = sr_v.k0 AND ... */
    sqlite3_str *p = sqlite3_str_new(0);
    int bOk = 1;
    for(k=0; k<pTab->nPk; k++) if( !arrayParamOk(w, pTab->aiPk[k]) ) bOk = 0;
    if( bOk ){
      sqlite3_str_appendall(p, "DELETE FROM ");
      vtabAppendTarget(p, pTab, w->pSc, w->pD);
      if( pTab->nPk==1 ){
        sqlite3_str_appendall(p, " WHERE ");
        appendCol(w, p, pTab->iPk);
        /* the array behind a scalar subquery: the planner does not
        ** estimate each element (a custom plan of 1,000 keys costs more
        ** to plan than to run) and still probes the index with them */
        sqlite3_str_appendf(p, " = ANY((SELECT $1::%s[])::%s[])",
                            w->pW->azCast[pTab->iPk], w->pW->azCast[pTab->iPk]);
      }else{
        sqlite3_str_appendall(p, " AS sr_t USING unnest(");
        for(k=0; k<pTab->nPk; k++){
          sqlite3_str_appendf(p, "%s$%d::%s[]", k ? ", " : "", k+1,
                              w->pW->azCast[pTab->aiPk[k]]);
        }
        sqlite3_str_appendall(p, ") AS sr_v(");
        for(k=0; k<pTab->nPk; k++) sqlite3_str_appendf(p, "%sk%d", k ? ", " : "", k);
        sqlite3_str_appendall(p, ") WHERE ");
        for(k=0; k<pTab->nPk; k++){
          if( k ) sqlite3_str_appendall(p, " AND ");
          sqlite3_str_appendall(p, "sr_t.");
          appendCol(w, p, pTab->aiPk[k]);
          sqlite3_str_appendf(p, " = sr_v.k%d", k);
        }
      }
      rc = shapeEncoded(pS, p, pTab->nPk);
      if( rc ) return rc;
      pS->sql.zPrefix = 0;
      pS->sql.bMany = 0;
    }else{
      sqlite3_free(sqlite3_str_finish(p));
    }
  }
  return SQLITE_OK;
}

/* A number no other shape of the process had: the queue takes two rows
** of the same number for rows of the same statement text */
static unsigned shapeSerial(void){
  static unsigned iSerial = 0;
  return __atomic_add_fetch(&iSerial, 1, __ATOMIC_RELAXED);
}

/*
** The columns a row of this kind writes, into pW's scratch mask aMask:
** INSERT: every column but those whose NULL means the remote's default;
** UPDATE: those SQLite says changed (0 when none did); DELETE: none.
** Returns how many.
*/
static int rowMask(Write *w, sqlite3_value **argv, unsigned char *aMask){
  RemoteVtab *pTab = w->pTab;
  int i, n = 0;
  memset(aMask, 0, pTab->nCol);
  if( w->eKind==WK_DELETE ) return 0;
  for(i=0; i<pTab->nCol; i++){
    if( w->eKind==WK_UPDATE ){
      if( sqlite3_value_nochange(argv[i+2]) ) continue;
    }else if( (w->pW->aFlag[i] & WCOL_AUTO)
           && sqlite3_value_type(argv[i+2])==SQLITE_NULL ){
      continue;
    }
    aMask[i] = 1;
    n++;
  }
  return n;
}

/*
** The shape of this row: the kept one of its kind when it fits (same
** columns, conflict mode and mapped schema), else a new one. *ppS NULL
** with SQLITE_DONE: an UPDATE that changes nothing.
*/
static int rowShape(Write *w, sqlite3_value **argv, WriteShape **ppS){
  RemoteVtab *pTab = w->pTab;
  VtabWrite *pW = w->pW;
  WriteShape *pS = &pW->aShape[w->eKind];
  const char *zSchema = remoteSessMapSchema(w->pSc, pTab->zSchema);
  unsigned char aStatic[64];
  unsigned char *aMask = pTab->nCol<=64 ? aStatic : sqlite3_malloc64(pTab->nCol);
  int nSet, rc = SQLITE_OK;
  *ppS = 0;
  if( aMask==0 ) return SQLITE_NOMEM;
  nSet = rowMask(w, argv, aMask);
  if( w->eKind==WK_UPDATE && nSet==0 ){
    rc = SQLITE_DONE;
    goto shape_done;
  }
  if( pS->bValid && pS->eConflict==w->eConflict
   && vtabSameText(pS->zSchema, zSchema)
   && memcmp(pS->aMask, aMask, pTab->nCol)==0 ){
    *ppS = pS;
    goto shape_done;
  }
  shapeClear(pS);
  pS->eConflict = w->eConflict;
  pS->iSerial = shapeSerial();
  pS->zSchema = zSchema ? sqlite3_mprintf("%s", zSchema) : 0;
  pS->aMask = sqlite3_malloc64(pTab->nCol+1);
  pS->aiParam = sqlite3_malloc64(sizeof(int)*(pTab->nCol+pTab->nPk+1));
  if( (zSchema && pS->zSchema==0) || pS->aMask==0 || pS->aiParam==0 ){
    rc = SQLITE_NOMEM;
  }else{
    memcpy(pS->aMask, aMask, pTab->nCol);
    switch( w->eKind ){
      case WK_INSERT: rc = shapeInsert(w, pS); break;
      case WK_UPDATE: rc = shapeUpdate(w, pS); break;
      default:        rc = shapeDelete(w, pS); break;
    }
  }
  if( rc ){
    shapeClear(pS);
  }else{
    pS->bValid = 1;
    *ppS = pS;
  }
shape_done:
  if( aMask!=aStatic ) sqlite3_free(aMask);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

/*
** May this row wait in the queue (1), or must it go now (0)? The header
** comment says why; pRec is the statement savepoint record of the
** statement running now, or NULL.
*/
static int rowMayWait(Write *w, StmtRec *pRec){
  RemoteVtab *pTab = w->pTab;
  SessConn *pSc = w->pSc;
  if( pTab->nBatch<=1 || pSc->nDepth==0 ) return 0;
  if( w->eConflict==SQLITE_FAIL ) return 0;   /* rows before a failing one stay */
  if( w->eKind==WK_UPDATE && w->eConflict!=SQLITE_ABORT
   && w->eConflict!=SQLITE_ROLLBACK ) return 0;
  if( sqlite3_get_autocommit(pTab->db) ) return 1;
  if( pRec==0 || pRec->nRow<WRITE_TXN_ROWS_NOW ) return 0;
  if( pRec->bAmbig ){
    /* a statement savepoint only once the statement shows it has one */
    if( w->eKind==WK_INSERT ){
      /* several rows: a statement savepoint */
    }else if( pRec->bUnique || !pRec->bScan ){
      return 0;
    }else if( w->eKind==WK_UPDATE && !pRec->bNochange ){
      return 0;
    }
    pRec->bAmbig = 0;
  }
  return 1;
}

/*
** PostgreSQL aborts a whole transaction on any failed statement, where
** SQLite undoes only that statement and goes on. A statement that has no
** statement savepoint (of SQLite's, mirrored) therefore writes under the
** savepoint sr_w, set (the previous one released in the same round trip)
** when its first row goes, and a failure rolls back to it.
*/
#define WRITE_GUARD "sr_w"
static int writeGuardBegin(Write *w){
  VtabWrite *pW = w->pW;
  SessConn *pSc = w->pSc;
  char *zOut = 0;
  int bTop = pSc->nSave>0 && strcmp(pSc->azSave[pSc->nSave-1], WRITE_GUARD)==0;
  int rc;
  if( bTop && isWriterNow(w->pTab->db, &pW->guard) ){
    return SQLITE_OK;           /* this statement's already */
  }
  pW->guard = writerNow(w->pTab->db);
  if( bTop ){
    return remoteSessExec(pSc, "RELEASE SAVEPOINT " WRITE_GUARD "; SAVEPOINT "
                          WRITE_GUARD, 0, 0, 0, &w->zErr);
  }
  rc = remoteSessSavepoint(pSc, WRITE_GUARD, &zOut, &w->zErr);
  sqlite3_free(zOut);
  return rc;
}
static void writeGuardUndo(Write *w){
  SessConn *pSc = w->pSc;
  char *zOut = 0, *zErr = 0;
  w->pW->guard.pStmt = 0;
  if( pSc->nDepth>0 && pSc->eTxn==TXN_OK && pSc->nSave>0
   && strcmp(pSc->azSave[pSc->nSave-1], WRITE_GUARD)==0 ){
    remoteSessRelease2(pSc, WRITE_GUARD, 1, &zOut, &zErr);
  }
  sqlite3_free(zOut);
  sqlite3_free(zErr);
}

/* Send the row (in pW->aVal) now, by shape pS's one-row statement: rows
** queued on the CONN go first */
static int rowSend(Write *w, WriteShape *pS, StmtRec *pRec){
  SessConn *pSc = w->pSc;
  RemoteBatchSql one;
  int rc = SQLITE_OK, bGuard;
  if( remoteBatchPending(pSc) ){
    rc = remoteBatchFlush(pSc, &w->zErr);
    if( rc ) return rc;
  }
  bGuard = w->pR->bWriteGuard && pSc->nDepth>0 && pSc->bBegun && !pSc->bStmtTxn
        && pSc->eTxn==TXN_OK && !sqlite3_get_autocommit(w->pTab->db)
        && (pRec==0 || pRec->bAmbig);
  if( bGuard ) rc = writeGuardBegin(w);
  if( rc==SQLITE_OK ){
    /* a queue of one row: sent at once, the key read back as batches do */
    one = pS->sql;
    one.zPrefix = 0;
    one.zCopy = 0;
    one.bMany = 0;
    rc = remoteBatchAdd(pSc, pS, pS->iSerial, &one, w->pW->aVal, &w->zErr);
    if( rc==SQLITE_OK ) rc = remoteBatchFlush(pSc, &w->zErr);
    if( rc && bGuard ) writeGuardUndo(w);
  }
  return rc;
}

/*
** xUpdate: argc==1 deletes the row whose key is argv[0]; argv[0] NULL
** inserts the row argv[2..]; otherwise the row argv[0] is updated to
** argv[2..].
*/
int vtabUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
               sqlite3_int64 *pRowid){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  RemoteEngine *pE;
  WriteShape *pS = 0;
  StmtRec *pRec;
  Write w;
  int rc;

  memset(&w, 0, sizeof(w));
  w.pTab = pTab;
  w.pW = pTab->pWr;
  w.pSc = vtabConn(pTab);
  if( w.pSc==0 ) return SQLITE_ERROR;
  if( !pTab->bWritable || w.pW==0 ){
    vtabSetError(pVtab, sqlite3_mprintf("remote: %s: table %s is read-only",
                 pTab->zEngine, pTab->zTable ? pTab->zTable : "query"));
    return SQLITE_READONLY;
  }
  pE = remoteSessEngine(w.pSc, &w.zErr);
  if( pE==0 ){ vtabSetError(pVtab, w.zErr); return SQLITE_ERROR; }
  w.pD = pE->pDialect;
  w.pR = pTab->pRules;
  w.eConflict = sqlite3_vtab_on_conflict(pTab->db);
  w.eKind = argc==1 ? WK_DELETE
          : sqlite3_value_type(argv[0])==SQLITE_NULL ? WK_INSERT : WK_UPDATE;
  w.pW->bBegun = 0;
  if( w.eKind==WK_INSERT && w.eConflict!=SQLITE_ABORT && w.eConflict!=SQLITE_FAIL
   && w.eConflict!=SQLITE_ROLLBACK && w.pR->eUpsert==UPSERT_NONE ){
    w.zErr = sqlite3_mprintf("remote: %s: INSERT OR %s is not supported for "
        "this dialect", pTab->zEngine, w.eConflict==SQLITE_REPLACE ? "REPLACE" : "IGNORE");
    rc = SQLITE_ERROR;
    goto update_done;
  }

  pRec = sqlite3_get_autocommit(pTab->db) ? 0 : stmtRecNow(pTab);
  if( w.pSc->bStmtTxn && pRec==0 && !sqlite3_get_autocommit(pTab->db) ){
    /* a statement's own transaction (AUTOCOMMIT) left open by a
    ** statement that ended without a word: it is over */
    rc = remoteSessStmtEnd(w.pSc, 0, &w.zErr);
    if( rc ) goto update_done;
  }
  rc = rowShape(&w, argv, &pS);
  if( rc==SQLITE_OK ) rc = rowValues(&w, pS, argv);
  if( rc==SQLITE_OK && w.eKind==WK_INSERT ) newRowRowid(&w, argv, pRowid);
  if( rc ) goto update_done;
  if( pRec && autocommitTxn(w.pSc) ){
    /* under AUTOCOMMIT, a statement of several rows is a transaction */
    rc = remoteSessStmtBegin(w.pSc, &w.zErr);
    if( rc ) goto update_done;
  }
  if( rowMayWait(&w, pRec) ){
    /* queued: sent batch_size rows at a time and at the statement's end,
    ** before any read or other write on this engine */
    rc = remoteBatchAdd(w.pSc, pS, pS->iSerial, &pS->sql, w.pW->aVal, &w.zErr);
  }else{
    rc = rowSend(&w, pS, pRec);
  }
  if( pRec ) pRec->nRow++;

update_done:
  rowBufFree(w.pW);
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  if( rc ){
    if( w.zErr==0 && rc==SQLITE_NOMEM ) w.zErr = sqlite3_mprintf("out of memory");
    vtabStaleCheck(pTab, pE, w.zErr);
    vtabSetError(pVtab, w.zErr);
    w.zErr = 0;
  }
  sqlite3_free(w.zErr);
  remoteEngineRelease(pE);
  return rc;
}
