# SPDX-License-Identifier: MIT
# test/all.tcl: run the test suite.
#
#     tclsh test/all.tcl                  every test/*.test, sorted
#     tclsh test/all.tcl pool vtab.test   a subset (names with or without .test)
#
# Each file runs in its own tclsh child (a crash fails only that file) with
# the environment inherited (server URLs, LD_PRELOAD/ASAN_OPTIONS for
# sanitizer runs), its output streamed as it comes.  A file that ends without
# its "N passed, N failed" line, or exits non-zero while reporting no failure
# (a sanitizer report at exit, a crash after finish_test), counts one extra
# failure; one still running after TEST_TIMEOUT seconds (default 600) is
# killed and counts one failure.  Ends with the line "N passed, N failed"
# (totals) and exits 1 when anything failed or no test ran.

fconfigure stdout -buffering line

set testdir [file dirname [file normalize [info script]]]
set timeout 600
if {[info exists env(TEST_TIMEOUT)] && [string is integer -strict $env(TEST_TIMEOUT)]} {
  set timeout $env(TEST_TIMEOUT)
}

# Which files.
if {[llength $argv] == 0} {
  set files [lsort [glob -nocomplain -directory $testdir *.test]]
} else {
  set files {}
  foreach a $argv {
    set cands [list $a $a.test [file join $testdir $a] [file join $testdir $a.test]]
    set found ""
    foreach c $cands {
      if {[file isfile $c]} { set found [file normalize $c]; break }
    }
    if {$found eq ""} {
      puts stderr "all.tcl: no such test file: $a"
      exit 2
    }
    lappend files $found
  }
}

proc on_read {chan} {
  if {[gets $chan line] >= 0} {
    puts $line
    if {[regexp {^(\d+) passed, (\d+) failed\s*$} $line -> p f]} {
      set ::summary [list $p $f]
    }
  } elseif {[eof $chan]} {
    fileevent $chan readable {}
    set ::done eof
  }
}

# descendants PID: the pids of all processes below PID (read from /proc).
proc descendants {pid} {
  set kids {}
  foreach stat [glob -nocomplain /proc/\[0-9\]*/stat] {
    if {[catch {set fd [open $stat r]; set line [read $fd]; close $fd}]} continue
    # pid (comm) state ppid ...: comm may hold spaces and parentheses.
    set rest [string range $line [string last ")" $line] end]
    if {[lindex $rest 2] == $pid} {
      set k [lindex [file split $stat] 2]
      lappend kids $k {*}[descendants $k]
    }
  }
  return $kids
}

# on_timeout PIDS: kill the test file's process and everything it started.
proc on_timeout {pids} {
  set all {}
  foreach p $pids { lappend all $p {*}[descendants $p] }
  catch {exec env -u LD_PRELOAD kill -KILL {*}$all}
  set ::done timeout
}

# run_file FILE: run one test file; returns {passed failed note}.
proc run_file {file} {
  set ::summary {}
  set ::done {}
  set tclsh [info nameofexecutable]
  set chan [open [list | $tclsh $file <@ $::devnull 2>@1] r]
  set pids [pid $chan]
  fconfigure $chan -blocking 0 -buffering line -translation auto
  fileevent $chan readable [list on_read $chan]
  set timer [after [expr {$::timeout * 1000}] [list on_timeout $pids]]
  vwait ::done
  after cancel $timer
  set how $::done
  fconfigure $chan -blocking 1
  set status 0
  set why ""
  if {[catch {close $chan} msg opts]} {
    set ec [dict get $opts -errorcode]
    switch -- [lindex $ec 0] {
      CHILDSTATUS { set status [lindex $ec 2]; set why "exit status $status" }
      CHILDKILLED { set status 128; set why "killed by [lindex $ec 2]" }
      default     { set status 1; set why "error: $msg" }
    }
  }
  # The scratch directory of a file that did not reach finish_test.
  foreach p $pids {
    foreach base [list /tmp [expr {[info exists ::env(TMPDIR)] ? $::env(TMPDIR) : "/tmp"}]] {
      foreach d [glob -nocomplain -directory $base -types d "sqlite-remote-test.$p.*"] {
        catch {file delete -force $d}
      }
    }
  }
  if {$how eq "timeout"} {
    set p 0; set f 0
    if {[llength $::summary]} { lassign $::summary p f }
    return [list $p [expr {$f + 1}] "timed out after $::timeout s and was killed"]
  }
  if {![llength $::summary]} {
    if {$why eq ""} { set why "exit status 0" }
    return [list 0 1 "ended without a summary line ($why)"]
  }
  lassign $::summary p f
  if {$status != 0 && $f == 0} {
    return [list $p 1 "reported no failure but ended with $why"]
  }
  return [list $p $f ""]
}

set devnull [open /dev/null r]
set total_pass 0
set total_fail 0
set bad {}
foreach file $files {
  set name [file tail $file]
  puts "=== $name"
  set t0 [clock milliseconds]
  lassign [run_file $file] p f note
  set secs [format %.1f [expr {([clock milliseconds] - $t0) / 1000.0}]]
  incr total_pass $p
  incr total_fail $f
  if {$note ne ""} {
    puts "!!! $name: $note"
  }
  if {$f > 0} { lappend bad "$name ($f)" }
  puts "=== $name: $p passed, $f failed in ${secs}s"
}

if {[llength $files] == 0} {
  puts "all.tcl: no test files found"
}
if {[llength $bad]} {
  puts "!Failures in: [join $bad {, }]"
}
if {$total_pass + $total_fail == 0} {
  puts "all.tcl: no test ran"
}
puts "$total_pass passed, $total_fail failed"
exit [expr {($total_fail > 0 || $total_pass == 0) ? 1 : 0}]
