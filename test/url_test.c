/* SPDX-License-Identifier: MIT */
/*
** url_test.c: unit tests of ext/url.c (remoteUrlParse, remoteUrlMask,
** remoteUrlQuery), built as a plain program against libsqlite3:
**
**   gcc -std=c11 -D_GNU_SOURCE -DSQLITE_CORE -Wall -Wextra -Werror -Iext \
**       test/url_test.c ext/url.c -lsqlite3 -o dist/url_test
**
** Prints "ok NAME" or "FAIL NAME: what differed" per case, then
** "N passed, N failed"; exits 1 on any failure. test/url.test runs it.
** The parse cases start with every applicable URL of SQLAlchemy's
** test/engine/test_parseconnect.py, "dbtype" read as "postgresql".
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"
#include "url.h"

/*
** One remoteUrlParse() case. With zErr set, the parse must fail with
** exactly that message; otherwise every field is compared (NULL means the
** field must be NULL). zQuery lists the pairs as "k=v|k=v" (NULL: none).
** zSecret, when set, must appear neither in zMasked nor in the error.
*/
typedef struct ParseCase ParseCase;
struct ParseCase {
  const char *zName;
  const char *zUrl;
  const char *zErr;
  const char *zDialect;
  const char *zDriver;
  const char *zUser;
  const char *zPassword;
  const char *zHost;
  int iPort;
  const char *zDatabase;
  const char *zQuery;
  const char *zMasked;
  const char *zSecret;
};

#define PG "postgresql"

