/* SPDX-License-Identifier: MIT */
/*
** wait.c: every wait of a dialect on its server, bounded.
**
** A dialect that talks to its server over a non-blocking socket waits with
** remoteWait() (see dialect.h): a poll() of at most REMOTE_CHECK_INTERVAL
** seconds at a time, so that between two slices it can
**
**   - end a wait that got no byte for io_timeout seconds (the connection is
**     then lost: REMOTE_ERR_DISCONNECT, and the pool invalidates it);
**   - ask the connection's xStop hook whether SQLite's interrupt was
**     called, and watch statement_timeout: either has the statement
**     cancelled on the server (the dialect's xCancel: a cancel request, or
**     KILL QUERY over a second connection), and a server that does not
**     answer the cancel within REMOTE_CANCEL_GRACE seconds loses the
**     connection too.
**
** The error texts are here, so that both dialects say the same:
**
**   io_timeout of 2 s expired waiting for the server
**   interrupted
**   statement_timeout of 1.5 s expired and the server did not answer the cancel
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dialect.h"
#include "log.h"

void remoteWaitStart(RemoteConn *p){
  p->tStmt = 0;
  p->tCheck = 0;
  p->tCancel = 0;
  p->eCancel = REMOTE_CANCEL_NONE;
}

void remoteWaitEnd(RemoteConn *p){
  remoteWaitStart(p);
}

void remoteWaitSetIoError(RemoteConn *p, const char *zCode){
  remoteConnSetError(p, REMOTE_ERR_DISCONNECT, zCode,
                     "io_timeout of %g s expired waiting for the server",
                     p->rIoTimeout);
}

/* The error of a cancel that did not work: the connection is lost */
static void waitSetCancelError(RemoteConn *p, const char *zWhat){
  if( p->eCancel==REMOTE_CANCEL_STOP ){
    remoteConnSetError(p, REMOTE_ERR_DISCONNECT, 0, "interrupted");
    p->bStopped = 1;
  }else if( p->eCancel==REMOTE_CANCEL_CLOSE ){
    remoteConnSetError(p, REMOTE_ERR_DISCONNECT, 0,
                       "a statement whose rows were abandoned was cancelled "
                       "and the server %s", zWhat);
  }else{
    remoteConnSetError(p, REMOTE_ERR_DISCONNECT, 0,
                       "statement_timeout of %g s expired and the server %s",
                       p->rStmtTimeout, zWhat);
  }
}

void remoteWaitCancelled(RemoteConn *p, int bCancelCode){
  if( p->eCancel==REMOTE_CANCEL_STOP ){
    char zCode[sizeof(p->zCode)];
    memcpy(zCode, p->zCode, sizeof(zCode));
    remoteConnSetError(p, p->eErr, zCode[0] ? zCode : 0, "interrupted");
    p->bStopped = 1;
  }else if( p->eCancel==REMOTE_CANCEL_TIMEOUT && bCancelCode && p->zErr ){
    char *zErr = p->zErr;
    char zCode[sizeof(p->zCode)];
    memcpy(zCode, p->zCode, sizeof(zCode));
    p->zErr = 0;
    remoteConnSetError(p, p->eErr, zCode[0] ? zCode : 0,
                       "%s (statement_timeout of %g s)", zErr, p->rStmtTimeout);
    sqlite3_free(zErr);
  }
}

/*
** Every REMOTE_CHECK_INTERVAL of a statement: cancel it when xStop says so
** or statement_timeout has passed (once). Returns 1 with the error set
** when the cancel could not be delivered.
*/
static int waitCheck(RemoteConn *p, double tNow, int (*xCancel)(RemoteConn*)){
  int eWhy = REMOTE_CANCEL_NONE;
  if( p->tCancel>0 || xCancel==0 ) return 0;
  if( p->xStop && p->xStop(p->pStopArg) ){
    eWhy = REMOTE_CANCEL_STOP;
  }else if( p->rStmtTimeout>0 && tNow-p->tStmt>=p->rStmtTimeout ){
    eWhy = REMOTE_CANCEL_TIMEOUT;
  }
  if( eWhy==REMOTE_CANCEL_NONE ) return 0;
  p->eCancel = eWhy;
  p->tCancel = tNow;
  if( xCancel(p)!=SQLITE_OK ){
    waitSetCancelError(p, "could not be asked to cancel it");
    return 1;
  }
  /* the grace period counts from when the request was delivered */
  p->tCancel = remoteMonotonic();
  return 0;
}

