# SPDX-License-Identifier: MIT
# test/tester.tcl: the test harness every test/*.test file sources first:
#
#     source [file join [file dirname [info script]] tester.tcl]
#
# It opens the SQLite handle `db` with dist/remote.so loaded and gives
#
#   do_test ?-glob? NAME SCRIPT EXPECTED    SCRIPT runs at global level
#   do_execsql_test NAME SQL EXPECTED       [db eval SQL] as a list
#   do_catchsql_test NAME SQL EXPECTED      {0 {rows}} or {1 {message}}
#   execsql SQL ?DB?, catchsql SQL ?DB?     (Tcl $vars in SQL bind at global level)
#   test_db_open ?HANDLE? ?FILE?            new handle with the extension loaded
#   test_dialects, dialect_url TAG          pg / mysql (when servers are known), sqlite
#   foreach_dialect ?-only TAGS? ?-skip TAGS? ?-pooled? BODY
#                                           BODY once per dialect, ::D = tag, ::URL;
#                                           -pooled: also pgb (PostgreSQL through
#                                           PgBouncer in transaction mode)
#   is_pg                                   1 when ::D is pg or pgb
#   sqlfor pg {...} mysql {...} default {...}  the value for the current ::D
#   remote_cli TAG SQL                      run SQL with psql / mariadb / sqlite3 CLI
#   test_exec ARGS                          exec without LD_PRELOAD (sanitizer runs)
#   sqlite_shell ARGS                       exec the system's sqlite3 shell
#   test_fail NAME MESSAGE                  record a failure outside do_test
#   test_tmpdir                             per-run scratch directory
#   finish_test                             prints "N passed, N failed", exits
#
# Environment: REMOTE_PG_URL and REMOTE_MYSQL_URL (from tool/servers.sh env)
# enable the pg and mysql dialects (REMOTE_PGB_URL the pgb one, for the files
# that ask for it with -pooled: the same PostgreSQL through PgBouncer; sqlfor
# and remote_cli treat it as pg, remote_cli going to the server directly); when CI or REMOTE_REQUIRE_SERVERS=1 is set a
# missing one is a failure (require-pg, require-mysql), never a silent skip.
# REMOTE_DIALECTS="pg sqlite" restricts the dialects; TEST_FILTER="glob ..."
# runs only the tests whose name matches one of the globs; REMOTE_EXTENSION=
# /path/remote loads another build instead of dist/remote.so.

package require Tcl 8.6
package require sqlite3
fconfigure stdout -buffering line
fconfigure stderr -buffering line

set ::testdir [file dirname [file normalize [info script]]]
set ::repodir [file dirname $::testdir]
set ::extpath [file join $::repodir dist remote]
if {[info exists ::env(REMOTE_EXTENSION)] && $::env(REMOTE_EXTENSION) ne ""} {
  # Another build of the extension (path without .so), e.g. for debugging.
  set ::extpath [file rootname [file normalize $::env(REMOTE_EXTENSION)]]
}
set ::testfile [file tail [file normalize $::argv0]]

set ::nPass 0
set ::nFail 0
set ::failList {}

# --- recording results ---------------------------------------------------

# test_selected NAME: 1 when NAME passes the TEST_FILTER globs (or no filter).
proc test_selected {name} {
  if {![info exists ::env(TEST_FILTER)] || [string trim $::env(TEST_FILTER)] eq ""} {
    return 1
  }
  foreach pat $::env(TEST_FILTER) {
    if {[string match $pat $name]} { return 1 }
  }
  return 0
}

proc test_pass {name} {
  incr ::nPass
  puts " Ok"
}

# test_fail NAME MESSAGE: record a failed test (also usable outside do_test).
proc test_fail {name msg} {
  incr ::nFail
  lappend ::failList $name
  puts "$name... FAILED: $msg"
}

# --- the test commands -------------------------------------------------------