static const ParseCase aParse[] = {
  /* SQLAlchemy test_rfc1738 */
  { .zName="rfc1738-1",
    .zUrl="postgresql://username:password@hostspec:110//usr/db_file.db",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="hostspec", .iPort=110, .zDatabase="/usr/db_file.db",
    .zMasked="postgresql://username:***@hostspec:110//usr/db_file.db",
    .zSecret="password@" },
  { .zName="rfc1738-2",
    .zUrl="postgresql://username:password@hostspec/database",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="hostspec", .zDatabase="database",
    .zMasked="postgresql://username:***@hostspec/database",
    .zSecret="password@" },
  { .zName="rfc1738-3",
    .zUrl="postgresql+psycopg2://username:password@hostspec/database",
    .zDialect=PG, .zDriver="psycopg2", .zUser="username",
    .zPassword="password", .zHost="hostspec", .zDatabase="database",
    .zMasked="postgresql+psycopg2://username:***@hostspec/database" },
  { .zName="rfc1738-4",
    .zUrl="postgresql://username:password@hostspec",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="hostspec",
    .zMasked="postgresql://username:***@hostspec" },
  { .zName="rfc1738-5",
    .zUrl="postgresql://username:password@/database",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zDatabase="database",
    .zMasked="postgresql://username:***@/database" },
  { .zName="rfc1738-6",
    .zUrl="postgresql://username@hostspec",
    .zDialect=PG, .zUser="username", .zHost="hostspec",
    .zMasked="postgresql://username@hostspec" },
  { .zName="rfc1738-7",
    .zUrl="postgresql://username:password@127.0.0.1:1521",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="127.0.0.1", .iPort=1521,
    .zMasked="postgresql://username:***@127.0.0.1:1521" },
  { .zName="rfc1738-8",
    .zUrl="postgresql://hostspec/database",
    .zDialect=PG, .zHost="hostspec", .zDatabase="database",
    .zMasked="postgresql://hostspec/database" },
  { .zName="rfc1738-9",
    .zUrl="postgresql://hostspec",
    .zDialect=PG, .zHost="hostspec",
    .zMasked="postgresql://hostspec" },
  { .zName="rfc1738-10",
    .zUrl="postgresql://hostspec/?arg1=val1&arg2=val2",
    .zDialect=PG, .zHost="hostspec", .zDatabase="",
    .zQuery="arg1=val1|arg2=val2",
    .zMasked="postgresql://hostspec/?arg1=val1&arg2=val2" },
  { .zName="rfc1738-11",
    .zUrl="postgresql+psycopg2:///database",
    .zDialect=PG, .zDriver="psycopg2", .zDatabase="database",
    .zMasked="postgresql+psycopg2:///database" },
  { .zName="rfc1738-12",
    .zUrl="postgresql:///:memory:",
    .zDialect=PG, .zDatabase=":memory:",
    .zMasked="postgresql:///:memory:" },
  { .zName="rfc1738-13",
    .zUrl="postgresql:///foo/bar/im/a/file",
    .zDialect=PG, .zDatabase="foo/bar/im/a/file",
    .zMasked="postgresql:///foo/bar/im/a/file" },
  { .zName="rfc1738-14",
    .zUrl="postgresql:///E:/work/src/LEM/db/hello.db",
    .zDialect=PG, .zDatabase="E:/work/src/LEM/db/hello.db",
    .zMasked="postgresql:///E:/work/src/LEM/db/hello.db" },
  { .zName="rfc1738-15",
    .zUrl="postgresql:///E:/work/src/LEM/db/hello.db?foo=bar&hoho=lala",
    .zDialect=PG, .zDatabase="E:/work/src/LEM/db/hello.db",
    .zQuery="foo=bar|hoho=lala",
    .zMasked="postgresql:///E:/work/src/LEM/db/hello.db?foo=bar&hoho=lala" },
  { .zName="rfc1738-16",
    .zUrl="postgresql:///E:/work/src/LEM/db/hello.db"
          "?foo=bar&hoho=lala&hoho=bat",
    .zDialect=PG, .zDatabase="E:/work/src/LEM/db/hello.db",
    .zQuery="foo=bar|hoho=lala|hoho=bat",
    .zMasked="postgresql:///E:/work/src/LEM/db/hello.db"
             "?foo=bar&hoho=lala&hoho=bat" },
  { .zName="rfc1738-17",
    .zUrl="postgresql://",
    .zDialect=PG, .zMasked="postgresql://" },
  { .zName="rfc1738-18",
    .zUrl="postgresql:////usr/local/_xtest@example.com/members.db",
    .zDialect=PG, .zDatabase="/usr/local/_xtest@example.com/members.db",
    .zMasked="postgresql:////usr/local/_xtest@example.com/members.db" },
  { .zName="rfc1738-19",
    .zUrl="postgresql://username:apples%2Foranges@hostspec/database",
    .zDialect=PG, .zUser="username", .zPassword="apples/oranges",
    .zHost="hostspec", .zDatabase="database",
    .zMasked="postgresql://username:***@hostspec/database",
    .zSecret="apples" },
  { .zName="rfc1738-20",
    .zUrl="postgresql://username:password@[2001:da8:2004:1000:202:116:160:90]"
          "/database?foo=bar",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="2001:da8:2004:1000:202:116:160:90", .zDatabase="database",
    .zQuery="foo=bar",
    .zMasked="postgresql://username:***@[2001:da8:2004:1000:202:116:160:90]"
             "/database?foo=bar" },
  { .zName="rfc1738-21",
    .zUrl="postgresql://username:password@[2001:da8:2004:1000:202:116:160:90]"
          ":80/database?foo=bar",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="2001:da8:2004:1000:202:116:160:90", .iPort=80,
    .zDatabase="database", .zQuery="foo=bar",
    .zMasked="postgresql://username:***@[2001:da8:2004:1000:202:116:160:90]"
             ":80/database?foo=bar" },
  { .zName="rfc1738-22",
    .zUrl="postgresql://username:password@hostspec/test database with@atsign",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="hostspec", .zDatabase="test database with@atsign",
    .zMasked="postgresql://username:***@hostspec/test database with@atsign" },
  { .zName="rfc1738-23",
    .zUrl="postgresql://username:password@hostspec?query=but_no_db",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="hostspec", .zQuery="query=but_no_db",
    .zMasked="postgresql://username:***@hostspec?query=but_no_db" },
  { .zName="rfc1738-24",
    .zUrl="postgresql://username:password@hostspec:450?query=but_no_db",
    .zDialect=PG, .zUser="username", .zPassword="password",
    .zHost="hostspec", .iPort=450, .zQuery="query=but_no_db",
    .zMasked="postgresql://username:***@hostspec:450?query=but_no_db" },

  /* SQLAlchemy test_rfc1738_password */
  { .zName="password-1",
    .zUrl="postgresql://user:pass word + other%3Awords@host/dbname",
    .zDialect=PG, .zUser="user", .zPassword="pass word + other:words",
    .zHost="host", .zDatabase="dbname",
    .zMasked="postgresql://user:***@host/dbname", .zSecret="words" },
  { .zName="password-2",
    .zUrl="postgresql://username:apples%40oranges%40%40@hostspec/database",
    .zDialect=PG, .zUser="username", .zPassword="apples@oranges@@",
    .zHost="hostspec", .zDatabase="database",
    .zMasked="postgresql://username:***@hostspec/database",
    .zSecret="oranges" },
  { .zName="password-3",
    .zUrl="postgresql://username%40:@hostspec/database",
    .zDialect=PG, .zUser="username@", .zPassword="",
    .zHost="hostspec", .zDatabase="database",
    .zMasked="postgresql://username%40:***@hostspec/database" },
  { .zName="password-4",
    .zUrl="postgresql://username:pass%2Fword@hostspec/database",
    .zDialect=PG, .zUser="username", .zPassword="pass/word",
    .zHost="hostspec", .zDatabase="database",
    .zMasked="postgresql://username:***@hostspec/database",
    .zSecret="word" },

  /* SQLAlchemy test_query_string */
  { .zName="query-1",
    .zUrl="postgresql://user:pass@host/db?arg1=param1&arg2=param2",
    .zDialect=PG, .zUser="user", .zPassword="pass", .zHost="host",
    .zDatabase="db", .zQuery="arg1=param1|arg2=param2",
    .zMasked="postgresql://user:***@host/db?arg1=param1&arg2=param2",
    .zSecret="pass" },
  { .zName="query-2",
    .zUrl="postgresql://user:pass@host/?arg1=param1&arg2=param2",
    .zDialect=PG, .zUser="user", .zPassword="pass", .zHost="host",
    .zDatabase="", .zQuery="arg1=param1|arg2=param2",
    .zMasked="postgresql://user:***@host/?arg1=param1&arg2=param2" },
  { .zName="query-3",
    .zUrl="postgresql://user:pass@host?arg1=param1&arg2=param2",
    .zDialect=PG, .zUser="user", .zPassword="pass", .zHost="host",
    .zQuery="arg1=param1|arg2=param2",
    .zMasked="postgresql://user:***@host?arg1=param1&arg2=param2" },
  { .zName="query-4",
    .zUrl="postgresql://user:pass@host:450?arg1=param1&arg2=param2",
    .zDialect=PG, .zUser="user", .zPassword="pass", .zHost="host",
    .iPort=450, .zQuery="arg1=param1|arg2=param2",
    .zMasked="postgresql://user:***@host:450?arg1=param1&arg2=param2" },
  { .zName="query-5",
    .zUrl="postgresql://user:pass@host/db?arg1=param1&arg2=param2&arg2=param3",
    .zDialect=PG, .zUser="user", .zPassword="pass", .zHost="host",
    .zDatabase="db", .zQuery="arg1=param1|arg2=param2|arg2=param3",
    .zMasked="postgresql://user:***@host/db"
             "?arg1=param1&arg2=param2&arg2=param3" },
  { .zName="query-6",
    .zUrl="postgresql://user:pass@host/db?arg1%3D=param1&arg2=param+2",
    .zDialect=PG, .zUser="user", .zPassword="pass", .zHost="host",
    .zDatabase="db", .zQuery="arg1==param1|arg2=param 2",
    .zMasked="postgresql://user:***@host/db?arg1%3D=param1&arg2=param+2" },
  { .zName="query-decode",
    .zUrl="postgresql://h/db?a=1&b=x+y&c=%2Ftmp&d=%2B&e+f=g%20h",
    .zDialect=PG, .zHost="h", .zDatabase="db",
    .zQuery="a=1|b=x y|c=/tmp|d=+|e f=g h",
    .zMasked="postgresql://h/db?a=1&b=x+y&c=%2Ftmp&d=%2B&e+f=g%20h" },
  { .zName="query-no-equals",
    .zUrl="postgresql://h/db?flag&x=1&empty=",
    .zDialect=PG, .zHost="h", .zDatabase="db",
    .zQuery="flag=|x=1|empty=",
    .zMasked="postgresql://h/db?flag&x=1&empty=" },
  { .zName="query-empty-pieces",
    .zUrl="postgresql://h/db?&a=1&&b=2&",
    .zDialect=PG, .zHost="h", .zDatabase="db", .zQuery="a=1|b=2",
    .zMasked="postgresql://h/db?&a=1&&b=2&" },
  { .zName="query-empty",
    .zUrl="postgresql://h/db?",
    .zDialect=PG, .zHost="h", .zDatabase="db",
    .zMasked="postgresql://h/db?" },
  { .zName="query-equals-in-value",
    .zUrl="postgresql://h/db?options=-c%20search_path=s&host=/tmp",
    .zDialect=PG, .zHost="h", .zDatabase="db",
    .zQuery="options=-c search_path=s|host=/tmp",
    .zMasked="postgresql://h/db?options=-c%20search_path=s&host=/tmp" },
  { .zName="query-multihost",
    .zUrl="postgresql://u@/db?host=h1:5432,h2:5433&target_session_attrs=any",
    .zDialect=PG, .zUser="u", .zDatabase="db",
    .zQuery="host=h1:5432,h2:5433|target_session_attrs=any",
    .zMasked="postgresql://u@/db?host=h1:5432,h2:5433"
             "&target_session_attrs=any" },

  /* Dialects and drivers */
  { .zName="dialect-postgres-alias",
    .zUrl="postgres://scott:tiger@localhost/test",
    .zDialect=PG, .zUser="scott", .zPassword="tiger", .zHost="localhost",
    .zDatabase="test", .zMasked="postgres://scott:***@localhost/test",
    .zSecret="tiger" },
  { .zName="dialect-postgres-libpq",
    .zUrl="postgres+libpq://h",
    .zDialect=PG, .zDriver="libpq", .zHost="h",
    .zMasked="postgres+libpq://h" },
  { .zName="dialect-postgresql-libpq",
    .zUrl="postgresql+libpq://scott:tiger@localhost:5432/test",
    .zDialect=PG, .zDriver="libpq", .zUser="scott", .zPassword="tiger",
    .zHost="localhost", .iPort=5432, .zDatabase="test",
    .zMasked="postgresql+libpq://scott:***@localhost:5432/test" },
  { .zName="dialect-postgresql-psycopg2",
    .zUrl="postgresql+psycopg2://scott:tiger@localhost/test",
    .zDialect=PG, .zDriver="psycopg2", .zUser="scott", .zPassword="tiger",
    .zHost="localhost", .zDatabase="test",
    .zMasked="postgresql+psycopg2://scott:***@localhost/test" },
  { .zName="dialect-mysql",
    .zUrl="mysql://scott:tiger@localhost/test",
    .zDialect="mysql", .zUser="scott", .zPassword="tiger",
    .zHost="localhost", .zDatabase="test",
    .zMasked="mysql://scott:***@localhost/test", .zSecret="tiger" },
  { .zName="dialect-mysql-mysqldb",
    .zUrl="mysql+mysqldb://scott:tiger@localhost:3306/test?charset=utf8mb4",
    .zDialect="mysql", .zDriver="mysqldb", .zUser="scott",
    .zPassword="tiger", .zHost="localhost", .iPort=3306, .zDatabase="test",
    .zQuery="charset=utf8mb4",
    .zMasked="mysql+mysqldb://scott:***@localhost:3306/test"
             "?charset=utf8mb4" },
  { .zName="dialect-mysql-mysqlclient",
    .zUrl="mysql+mysqlclient://u@h/d?unix_socket=%2Ftmp%2Fmysql.sock",
    .zDialect="mysql", .zDriver="mysqlclient", .zUser="u", .zHost="h",
    .zDatabase="d", .zQuery="unix_socket=/tmp/mysql.sock",
    .zMasked="mysql+mysqlclient://u@h/d?unix_socket=%2Ftmp%2Fmysql.sock" },
  { .zName="dialect-mysql-mariadbconnector",
    .zUrl="mysql+mariadbconnector://h",
    .zDialect="mysql", .zDriver="mariadbconnector", .zHost="h",
    .zMasked="mysql+mariadbconnector://h" },
  { .zName="dialect-mariadb",
    .zUrl="mariadb://scott:tiger@h:3307/test",
    .zDialect="mariadb", .zUser="scott", .zPassword="tiger", .zHost="h",
    .iPort=3307, .zDatabase="test",
    .zMasked="mariadb://scott:***@h:3307/test" },
  { .zName="dialect-mariadb-mariadbconnector",
    .zUrl="mariadb+mariadbconnector://scott:tiger@h/test",
    .zDialect="mariadb", .zDriver="mariadbconnector", .zUser="scott",
    .zPassword="tiger", .zHost="h", .zDatabase="test",
    .zMasked="mariadb+mariadbconnector://scott:***@h/test" },
  { .zName="dialect-mariadb-mysqldb",
    .zUrl="mariadb+mysqldb://h",
    .zDialect="mariadb", .zDriver="mysqldb", .zHost="h",
    .zMasked="mariadb+mysqldb://h" },
  { .zName="sqlite-relative",
    .zUrl="sqlite:///relative.db",
    .zDialect="sqlite", .zDatabase="relative.db",
    .zMasked="sqlite:///relative.db" },
  { .zName="sqlite-absolute",
    .zUrl="sqlite:////abs/path.db",
    .zDialect="sqlite", .zDatabase="/abs/path.db",
    .zMasked="sqlite:////abs/path.db" },
  { .zName="sqlite-memory",
    .zUrl="sqlite:///:memory:",
    .zDialect="sqlite", .zDatabase=":memory:",
    .zMasked="sqlite:///:memory:" },
  { .zName="sqlite-bare",
    .zUrl="sqlite://",
    .zDialect="sqlite", .zMasked="sqlite://" },
  { .zName="sqlite-empty-path",
    .zUrl="sqlite:///",
    .zDialect="sqlite", .zMasked="sqlite:///" },
  { .zName="sqlite-pysqlite",
    .zUrl="sqlite+pysqlite:///x.db",
    .zDialect="sqlite", .zDriver="pysqlite", .zDatabase="x.db",
    .zMasked="sqlite+pysqlite:///x.db" },
  { .zName="sqlite-sqlite3",
    .zUrl="sqlite+sqlite3:////tmp/x.db?mode=ro",
    .zDialect="sqlite", .zDriver="sqlite3", .zDatabase="/tmp/x.db",
    .zQuery="mode=ro", .zMasked="sqlite+sqlite3:////tmp/x.db?mode=ro" },
  { .zName="sqlite-windows",
    .zUrl="sqlite:///C:/path/to/foo.db",
    .zDialect="sqlite", .zDatabase="C:/path/to/foo.db",
    .zMasked="sqlite:///C:/path/to/foo.db" },
  { .zName="sqlite-percent-path",
    .zUrl="sqlite:///file%20name%25.db",
    .zDialect="sqlite", .zDatabase="file name%.db",
    .zMasked="sqlite:///file%20name%25.db" },
  { .zName="sqlite-two-slashes-is-host",
    .zUrl="sqlite://relative.db",
    .zDialect="sqlite", .zHost="relative.db",
    .zMasked="sqlite://relative.db" },
  { .zName="dialect-unknown",
    .zUrl="foobar://", .zErr="unknown dialect 'foobar'" },
  { .zName="dialect-unknown-dbtype",
    .zUrl="dbtype://username:password@hostspec/database",
    .zErr="unknown dialect 'dbtype'", .zSecret="password" },
  { .zName="dialect-uppercase",
    .zUrl="POSTGRESQL://h", .zErr="unknown dialect 'POSTGRESQL'" },
  { .zName="dialect-empty",
    .zUrl="+libpq://h", .zErr="unknown dialect ''" },
  { .zName="dialect-unknown-with-driver",
    .zUrl="oracle+cx_oracle://scott:tiger@h",
    .zErr="unknown dialect 'oracle'" },
  { .zName="driver-unknown-pg",
    .zUrl="postgresql+asyncpg://scott:tiger@h/db",
    .zErr="unknown driver 'asyncpg' for dialect 'postgresql'",
    .zSecret="tiger" },
  { .zName="driver-unknown-postgres-alias",
    .zUrl="postgres+pymysql://h",
    .zErr="unknown driver 'pymysql' for dialect 'postgresql'" },
  { .zName="driver-unknown-mysql",
    .zUrl="mysql+psycopg2://h",
    .zErr="unknown driver 'psycopg2' for dialect 'mysql'" },
  { .zName="driver-unknown-mariadb",
    .zUrl="mariadb+pymysql://h",
    .zErr="unknown driver 'pymysql' for dialect 'mariadb'" },
  { .zName="driver-unknown-sqlite",
    .zUrl="sqlite+libpq:///x.db",
    .zErr="unknown driver 'libpq' for dialect 'sqlite'" },
  { .zName="driver-empty",
    .zUrl="postgresql+://h",
    .zErr="unknown driver '' for dialect 'postgresql'" },
  { .zName="driver-two-plus",
    .zUrl="postgresql+libpq+x://h",
    .zErr="unknown driver 'libpq+x' for dialect 'postgresql'" },

  /* Hosts and ports */
  { .zName="ipv6-loopback",
    .zUrl="postgresql://[::1]/db",
    .zDialect=PG, .zHost="::1", .zDatabase="db",
    .zMasked="postgresql://[::1]/db" },
  { .zName="ipv6-port",
    .zUrl="postgresql://u:p@[2001:db8::1]:5432",
    .zDialect=PG, .zUser="u", .zPassword="p", .zHost="2001:db8::1",
    .iPort=5432, .zMasked="postgresql://u:***@[2001:db8::1]:5432" },
  { .zName="ipv6-query",
    .zUrl="postgresql://[::1]?sslmode=disable",
    .zDialect=PG, .zHost="::1", .zQuery="sslmode=disable",
    .zMasked="postgresql://[::1]?sslmode=disable" },
  { .zName="ipv6-unclosed",
    .zUrl="postgresql://[::1/db",
    .zErr="could not parse URL from string 'postgresql://[::1/db'" },
  { .zName="ipv6-trailing",
    .zUrl="postgresql://[::1]x/db",
    .zErr="could not parse URL from string 'postgresql://[::1]x/db'" },
  { .zName="ipv6-empty",
    .zUrl="postgresql://[]:5432",
    .zErr="could not parse URL from string 'postgresql://[]:5432'" },
  { .zName="host-bracket",
    .zUrl="postgresql://a]b/db",
    .zErr="could not parse URL from string 'postgresql://a]b/db'" },
  { .zName="port-min",
    .zUrl="postgresql://h:1", .zDialect=PG, .zHost="h", .iPort=1,
    .zMasked="postgresql://h:1" },
  { .zName="port-max",
    .zUrl="postgresql://h:65535", .zDialect=PG, .zHost="h", .iPort=65535,
    .zMasked="postgresql://h:65535" },
  { .zName="port-leading-zeros",
    .zUrl="postgresql://h:05432/db", .zDialect=PG, .zHost="h", .iPort=5432,
    .zDatabase="db", .zMasked="postgresql://h:05432/db" },
  { .zName="port-empty",
    .zUrl="postgresql://h:/db", .zDialect=PG, .zHost="h", .zDatabase="db",
    .zMasked="postgresql://h:/db" },
  { .zName="port-only",
    .zUrl="postgresql://:5433/db", .zDialect=PG, .iPort=5433,
    .zDatabase="db", .zMasked="postgresql://:5433/db" },
  { .zName="port-zero",
    .zUrl="postgresql://h:0/db",
    .zErr="could not parse URL from string 'postgresql://h:0/db'" },
  { .zName="port-too-big",
    .zUrl="postgresql://h:65536/db",
    .zErr="could not parse URL from string 'postgresql://h:65536/db'" },
  { .zName="port-huge",
    .zUrl="postgresql://u:p@h:99999999999999999999/db",
    .zErr="could not parse URL from string "
          "'postgresql://u:***@h:99999999999999999999/db'" },
  { .zName="port-sign",
    .zUrl="postgresql://h:+5432/db",
    .zErr="could not parse URL from string 'postgresql://h:***/db'" },
  { .zName="port-negative",
    .zUrl="postgresql://u:p@h:-1/db",
    .zErr="could not parse URL from string 'postgresql://u:***@h:-1/db'" },
  { .zName="port-space",
    .zUrl="postgresql://u:p@h: 80/db",
    .zErr="could not parse URL from string 'postgresql://u:***@h: 80/db'" },
  { .zName="port-two-colons",
    .zUrl="postgresql://h:5432:5433/db",
    .zErr="could not parse URL from string 'postgresql://h:***/db'" },
  { .zName="port-is-password",
    .zUrl="postgresql://scott:tiger",
    .zErr="could not parse URL from string 'postgresql://scott:***'",
    .zSecret="tiger" },
  { .zName="port-is-password-db",
    .zUrl="postgresql://scott:tiger/db",
    .zErr="could not parse URL from string 'postgresql://scott:***/db'",
    .zSecret="tiger" },

  /* Userinfo */
  { .zName="userinfo-raw-colon",
    .zUrl="postgresql://u:pa:ss@h/db",
    .zDialect=PG, .zUser="u", .zPassword="pa:ss", .zHost="h",
    .zDatabase="db", .zMasked="postgresql://u:***@h/db", .zSecret="ss@" },
  { .zName="userinfo-raw-slash",
    .zUrl="postgresql://u:pa/ss@h/db",
    .zDialect=PG, .zUser="u", .zPassword="pa/ss", .zHost="h",
    .zDatabase="db", .zMasked="postgresql://u:***@h/db", .zSecret="pa/" },
  { .zName="userinfo-raw-question",
    .zUrl="postgresql://u:pa?ss@h/db",
    .zDialect=PG, .zUser="u", .zPassword="pa?ss", .zHost="h",
    .zDatabase="db", .zMasked="postgresql://u:***@h/db", .zSecret="pa?" },
  { .zName="userinfo-raw-plus",
    .zUrl="postgresql://u:a+b@h",
    .zDialect=PG, .zUser="u", .zPassword="a+b", .zHost="h",
    .zMasked="postgresql://u:***@h" },
  { .zName="userinfo-at-in-user",
    .zUrl="postgresql://us@er@h/db",
    .zDialect=PG, .zUser="us@er", .zHost="h", .zDatabase="db",
    .zMasked="postgresql://us@er@h/db" },
  { .zName="userinfo-at-in-user-with-password",
    .zUrl="postgresql://us@er:pw@h/db",
    .zDialect=PG, .zUser="us@er", .zPassword="pw", .zHost="h",
    .zDatabase="db", .zMasked="postgresql://us@er:***@h/db" },
  { .zName="userinfo-empty-user",
    .zUrl="postgresql://:secret@h",
    .zDialect=PG, .zUser="", .zPassword="secret", .zHost="h",
    .zMasked="postgresql://:***@h", .zSecret="secret" },
  { .zName="userinfo-empty",
    .zUrl="postgresql://@h",
    .zDialect=PG, .zUser="", .zHost="h", .zMasked="postgresql://@h" },
  { .zName="userinfo-empty-password",
    .zUrl="postgresql://user:@h/db",
    .zDialect=PG, .zUser="user", .zPassword="", .zHost="h",
    .zDatabase="db", .zMasked="postgresql://user:***@h/db" },
  { .zName="userinfo-raw-at-in-password",
    .zUrl="postgresql://scott:tiger@foo@host/db",
    .zErr="could not parse URL from string 'postgresql://scott:***@host/db'",
    .zSecret="foo" },
  { .zName="userinfo-raw-at-in-password-query",
    .zUrl="postgresql://scott:ti@ger@host?password=x1y2",
    .zErr="could not parse URL from string "
          "'postgresql://scott:***@host?password=***'",
    .zSecret="ger" },
  { .zName="userinfo-at-in-query",
    /* SQLAlchemy reads this as user "localhost", password up to the '@':
    ** an '@' in a query value must be written %40 */
    .zUrl="mysql://localhost:3306/db?init_command=SET @x=1",
    .zDialect="mysql", .zUser="localhost",
    .zPassword="3306/db?init_command=SET ", .zHost="x=1",
    .zMasked="mysql://localhost:***@x=1" },
  { .zName="userinfo-at-in-query-encoded",
    .zUrl="mysql://localhost:3306/db?init_command=SET%20%40x%3D1",
    .zDialect="mysql", .zHost="localhost", .iPort=3306, .zDatabase="db",
    .zQuery="init_command=SET @x=1",
    .zMasked="mysql://localhost:3306/db?init_command=SET%20%40x%3D1" },

  /* Percent-decoding */
  { .zName="decode-25-2B-3A",
    .zUrl="postgresql://us%25er:a%2Bb%3Ac%25@h/d%2Fb%3Ax",
    .zDialect=PG, .zUser="us%er", .zPassword="a+b:c%", .zHost="h",
    .zDatabase="d/b:x", .zMasked="postgresql://us%25er:***@h/d%2Fb%3Ax",
    .zSecret="2Bb" },
  { .zName="decode-lowercase-hex",
    .zUrl="postgresql://u:a%2fb%40c@h",
    .zDialect=PG, .zUser="u", .zPassword="a/b@c", .zHost="h",
    .zMasked="postgresql://u:***@h" },
  { .zName="decode-invalid-escapes",
    .zUrl="postgresql://u%zz:p%4g%@h/db%",
    .zDialect=PG, .zUser="u%zz", .zPassword="p%4g%", .zHost="h",
    .zDatabase="db%", .zMasked="postgresql://u%zz:***@h/db%" },
  { .zName="decode-double-percent",
    .zUrl="postgresql://u:%%41@h/%4",
    .zDialect=PG, .zUser="u", .zPassword="%A", .zHost="h",
    .zDatabase="%4", .zMasked="postgresql://u:***@h/%4" },
  { .zName="decode-plus-not-space",
    .zUrl="postgresql://a+b:c+d@h/e+f",
    .zDialect=PG, .zUser="a+b", .zPassword="c+d", .zHost="h",
    .zDatabase="e+f", .zMasked="postgresql://a+b:***@h/e+f" },
  { .zName="decode-utf8",
    .zUrl="postgresql://u:%C3%A9t%C3%A9@h/caf%C3%A9",
    .zDialect=PG, .zUser="u", .zPassword="\xc3\xa9t\xc3\xa9", .zHost="h",
    .zDatabase="caf\xc3\xa9", .zMasked="postgresql://u:***@h/caf%C3%A9" },
  { .zName="decode-nul-password",
    .zUrl="postgresql://u:a%00b@h",
    .zErr="could not parse URL from string 'postgresql://u:***@h'" },
  { .zName="decode-nul-query",
    .zUrl="postgresql://h/db?a=%00",
    .zErr="could not parse URL from string 'postgresql://h/db?a=%00'" },
  { .zName="decode-host-not-decoded",
    .zUrl="postgresql://h%41/db",
    .zDialect=PG, .zHost="h%41", .zDatabase="db",
    .zMasked="postgresql://h%41/db" },

  /* Passwords in the query string */
  { .zName="mask-query-password",
    .zUrl="postgresql://u@h/db?password=secret&sslmode=require",
    .zDialect=PG, .zUser="u", .zHost="h", .zDatabase="db",
    .zQuery="password=secret|sslmode=require",
    .zMasked="postgresql://u@h/db?password=***&sslmode=require",
    .zSecret="secret" },
  { .zName="mask-query-sslpassword",
    .zUrl="postgresql://h/db?sslpassword=k3y&sslkey=%2Fk",
    .zDialect=PG, .zHost="h", .zDatabase="db",
    .zQuery="sslpassword=k3y|sslkey=/k",
    .zMasked="postgresql://h/db?sslpassword=***&sslkey=%2Fk",
    .zSecret="k3y" },
  { .zName="mask-query-case-and-encoding",
    .zUrl="postgresql://h/db?PassWord=s1&pass%77ord=s2&pass+word=nope",
    .zDialect=PG, .zHost="h", .zDatabase="db",
    .zQuery="PassWord=s1|password=s2|pass word=nope",
    .zMasked="postgresql://h/db?PassWord=***&pass%77ord=***&pass+word=nope",
    .zSecret="s1" },
  { .zName="mask-query-passwd",
    .zUrl="mysql://u:p@h/db?passwd=s3cr3t",
    .zDialect="mysql", .zUser="u", .zPassword="p", .zHost="h",
    .zDatabase="db", .zQuery="passwd=s3cr3t",
    .zMasked="mysql://u:***@h/db?passwd=***", .zSecret="s3cr3t" },
  { .zName="mask-query-empty-password",
    .zUrl="postgresql://h/db?password=&x=1",
    .zDialect=PG, .zHost="h", .zDatabase="db", .zQuery="password=|x=1",
    .zMasked="postgresql://h/db?password=***&x=1" },
  { .zName="mask-query-repeated",
    .zUrl="postgresql://h/db?password=one&password=two",
    .zDialect=PG, .zHost="h", .zDatabase="db",
    .zQuery="password=one|password=two",
    .zMasked="postgresql://h/db?password=***&password=***",
    .zSecret="two" },
  { .zName="mask-query-long-key",
    .zUrl="postgresql://h/db?a_very_long_option_name_that_goes_on_and_on_and_on_"
          "and_on_password=hush",
    .zDialect=PG, .zHost="h", .zDatabase="db",
    .zQuery="a_very_long_option_name_that_goes_on_and_on_and_on_"
            "and_on_password=hush",
    .zMasked="postgresql://h/db?a_very_long_option_name_that_goes_on_and_on_"
             "and_on_and_on_password=***", .zSecret="hush" },
  { .zName="mask-query-in-error",
    .zUrl="postgresql://h:bad/db?password=secret",
    .zErr="could not parse URL from string "
          "'postgresql://h:***/db?password=***'", .zSecret="secret" },
  { .zName="mask-query-in-dialect-error",
    .zUrl="nosuch://u:pw@h/db?password=secret",
    .zErr="unknown dialect 'nosuch'", .zSecret="secret" },

  /* Unparseable */
  { .zName="notarealurl",
    .zUrl="notarealurl",
    .zErr="could not parse URL from string 'notarealurl'" },
  { .zName="unparseable-empty",
    .zUrl="", .zErr="could not parse URL from string ''" },
  { .zName="unparseable-no-name",
    .zUrl="://h/db", .zErr="could not parse URL from string '://h/db'" },
  { .zName="unparseable-one-slash",
    .zUrl="postgresql:/scott:tiger@host/db",
    .zErr="could not parse URL from string 'postgresql:***@host/db'",
    .zSecret="tiger" },
  { .zName="unparseable-no-slashes",
    .zUrl="postgresql:scott:tiger@host",
    .zErr="could not parse URL from string 'postgresql:***@host'",
    .zSecret="tiger" },
  { .zName="unparseable-leading-space",
    .zUrl=" postgresql://u:tiger@h",
    .zErr="could not parse URL from string ' postgresql://u:***@h'",
    .zSecret="tiger" },
  { .zName="unparseable-trailing-newline",
    .zUrl="postgresql://u:tiger@h/db\n",
    .zErr="could not parse URL from string 'postgresql://u:***@h/db\n'",
    .zSecret="tiger" },
  { .zName="unparseable-tab",
    .zUrl="postgresql://u:ti\tger@h/db",
    .zErr="could not parse URL from string 'postgresql://u:***@h/db'" },
  { .zName="unparseable-dash-in-name",
    .zUrl="post-gres://u:tiger@h",
    .zErr="could not parse URL from string 'post-gres://u:***@h'",
    .zSecret="tiger" },
  { .zName="unparseable-ipv6-tail-masked",
    .zUrl="postgresql://u:tiger@[::1]x?password=s",
    .zErr="could not parse URL from string "
          "'postgresql://u:***@[::1]x?password=***'",
    .zSecret="tiger" },
};