int remoteWait(RemoteConn *p, int fd, int mEvents, double *ptLast,
               int (*xCancel)(RemoteConn*)){
  double tNow = remoteMonotonic();
  double tWake;
  struct pollfd pfd;
  int n, ms;

  if( *ptLast<=0 ) *ptLast = tNow;
  if( p->tStmt<=0 ){
    p->tStmt = tNow;
    p->tCheck = tNow;
  }
  if( tNow-p->tCheck>=REMOTE_CHECK_INTERVAL ){
    p->tCheck = tNow;
    if( waitCheck(p, tNow, xCancel) ) return -1;
    tNow = remoteMonotonic();
  }
  if( p->rIoTimeout>0 && tNow-*ptLast>=p->rIoTimeout ){
    remoteWaitSetIoError(p, 0);
    return -1;
  }
  if( p->tCancel>0 && tNow-p->tCancel>=REMOTE_CANCEL_GRACE
   && tNow-*ptLast>=REMOTE_CANCEL_GRACE ){
    /* not a byte since the cancel was delivered */
    waitSetCancelError(p, "did not answer the cancel");
    return -1;
  }
  if( fd<0 ){
    remoteConnSetError(p, REMOTE_ERR_DISCONNECT, 0, "connection is closed");
    return -1;
  }
  tWake = p->tCheck + REMOTE_CHECK_INTERVAL;
  if( p->rIoTimeout>0 && *ptLast+p->rIoTimeout<tWake ){
    tWake = *ptLast + p->rIoTimeout;
  }
  if( p->tCancel>0 ){
    double tGrace = (p->tCancel>*ptLast ? p->tCancel : *ptLast)
                  + REMOTE_CANCEL_GRACE;
    if( tGrace<tWake ) tWake = tGrace;
  }
  ms = (int)ceil((tWake-tNow)*1000.0);
  if( ms<0 ) ms = 0;
  pfd.fd = fd;
  pfd.events = (short)mEvents;
  pfd.revents = 0;
  n = poll(&pfd, 1, ms);
  if( n>0 ){
    *ptLast = remoteMonotonic();
    return pfd.revents;
  }
  if( n<0 && errno!=EINTR && errno!=EAGAIN ){
    remoteConnSetError(p, REMOTE_ERR_DISCONNECT, 0,
                       "cannot wait for the server: %s", strerror(errno));
    return -1;
  }
  return 0;
}

int remoteSocketConnect(const void *pAddr, int nAddr, double rLimit){
  const struct sockaddr *pSa = (const struct sockaddr*)pAddr;
  double tEnd = remoteMonotonic() + rLimit;
  int fd = socket(pSa->sa_family, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);
  if( fd<0 ) return -1;
  if( connect(fd, pSa, (socklen_t)nAddr)!=0 ){
    int err = 0;
    socklen_t nErr = sizeof(err);
    if( errno!=EINPROGRESS && errno!=EINTR && errno!=EAGAIN ){
      close(fd);
      return -1;
    }
    for(;;){
      struct pollfd pfd;
      double tLeft = tEnd - remoteMonotonic();
      int n;
      if( tLeft<=0 ){ close(fd); return -1; }
      pfd.fd = fd;
      pfd.events = POLLOUT;
      pfd.revents = 0;
      n = poll(&pfd, 1, (int)ceil(tLeft*1000.0));
      if( n>0 ) break;
      if( n<0 && errno!=EINTR ){ close(fd); return -1; }
    }
    if( getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &nErr)!=0 || err!=0 ){
      close(fd);
      return -1;
    }
  }
  return fd;
}
