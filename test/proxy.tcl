# SPDX-License-Identifier: MIT
# test/proxy.tcl: a loopback TCP proxy that can freeze, for the hang tests
# of test/robust.test (a network that stops forwarding without closing
# anything, as a dead link or a stuck middlebox does).
#
#     tclsh test/proxy.tcl TARGET_HOST TARGET_PORT
#
# It listens on 127.0.0.1 at a free port, and at another for commands,
# and prints "port N control M". Then it reads commands on stdin and on
# any connection to the control port (test/interrupt.c's "%M freeze"
# sends one between two statements), one per line, and answers each with
# a line:
#
#     freeze      stop forwarding, both ways, on every connection (new
#                 ones are accepted and held too): "ok"
#     freeze MS   the same, MS milliseconds from now: "ok"
#     thaw        forward again what is held, and all that comes (a
#                 "freeze MS" not yet due is forgotten): "ok"
#     count       "ok N": connections accepted so far
#     exit        (or end of stdin) closes everything
#     (a control connection that ends is simply closed)
#
# Frozen, the proxy reads nothing: the kernel buffers fill and the peers'
# sends and receives stall, while every socket stays open.

set target_host [lindex $argv 0]
set target_port [lindex $argv 1]
set frozen 0
set naccept 0
set pairs {}         ;# list of {client upstream} pairs still open

fconfigure stdout -buffering line

proc close_pair {a b} {
  catch {close $a}
  catch {close $b}
  set i [lsearch -exact $::pairs [list $a $b]]
  if {$i < 0} { set i [lsearch -exact $::pairs [list $b $a]] }
  if {$i >= 0} { set ::pairs [lreplace $::pairs $i $i] }
}

# forward FROM TO: what FROM has, written to TO at once
proc forward {from to} {
  if {[catch {set data [read $from]}]} { close_pair $from $to; return }
  if {[string length $data]} {
    if {[catch {puts -nonewline $to $data; flush $to}]} {
      close_pair $from $to
      return
    }
  }
  if {[eof $from]} { close_pair $from $to }
}

proc arm {a b} {
  if {$::frozen} return
  catch {fileevent $a readable [list forward $a $b]}
  catch {fileevent $b readable [list forward $b $a]}
}

proc disarm {a b} {
  catch {fileevent $a readable {}}
  catch {fileevent $b readable {}}
}

proc accept {chan addr port} {
  incr ::naccept
  if {[catch {socket $::target_host $::target_port} up]} {
    close $chan
    return
  }
  foreach c [list $chan $up] {
    fconfigure $c -translation binary -blocking 0 -buffering none
  }
  lappend ::pairs [list $chan $up]
  arm $chan $up
}

proc freeze {} {
  set ::frozen 1
  foreach p $::pairs { disarm {*}$p }
}

proc thaw {} {
  foreach id [after info] { after cancel $id }   ;# a pending "freeze MS" too
  set ::frozen 0
  foreach p $::pairs { arm {*}$p }
}

# command IN OUT: one command line from channel IN, answered on OUT
proc command {in out} {
  if {[gets $in line] < 0} {
    if {[eof $in]} {
      if {$in eq "stdin"} { exit 0 }
      close $in
    }
    return
  }
  switch -glob -- [string trim $line] {
    "freeze" { freeze; set reply ok }
    "freeze *" {
      after [lindex $line 1] freeze
      set reply ok
    }
    "thaw" { thaw; set reply ok }
    "count" { set reply "ok $::naccept" }
    "exit" { exit 0 }
    default { set reply "error: unknown command '$line'" }
  }
  puts $out $reply
  flush $out
}

proc control {chan addr port} {
  fconfigure $chan -buffering line -blocking 0
  fileevent $chan readable [list command $chan $chan]
}

set server [socket -server accept -myaddr 127.0.0.1 0]
set ctl [socket -server control -myaddr 127.0.0.1 0]
puts "port [lindex [fconfigure $server -sockname] 2] control [lindex [fconfigure $ctl -sockname] 2]"
fconfigure stdin -blocking 0
fileevent stdin readable [list command stdin stdout]
vwait forever