/*
** remoteUrlMask() cases: input, expected output.
*/
static const struct MaskCase {
  const char *zName;
  const char *zUrl;
  const char *zOut;
} aMask[] = {
  { "mask-plain", "postgresql://scott:tiger@localhost/test",
    "postgresql://scott:***@localhost/test" },
  { "mask-no-password", "postgresql://scott@localhost/test",
    "postgresql://scott@localhost/test" },
  { "mask-empty-password", "postgresql://scott:@localhost/test",
    "postgresql://scott:***@localhost/test" },
  { "mask-notarealurl", "notarealurl", "notarealurl" },
  { "mask-empty", "", "" },
  { "mask-env", "env:DATABASE_URL", "env:DATABASE_URL" },
  { "mask-raw-at", "postgresql://scott:tiger@foo@host/db",
    "postgresql://scott:***@host/db" },
  { "mask-raw-at-port", "postgresql://scott:ti@ger@host:5432/db",
    "postgresql://scott:***@host:5432/db" },
  { "mask-one-slash", "postgresql:/scott:tiger@host",
    "postgresql:***@host" },
  { "mask-port-word", "postgresql://scott:tiger", "postgresql://scott:***" },
  { "mask-port-digits", "postgresql://scott:5432", "postgresql://scott:5432" },
  { "mask-garbage-colon", "garbage:tiger", "garbage:***" },
  { "mask-garbage-query", "garbage?password=x&a=b",
    "garbage?password=***&a=b" },
  { "mask-unknown-dialect", "dbtype://username:password@hostspec/database",
    "dbtype://username:***@hostspec/database" },
  { "mask-ipv6", "mysql://u:p@[::1]:3306/db",
    "mysql://u:***@[::1]:3306/db" },
  { "mask-query-only", "postgresql://h/db?password=s&passwd=t&x=password",
    "postgresql://h/db?password=***&passwd=***&x=password" },
  { "mask-slash-in-password", "postgresql://u:a/b@h/db",
    "postgresql://u:***@h/db" },
};