# do_test ?-glob? NAME SCRIPT EXPECTED
#   Evaluates SCRIPT at global level; passes when its result equals EXPECTED
#   (or matches the glob pattern EXPECTED with -glob).  An error is a failure.
proc do_test {args} {
  set useGlob 0
  if {[lindex $args 0] eq "-glob"} {
    set useGlob 1
    set args [lrange $args 1 end]
  }
  if {[llength $args] != 3} {
    error "usage: do_test ?-glob? NAME SCRIPT EXPECTED"
  }
  lassign $args name script expected
  if {![test_selected $name]} return
  puts -nonewline "$name..."
  flush stdout
  set rc [catch {uplevel #0 $script} result]
  if {$rc == 1} {
    incr ::nFail
    lappend ::failList $name
    puts "\nError: $result"
    if {[info exists ::env(TEST_VERBOSE)]} { puts $::errorInfo }
    return
  }
  if {$useGlob} {
    set ok [string match $expected $result]
  } else {
    set ok [expr {[string compare $result $expected] == 0}]
  }
  if {$ok} {
    test_pass $name
  } else {
    incr ::nFail
    lappend ::failList $name
    puts "\nExpected: \[$expected\]\n     Got: \[$result\]"
  }
}

# execsql SQL ?DB?: the rows of SQL as a flat list.  Tcl variables named in SQL
# ($x, :x, @x) are bound from the caller's scope.
proc execsql {sql {db db}} {
  uplevel 1 [list $db eval $sql]
}

# catchsql SQL ?DB?: {0 ROWS} or {1 MESSAGE}.
proc catchsql {sql {db db}} {
  set rc [catch {uplevel 1 [list $db eval $sql]} msg]
  list $rc $msg
}

proc do_execsql_test {name sql expected} {
  do_test $name [list execsql $sql] [list {*}$expected]
}

proc do_catchsql_test {name sql expected} {
  do_test $name [list catchsql $sql] [list {*}$expected]
}

# --- the SQLite handle with the extension ---------------------------------

# test_db_open ?HANDLE? ?FILE?: (re)open HANDLE (a global command, default db)
# on FILE (default :memory:) and load dist/remote into it.  Returns HANDLE;
# raises an error when the extension does not load.
proc test_db_open {{handle db} {file :memory:}} {
  catch {uplevel #0 [list $handle close]}
  uplevel #0 [list sqlite3 $handle $file]
  $handle enable_load_extension 1
  $handle eval {SELECT load_extension($::extpath)}
  return $handle
}

# Open `db` now.  A missing or unloadable extension is recorded as a failure
# (the harness's own tests still run against a plain handle).
# REMOTE_TEST_NO_EXTENSION=1 skips this (only for the harness's own tests).
set ::ext_load_error ""
if {[info exists ::env(REMOTE_TEST_NO_EXTENSION)] && $::env(REMOTE_TEST_NO_EXTENSION) eq "1"} {
  sqlite3 db :memory:
} elseif {![file exists $::extpath.so]} {
  set ::ext_load_error "$::extpath.so does not exist (run make)"
} elseif {[catch {test_db_open db} msg]} {
  set ::ext_load_error "loading $::extpath.so failed: $msg"
}
if {$::ext_load_error ne ""} {
  test_fail load-extension $::ext_load_error
  catch {db close}
  sqlite3 db :memory:
}

# --- scratch directory ---------------------------------------------------------

proc test_tmpdir {} {
  if {![info exists ::test_tmpdir]} {
    set base /tmp
    if {[info exists ::env(TMPDIR)] && [file isdirectory $::env(TMPDIR)]} {
      set base $::env(TMPDIR)
    }
    set ::test_tmpdir [file join $base \
        "sqlite-remote-test.[pid].[file rootname $::testfile]"]
    file delete -force $::test_tmpdir
    file mkdir $::test_tmpdir
  }
  return $::test_tmpdir
}

# --- dialects -------------------------------------------------------------------

set ::dialect_env {pg REMOTE_PG_URL mysql REMOTE_MYSQL_URL pgb REMOTE_PGB_URL}
set ::dialects_checked 0

# test_dialects: the dialect tags to test, in the order pg mysql sqlite.
proc test_dialects {} {
  set require [expr {
    ([info exists ::env(CI)] && $::env(CI) ne "") ||
    ([info exists ::env(REMOTE_REQUIRE_SERVERS)] && $::env(REMOTE_REQUIRE_SERVERS) eq "1")
  }]
  set only {}
  if {[info exists ::env(REMOTE_DIALECTS)]} { set only $::env(REMOTE_DIALECTS) }
  set res {}
  foreach tag {pg mysql sqlite} {
    if {$only ne "" && $tag ni $only} continue
    if {$tag ne "sqlite"} {
      set var [dict get $::dialect_env $tag]
      if {![info exists ::env($var)] || $::env($var) eq ""} {
        if {!$::dialects_checked} {
          if {$require} {
            test_fail require-$tag "$var is not set (run: eval \"\$(tool/servers.sh env)\")"
          } else {
            puts "note: $var not set: skipping the $tag dialect"
          }
        }
        continue
      }
    }
    lappend res $tag
  }
  set ::dialects_checked 1
  return $res
}

# dialect_url TAG: the URL to test TAG with.  For sqlite, a database file in
# the per-run scratch directory, the same for the whole test file.
proc dialect_url {tag} {
  switch -- $tag {
    pg     { return $::env(REMOTE_PG_URL) }
    pgb    { return $::env(REMOTE_PGB_URL) }
    mysql  { return $::env(REMOTE_MYSQL_URL) }
    sqlite { return "sqlite:///[file join [test_tmpdir] remote_sqlite.db]" }
    default { error "unknown dialect '$tag'" }
  }
}

# foreach_dialect ?-only TAGS? ?-skip TAGS? BODY: evaluate BODY at global level
# once per dialect with ::D and ::URL set.  An error escaping BODY is recorded
# as the failure of test "$D-NAME-error" and the next dialect runs.
proc foreach_dialect {args} {
  set only {}
  set skip {}
  set pooled 0
  while {[llength $args] > 1} {
    switch -- [lindex $args 0] {
      -only { set only [lindex $args 1]; set args [lrange $args 2 end] }
      -skip { set skip [lindex $args 1]; set args [lrange $args 2 end] }
      -pooled { set pooled 1; set args [lrange $args 1 end] }
      default { error "usage: foreach_dialect ?-only TAGS? ?-skip TAGS? ?-pooled? BODY" }
    }
  }
  if {[llength $args] != 1} { error "usage: foreach_dialect ?-only TAGS? ?-skip TAGS? ?-pooled? BODY" }
  set body [lindex $args 0]
  set tags [test_dialects]
  if {$pooled && "pg" in $tags && [pgb_available]} {
    set tags [linsert $tags [expr {[lsearch $tags pg] + 1}] pgb]
  }
  foreach tag $tags {
    if {$only ne "" && $tag ni $only && !($tag eq "pgb" && "pg" in $only)} continue
    if {$tag in $skip} continue
    set ::D $tag
    set ::URL [dialect_url $tag]
    if {[catch {uplevel #0 $body} msg]} {
      test_fail "$tag-[file rootname $::testfile]-error" $msg
      if {[info exists ::env(TEST_VERBOSE)]} { puts $::errorInfo }
    }
  }
  catch {unset ::D ::URL}
  return
}

# pgb_available: 1 when REMOTE_PGB_URL names a PgBouncer to test through.
# Under CI or REMOTE_REQUIRE_SERVERS=1 a missing one is a failure.
proc pgb_available {} {
  if {[info exists ::env(REMOTE_PGB_URL)] && $::env(REMOTE_PGB_URL) ne ""} { return 1 }
  if {![info exists ::pgb_noted]} {
    set ::pgb_noted 1
    if {([info exists ::env(CI)] && $::env(CI) ne "") ||
        ([info exists ::env(REMOTE_REQUIRE_SERVERS)] && $::env(REMOTE_REQUIRE_SERVERS) eq "1")} {
      test_fail require-pgb "REMOTE_PGB_URL is not set (run: eval \"\$(tool/servers.sh env)\")"
    } else {
      puts "note: REMOTE_PGB_URL not set: skipping the pgb dialect"
    }
  }
  return 0
}

# is_pg: 1 when the current dialect is PostgreSQL (directly or through
# PgBouncer)
proc is_pg {} { expr {[info exists ::D] && $::D in {pg pgb}} }

# sqlfor KEY VALUE ?KEY VALUE ...?: the VALUE whose KEY (a tag or a list of
# tags) contains the current dialect ::D (pgb: else pg's); else the
# `default` one.
proc sqlfor {args} {
  if {[llength $args] % 2} { error "usage: sqlfor TAG VALUE ?TAG VALUE ...?" }
  if {![info exists ::D]} { error "sqlfor: no current dialect (use inside foreach_dialect)" }
  foreach {keys value} $args {
    if {$::D in $keys} { return $value }
  }
  if {$::D eq "pgb"} {
    foreach {keys value} $args {
      if {"pg" in $keys} { return $value }
    }
  }
  foreach {keys value} $args {
    if {"default" in $keys} { return $value }
  }
  error "sqlfor: no entry for dialect '$::D'"
}

# remote_cli TAG SQL: run SQL with the server's own command-line client (psql,
# mariadb, sqlite3) on the dialect's URL, outside the extension: for fixtures
# and for checking what the extension did.  Returns the output (rows on lines,
# columns tab-separated); raises an error when the client fails.
proc remote_cli {tag sql} {
  if {$tag eq "pgb"} { set tag pg }
  set url [dialect_url $tag]
  switch -- $tag {
    pg {
      set psql psql
      if {[info exists ::env(REMOTE_PG_BIN)]} { set psql [file join $::env(REMOTE_PG_BIN) psql] }
      return [test_exec $psql $url -X -q -A -t -F "\t" -v ON_ERROR_STOP=1 -c $sql <@ [dev_null]]
    }
    mysql {
      if {![regexp {^[a-z+]+://([^:@/]*)(?::([^@/]*))?@([^:/]+)(?::(\d+))?/([^?]*)} \
              $url -> user pw host port dbname]} {
        error "remote_cli: cannot parse '$url'"
      }
      set cmd [list mariadb --no-defaults -N -B -u $user -h $host]
      if {$pw ne ""} { lappend cmd -p$pw }
      if {$port ne ""} { lappend cmd -P $port }
      lappend cmd $dbname -e $sql
      return [test_exec {*}$cmd <@ [dev_null]]
    }
    sqlite {
      set path [string range $url [string length "sqlite:///"] end]
      return [sqlite_shell -batch -separator "\t" $path $sql <@ [dev_null]]
    }
  }
  error "unknown dialect '$tag'"
}

# test_exec ARGS: exec ARGS (as Tcl's exec: redirections allowed) without
# LD_PRELOAD, so that in a sanitizer run (make test SANITIZE=1) external
# programs (psql, mariadb, gcc, ...) do not get the ASan runtime: some of them
# deadlock under it (psql does, in glibc's locale lock).
proc test_exec {args} {
  exec env -u LD_PRELOAD {*}$args
}

# sqlite_shell ARGS: exec the system's sqlite3 shell (as test_exec) on the
# system's libsqlite3: in a `make test SQLITE=latest` run LD_LIBRARY_PATH
# points at the newest library, which the shell refuses ("SQLite header and
# source version mismatch"). The file format is the same for both.
proc sqlite_shell {args} {
  exec env -u LD_PRELOAD -u LD_LIBRARY_PATH sqlite3 {*}$args
}

proc dev_null {} {
  if {![info exists ::dev_null]} { set ::dev_null [open /dev/null r] }
  return $::dev_null
}

# --- the end ------------------------------------------------------------------------

# finish_test: print the failed tests and the totals, close db, clean up and
# exit 1 when anything failed.
proc finish_test {} {
  if {$::nFail > 0} {
    puts "!Failures on these tests: $::failList"
  }
  puts "$::nPass passed, $::nFail failed"
  catch {db close}
  if {[info exists ::test_tmpdir]} { catch {file delete -force $::test_tmpdir} }
  exit [expr {$::nFail > 0 ? 1 : 0}]
}
