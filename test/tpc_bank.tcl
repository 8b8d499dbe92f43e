# SPDX-License-Identifier: MIT
# test/tpc_bank.tcl: the child process of twophase.test's crash tests, in
# the style of Jepsen's bank test. It moves money between accounts on
# PostgreSQL (engine pg, table bank) and MariaDB (engine my, table bank),
# writing each transfer's two changes to the local ledger in the same
# SQLite transaction, until it has made N transfers (N < 0: forever) or it
# is killed.
#
#   tclsh tpc_bank.tcl MAINDB EXTENSION PG_URL MY_URL N SEED
#
# It prints "ready" once set up and "done K" when it has made its K
# transfers. REMOTE_TEST_CRASH=POINT in its environment makes it kill
# itself at that point of a commit (ext/twophase.c).

package require sqlite3
fconfigure stdout -buffering line
lassign $argv maindb ext pgurl myurl n seed

sqlite3 db $maindb
db timeout 10000
db enable_load_extension 1
db eval {SELECT load_extension($ext)}
db eval {SELECT remote_engine('pg', $pgurl)}
db eval {SELECT remote_engine('my', $myurl)}
db eval {CREATE VIRTUAL TABLE temp.pa USING remote(pg, 'bank')}
db eval {CREATE VIRTUAL TABLE temp.ma USING remote(my, 'bank')}
expr {srand($seed)}
puts ready

set done 0
for {set i 0} {$n < 0 || $i < $n} {incr i} {
  set x [expr {int(rand()*10) + 1}]
  set from [expr {int(rand()*5) + 1}]
  set to [expr {int(rand()*5) + 1}]
  set toMy [expr {rand() < 0.5}]
  if {[catch {
    db eval BEGIN
    if {$toMy} {
      # PostgreSQL joins first: it is branch 1
      db eval {UPDATE pa SET bal = bal - $x WHERE id = $from}
      db eval {UPDATE ma SET bal = bal + $x WHERE id = $to}
      db eval {INSERT INTO ledger(pg, my) VALUES (-$x, $x)}
    } else {
      db eval {UPDATE ma SET bal = bal - $x WHERE id = $from}
      db eval {UPDATE pa SET bal = bal + $x WHERE id = $to}
      db eval {INSERT INTO ledger(pg, my) VALUES ($x, -$x)}
    }
    db eval COMMIT
  } msg]} {
    catch {db eval ROLLBACK}
    puts "error: $msg"
  } else {
    incr done
  }
}
puts "done $done"
db close