static int nPass = 0;
static int nFail = 0;

/* Report one case: zDiff NULL means it passed. Frees zDiff. */
static void report(const char *zName, char *zDiff){
  if( zDiff ){
    printf("FAIL %s: %s\n", zName, zDiff);
    nFail++;
    sqlite3_free(zDiff);
  }else{
    printf("ok %s\n", zName);
    nPass++;
  }
}

/* Append a difference to *pzDiff when zGot and zWant differ */
static void cmpStr(char **pzDiff, const char *zField,
                   const char *zGot, const char *zWant){
  int bSame = (zGot==0 && zWant==0)
           || (zGot && zWant && strcmp(zGot, zWant)==0);
  if( !bSame ){
    char *z = sqlite3_mprintf("%z%s%s=%s%s%s (want %s%s%s)",
        *pzDiff, *pzDiff ? "; " : "", zField,
        zGot ? "'" : "", zGot ? zGot : "NULL", zGot ? "'" : "",
        zWant ? "'" : "", zWant ? zWant : "NULL", zWant ? "'" : "");
    *pzDiff = z;
  }
}

/* The query pairs of p as "k=v|k=v", NULL if none (sqlite3_malloc'd) */
static char *queryText(const RemoteUrl *p){
  char *z = 0;
  int i;
  for(i=0; i<p->nQuery; i++){
    z = sqlite3_mprintf("%z%s%s=%s", z, i ? "|" : "", p->azKey[i],
                        p->azVal[i]);
  }
  return z;
}

/* Run one ParseCase and report it */
static void runParseCase(const ParseCase *pCase){
  RemoteUrl *p = 0;
  char *zErr = 0;
  char *zDiff = 0;
  int rc = remoteUrlParse(pCase->zUrl, &p, &zErr);

  if( pCase->zErr ){
    if( rc==0 ){
      zDiff = sqlite3_mprintf("parsed, want error '%s'", pCase->zErr);
    }else{
      cmpStr(&zDiff, "error", zErr, pCase->zErr);
      if( p ) zDiff = sqlite3_mprintf("%z; *ppUrl not NULL", zDiff);
    }
  }else if( rc!=0 ){
    zDiff = sqlite3_mprintf("rc=%d error '%s'", rc, zErr ? zErr : "NULL");
  }else{
    char *zQuery = queryText(p);
    if( zErr ) zDiff = sqlite3_mprintf("*pzErr set on success");
    cmpStr(&zDiff, "dialect", p->zDialect, pCase->zDialect);
    cmpStr(&zDiff, "driver", p->zDriver, pCase->zDriver);
    cmpStr(&zDiff, "user", p->zUser, pCase->zUser);
    cmpStr(&zDiff, "password", p->zPassword, pCase->zPassword);
    cmpStr(&zDiff, "host", p->zHost, pCase->zHost);
    if( p->iPort!=pCase->iPort ){
      zDiff = sqlite3_mprintf("%z%sport=%d (want %d)", zDiff,
                              zDiff ? "; " : "", p->iPort, pCase->iPort);
    }
    cmpStr(&zDiff, "database", p->zDatabase, pCase->zDatabase);
    cmpStr(&zDiff, "query", zQuery, pCase->zQuery);
    cmpStr(&zDiff, "masked", p->zMasked, pCase->zMasked);
    sqlite3_free(zQuery);
  }
  if( pCase->zSecret ){
    const char *zShown = p ? p->zMasked : zErr;
    if( zShown && strstr(zShown, pCase->zSecret) ){
      zDiff = sqlite3_mprintf("%z%s'%s' shows secret '%s'", zDiff,
                              zDiff ? "; " : "", zShown, pCase->zSecret);
    }
  }
  remoteUrlFree(p);
  sqlite3_free(zErr);
  report(pCase->zName, zDiff);
}

/* Run one remoteUrlMask() case and report it */
static void runMaskCase(const struct MaskCase *pCase){
  char *zOut = remoteUrlMask(pCase->zUrl);
  char *zDiff = 0;
  cmpStr(&zDiff, "mask", zOut, pCase->zOut);
  sqlite3_free(zOut);
  report(pCase->zName, zDiff);
}

/* Parse zUrl, which must succeed; NULL (and a FAIL line) otherwise */
static RemoteUrl *mustParse(const char *zName, const char *zUrl){
  RemoteUrl *p = 0;
  char *zErr = 0;
  if( remoteUrlParse(zUrl, &p, &zErr) ){
    report(zName, sqlite3_mprintf("parse failed: %s", zErr));
    sqlite3_free(zErr);
    return 0;
  }
  return p;
}

/* remoteUrlQuery(): the last of repeated keys, "" without '=', NULLs */
static void testQuery(void){
  RemoteUrl *p = mustParse("query-lookup",
      "postgresql://h/db?sslmode=require&host=a&host=b&flag&e=");
  char *zDiff = 0;
  if( p==0 ) return;
  cmpStr(&zDiff, "sslmode", remoteUrlQuery(p, "sslmode"), "require");
  cmpStr(&zDiff, "host", remoteUrlQuery(p, "host"), "b");
  cmpStr(&zDiff, "flag", remoteUrlQuery(p, "flag"), "");
  cmpStr(&zDiff, "e", remoteUrlQuery(p, "e"), "");
  cmpStr(&zDiff, "missing", remoteUrlQuery(p, "missing"), 0);
  cmpStr(&zDiff, "case", remoteUrlQuery(p, "SSLMODE"), 0);
  cmpStr(&zDiff, "nullkey", remoteUrlQuery(p, 0), 0);
  cmpStr(&zDiff, "nullurl", remoteUrlQuery(0, "host"), 0);
  report("query-lookup", zDiff);
  remoteUrlFree(p);

  p = mustParse("query-lookup-none", "postgresql://h/db");
  if( p==0 ) return;
  zDiff = 0;
  cmpStr(&zDiff, "sslmode", remoteUrlQuery(p, "sslmode"), 0);
  if( p->nQuery!=0 ) zDiff = sqlite3_mprintf("%z nQuery=%d", zDiff, p->nQuery);
  report("query-lookup-none", zDiff);
  remoteUrlFree(p);
}

/* "env:NAME" URLs, with variables set here */
static void testEnv(void){
  static const ParseCase aEnv[] = {
    { .zName="env-set", .zUrl="env:SQLITE_REMOTE_TEST_URL",
      .zDialect=PG, .zUser="scott", .zPassword="tiger", .zHost="db.example",
      .iPort=5433, .zDatabase="test", .zQuery="sslmode=require",
      .zMasked="postgresql://scott:***@db.example:5433/test?sslmode=require",
      .zSecret="tiger" },
    { .zName="env-unset", .zUrl="env:SQLITE_REMOTE_TEST_UNSET",
      .zErr="environment variable SQLITE_REMOTE_TEST_UNSET is not set" },
    { .zName="env-bad-url", .zUrl="env:SQLITE_REMOTE_TEST_BAD",
      .zErr="could not parse URL from string 'postgresql://scott:***@host'",
      .zSecret="tiger" },
    { .zName="env-bad-dialect", .zUrl="env:SQLITE_REMOTE_TEST_DIALECT",
      .zErr="unknown dialect 'oracle'" },
    { .zName="env-not-recursive", .zUrl="env:SQLITE_REMOTE_TEST_NESTED",
      .zErr="could not parse URL from string 'env:SQLITE_REMOTE_TEST_URL'" },
    { .zName="env-empty-value", .zUrl="env:SQLITE_REMOTE_TEST_EMPTY",
      .zErr="could not parse URL from string ''" },
    { .zName="env-empty-name", .zUrl="env:",
      .zErr="could not parse URL from string 'env:'" },
    { .zName="env-is-dialect", .zUrl="env://h",
      .zErr="unknown dialect 'env'" },
  };
  size_t i;
  setenv("SQLITE_REMOTE_TEST_URL",
         "postgresql://scott:tiger@db.example:5433/test?sslmode=require", 1);
  unsetenv("SQLITE_REMOTE_TEST_UNSET");
  setenv("SQLITE_REMOTE_TEST_BAD", "postgresql://scott:tiger@foo@host", 1);
  setenv("SQLITE_REMOTE_TEST_DIALECT", "oracle://scott:tiger@h", 1);
  setenv("SQLITE_REMOTE_TEST_NESTED", "env:SQLITE_REMOTE_TEST_URL", 1);
  setenv("SQLITE_REMOTE_TEST_EMPTY", "", 1);
  for(i=0; i<sizeof(aEnv)/sizeof(aEnv[0]); i++) runParseCase(&aEnv[i]);
}

/* remoteUrlParse(NULL) and remoteUrlMask(NULL), remoteUrlFree(NULL) */
static void testNull(void){
  RemoteUrl *p = (RemoteUrl*)1;
  char *zErr = 0;
  char *zDiff = 0;
  int rc = remoteUrlParse(0, &p, &zErr);
  if( rc==0 || p!=0 ) zDiff = sqlite3_mprintf("rc=%d p=%p", rc, (void*)p);
  cmpStr(&zDiff, "error", zErr, "could not parse URL from string ''");
  sqlite3_free(zErr);
  zErr = remoteUrlMask(0);
  cmpStr(&zDiff, "mask", zErr, 0);
  remoteUrlFree(0);
  report("null-arguments", zDiff);
}

/*
** Out-of-memory: a malloc that fails after nBudget successful calls.
** Every parse must then fail with SQLITE_NOMEM and leave nothing behind.
*/
static sqlite3_mem_methods memDefault;
static int nBudget = -1;      /* calls left before failing; -1 = never fail */

static void *oomMalloc(int n){
  if( nBudget==0 ) return 0;
  if( nBudget>0 ) nBudget--;
  return memDefault.xMalloc(n);
}
static void *oomRealloc(void *p, int n){
  if( nBudget==0 ) return 0;
  if( nBudget>0 ) nBudget--;
  return memDefault.xRealloc(p, n);
}

static void testOom(int bInstalled){
  static const char *azUrl[] = {
    "postgresql+psycopg2://u%40:p%2F@[::1]:5432/db?a=1&password=x&b",
    "postgresql://scott:tiger@foo@host/db?password=x",
    "env:SQLITE_REMOTE_TEST_URL",
    "nosuch://u:p@h",
  };
  char *zDiff = 0;
  size_t k;
  int nNomem = 0;
  if( !bInstalled ){
    report("out-of-memory", sqlite3_mprintf("could not install malloc"));
    return;
  }
  for(k=0; k<sizeof(azUrl)/sizeof(azUrl[0]) && zDiff==0; k++){
    int iFail;
    for(iFail=0; iFail<200 && zDiff==0; iFail++){
      sqlite3_int64 nBefore = sqlite3_memory_used();
      RemoteUrl *p = 0;
      char *zErr = 0;
      int rc;
      char *zMask;
      nBudget = iFail;
      rc = remoteUrlParse(azUrl[k], &p, &zErr);
      zMask = remoteUrlMask(azUrl[k]);
      nBudget = -1;
      if( rc==SQLITE_NOMEM ){
        nNomem++;
        if( p ) zDiff = sqlite3_mprintf("%s: NOMEM with a result", azUrl[k]);
      }else if( rc!=SQLITE_OK && rc!=SQLITE_ERROR ){
        zDiff = sqlite3_mprintf("%s: rc=%d", azUrl[k], rc);
      }
      remoteUrlFree(p);
      sqlite3_free(zErr);
      sqlite3_free(zMask);
      if( zDiff==0 && sqlite3_memory_used()!=nBefore ){
        zDiff = sqlite3_mprintf("%s: leaked %lld bytes after %d mallocs",
            azUrl[k], sqlite3_memory_used()-nBefore, iFail);
      }
      if( rc!=SQLITE_NOMEM && zMask ) break;   /* enough budget: done */
    }
  }
  if( zDiff==0 && nNomem==0 ){
    zDiff = sqlite3_mprintf("no allocation ever failed");
  }
  report("out-of-memory", zDiff);
}

int main(void){
  size_t i;
  int bOom;

  /* Wrap SQLite's allocator before anything allocates */
  bOom = sqlite3_config(SQLITE_CONFIG_GETMALLOC, &memDefault)==SQLITE_OK;
  if( bOom ){
    sqlite3_mem_methods m = memDefault;
    m.xMalloc = oomMalloc;
    m.xRealloc = oomRealloc;
    bOom = sqlite3_config(SQLITE_CONFIG_MALLOC, &m)==SQLITE_OK;
  }
  sqlite3_initialize();

  for(i=0; i<sizeof(aParse)/sizeof(aParse[0]); i++) runParseCase(&aParse[i]);
  for(i=0; i<sizeof(aMask)/sizeof(aMask[0]); i++) runMaskCase(&aMask[i]);
  testQuery();
  testEnv();
  testNull();
  testOom(bOom);

  printf("%d passed, %d failed\n", nPass, nFail);
  sqlite3_shutdown();
  return nFail ? 1 : 0;
}
