# SPDX-License-Identifier: MIT
# test/diffgen.tcl: the differential checker of diff.test.
#
# The contract (README.md, "Virtual tables": pushdown never changes a
# result): a query over remote virtual tables returns exactly what the same
# query returns over local SQLite tables with the same declared types and
# the same rows.
#
#   diffgen_setup            remote tables diff_t1_PID/diff_t2_PID (PID: this
#                            process, so that runs in parallel do not meet; one per dialect,
#                            created with the server's own types), virtual
#                            tables rt1/rt2 on engine `diff`, and local copies
#                            lt1/lt2 made from the virtual tables' declared
#                            types and rows; plus a plain local table lk.
#   diffgen_queries SEED N   N generated queries (deterministic per SEED):
#                            list of {SQL NCOL MODE} where SQL names @T1@,
#                            @T2@ and MODE is "ordered" (compare as lists),
#                            "unordered" (compare sorted) or "subset" (LIMIT
#                            without ORDER BY: the remote rows are as many as
#                            the local ones and each is a row of the query
#                            without its LIMIT).
#   diffgen_run QUERIES      runs each against rt*/lt*, returns the number of
#                            mismatches; each mismatch is reported with
#                            test_fail: query, both answers, the remote SQL
#                            (captured from remote_log by running the query
#                            again over an echo=1 engine).
#
# Values are compared with their storage class: the Tcl object type of each
# value the sqlite3 binding returns (int, double, bytearray, string) plus a
# NULL marker, so 1, 1.0 and '1' are three different answers.

set ::diff_null "\x01NULL"

# --- random numbers (deterministic for a seed) ------------------------------

proc dg_seed {seed} { expr {srand($seed)} }
proc dg_int {n} { expr {int(rand()*$n)} }
proc dg_pick {lst} { lindex $lst [expr {int(rand()*[llength $lst])}] }
proc dg_chance {p} { expr {rand() < $p} }

# --- the columns of each dialect ---------------------------------------------
#
# Each column: name, class (what values it holds), the remote type.

proc diffgen_columns {} {
  switch -- $::D {
    pg {
      return {
        {id   id    {integer PRIMARY KEY}}
        {i    int   bigint}
        {r    real  {double precision}}
        {f    real4 real}
        {t    text  text}
        {v    text  {varchar(40)}}
        {n    num   numeric}
        {d    date  date}
        {ts   ts    timestamp}
        {b    blob  bytea}
        {bo   bool  boolean}
        {s    small smallint}
        {tz   tstz  {timestamp with time zone}}
        {u    uuid  uuid}
      }
    }
    mysql {
      return {
        {id   id    {int PRIMARY KEY}}
        {i    int   bigint}
        {r    real  double}
        {f    real4 float}
        {t    text  text}
        {v    text  {varchar(40)}}
        {n    num   {decimal(30,6)}}
        {d    date  date}
        {ts   ts    {datetime(3)}}
        {b    blob  blob}
        {bo   bool  {tinyint(1)}}
        {s    small smallint}
      }
    }
    sqlite {
      return {
        {id   id    {INTEGER PRIMARY KEY}}
        {i    mixint  INTEGER}
        {r    real  REAL}
        {f    real  FLOAT}
        {t    mixtext TEXT}
        {v    text  VARCHAR(40)}
        {n    num   NUMERIC}
        {d    date  TEXT}
        {ts   ts    TEXT}
        {b    blob  BLOB}
        {x    any   {}}
        {s    small INT}
      }
    }
  }
}

# diff_t2 has a composite primary key (id, g): a rowid virtual table
proc diffgen_columns2 {} {
  switch -- $::D {
    pg     { return {{id id {integer NOT NULL}} {g small {integer NOT NULL}} {k int bigint} {s text text} {rr real {double precision}}} }
    mysql  { return {{id id {int NOT NULL}} {g small {int NOT NULL}} {k int bigint} {s text {varchar(100)}} {rr real double}} }
    sqlite { return {{id id {INTEGER NOT NULL}} {g small {INTEGER NOT NULL}} {k mixint INTEGER} {s mixtext TEXT} {rr real REAL}} }
  }
}
proc diffgen_suffix2 {} { return ", PRIMARY KEY(id, g)" }

# SQL literal pools (SQLite syntax) by storage class
set ::dg_ints {0 1 -1 2 3 5 7 10 -10 42 100 -100 1000000 9223372036854775807
  -9223372036854775808 -9223372036854775807 9007199254740993 2020 255}
set ::dg_reals {0.0 1.5 -2.5 3.0 10.0 0.1 1e300 -1e300 2.5 42.0 0.5 1e-300
  9.3e18 -9.3e18 100.0 7.0 -0.5 9.2233720368547758e18 2020.0 1.0}
set ::dg_texts {'abc' 'Abc' 'ABC' 'abd' '' 'a' 'z' 'Z' 'ß' 'É' 'é' 'straße'
  'STRASSE' '10' '9' '3.0' {' 12'} '1e3' '-5' '2020-01-02' '1999-12-31'
  {'2020-01-02 03:04:05'} 'NaN' {'abc '} 'a%c' 'a_c' '日本' 'zeta' 'Zeta' '0x10'
  '12abc' '10.0' '100' '42' 'true' '2020-1-2' {' 2020-01-02'} '2024-02-29'
  {'2020-01-02 03:04:05.5'} {'2020-01-02 03:04:05.50'} {'2020-01-02T03:04:05'}
  '2020-01-10' {'1999-12-31 23:59:59'} {'2020-01-02 03:04:05+00:00'}
  {'2000-01-01 04:59:59+00:00'} {'2020-01-02 03:04:05.25+00:00'} {'2020-01-02 03:04:05+00'}
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'
  '00000000-0000-0000-0000-000000000000'}
set ::dg_blobs {x'' x'00' x'0102' x'616263' x'ff' x'00ff' x'01' x'3130'}

# --- data -----------------------------------------------------------------------

# A random value (SQLite literal) for a column of class CLS
proc dg_value {cls} {
  if {$cls ne "id" && [dg_chance 0.12]} { return NULL }
  switch -- $cls {
    int - mixint {
      if {$cls eq "mixint" && [dg_chance 0.15]} {
        return [dg_pick {'abc' '' 'x10' 2.5 x'01' '1e400'}]
      }
      if {[dg_chance 0.5]} { return [dg_pick $::dg_ints] }
      return [expr {[dg_int 41] - 20}]
    }
    small { return [dg_pick {0 1 -1 2 3 5 7 10 -10 42 100 255 32767 -32768 -5 20}] }
    real {
      if {[dg_chance 0.6]} { return [dg_pick $::dg_reals] }
      return [format %.3f [expr {([dg_int 4001] - 2000) / 8.0}]]
    }
    real4 { return [dg_pick {0.1 1.5 -3.25 100.0 0.0 2.5 7.0 -0.75 1e10 3.0}] }
    text - mixtext {
      if {$cls eq "mixtext" && [dg_chance 0.15]} {
        return [dg_pick {10 3.5 -7 x'6162' 0}]
      }
      return [dg_pick $::dg_texts]
    }
    num {
      set l {0 1 1.5 -2.25 100 0.001 12345678901234 -7 3 10 2.5 42 0.5 1000000}
      if {$::D eq "pg"} { lappend l 'NaN' 99999999999999999999 }
      return [dg_pick $l]
    }
    date { return [dg_pick {'2020-01-02' '1999-12-31' '2024-02-29' '2000-01-01' '1970-01-01' '2020-01-10'}] }
    ts {
      return [dg_pick {{'2020-01-02 03:04:05'} {'2020-01-02 03:04:05.5'} {'1999-12-31 23:59:59'}
                       {'2000-01-01 00:00:00'} {'2020-01-02 03:04:05.25'}}]
    }
    blob { return [dg_pick $::dg_blobs] }
    bool { return [dg_pick {0 1}] }
    tstz {
      # (the writes compare with a local table: there only the text the
      # server gives back, in UTC)
      if {[info exists ::dg_canon]} {
        return [dg_pick {{'2020-01-02 03:04:05+00:00'} {'2000-01-01 04:59:59+00:00'} {'2020-01-02 03:04:05.25+00:00'}}]
      }
      return [dg_pick {{'2020-01-02 03:04:05+00'} {'2020-01-02 05:04:05.25+02'} {'1999-12-31 23:59:59-05'}
                       {'2000-01-01 00:00:00+00'} {'2020-01-02 03:04:05.5+00'}}]
    }
    uuid {
      if {[info exists ::dg_canon]} {
        return [dg_pick {'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' '00000000-0000-0000-0000-000000000000'}]
      }
      return [dg_pick {'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12'
                       '00000000-0000-0000-0000-000000000000' 'ffffffff-0000-0000-0000-00000000000f'}]
    }
    any  { return [dg_pick {1 'abc' x'01' 2.5 '10' 10 'Abc' x'' -3}] }
  }
  error "dg_value: $cls"
}

# Create the remote tables and the virtual and local tables; fill them.
proc diffgen_setup {nRow1 nRow2} {
  catch {db eval {SELECT remote_drop('diff'), remote_drop('diffecho')}}
  db eval {SELECT remote_engine('diff', $::URL)}
  db eval {SELECT remote_engine('diffecho', $::URL, 'echo=1')}
  set cols1 [diffgen_columns]
  set cols2 [diffgen_columns2]
  set ::diff_t1 diff_t1_[pid]
  set ::diff_t2 diff_t2_[pid]
  foreach {tab cols} [list $::diff_t1 $cols1 $::diff_t2 $cols2] {
    db eval {SELECT remote_execute('diff', 'DROP TABLE IF EXISTS ' || $tab)}
    set defs {}
    foreach c $cols { lappend defs "[lindex $c 0] [lindex $c 2]" }
    set suffix [sqlfor mysql { CHARACTER SET utf8mb4} default {}]
    set pk [expr {$tab eq $::diff_t2 ? [diffgen_suffix2] : ""}]
    set sql "CREATE TABLE $tab ([join $defs {, }]$pk)$suffix"
    db eval {SELECT remote_execute('diff', $sql)}
  }
  foreach {v tab} [list rt1 $::diff_t1 rt2 $::diff_t2 et1 $::diff_t1 et2 $::diff_t2] {
    set eng [expr {[string match e* $v] ? "diffecho" : "diff"}]
    db eval "DROP TABLE IF EXISTS temp.$v"
    db eval "CREATE VIRTUAL TABLE temp.$v USING remote($eng, '$tab')"
  }
  # staging rows, loaded through the virtual tables
  dg_seed 4242
  foreach {tab cols n} [list rt1 $cols1 $nRow1 rt2 $cols2 $nRow2] {
    set rows {}
    for {set r 1} {$r <= $n} {incr r} {
      set vals {}
      foreach c $cols {
        if {[lindex $c 1] eq "id"} {
          lappend vals [expr {$tab eq "rt2" ? ($r + 1) / 2 : $r}]
        } elseif {[lindex $c 0] eq "g"} {
          lappend vals [expr {$r % 2}]
        } else {
          lappend vals [dg_value [lindex $c 1]]
        }
      }
      lappend rows "([join $vals ,])"
    }
    db eval "INSERT INTO $tab SELECT * FROM (VALUES [join $rows ,])"
  }
  # local copies: same declared types, same primary key, the rows as read
  foreach {lt rt} {lt1 rt1 lt2 rt2} {
    db eval "DROP TABLE IF EXISTS temp.$lt"
    set defs {}
    set pk {}
    unset -nocomplain ci
    db eval "PRAGMA table_info($rt)" ci {
      lappend defs "\"$ci(name)\" $ci(type)"
      if {$ci(pk)} { lappend pk "\"$ci(name)\"" }
    }
    set sql "CREATE TABLE temp.$lt ([join $defs {, }]"
    if {$pk ne ""} { append sql ", PRIMARY KEY([join $pk ,])) WITHOUT ROWID" } else { append sql ")" }
    db eval $sql
    db eval "INSERT INTO $lt SELECT * FROM $rt"
  }
  db eval {DROP TABLE IF EXISTS temp.lk}
  db eval {CREATE TABLE temp.lk(k INTEGER, s TEXT, z)}
  db eval {INSERT INTO lk VALUES (1,'abc',1),(2,'Abc','10'),(10,'10',10),(NULL,'ß',x'01'),
                                 (-1,NULL,2.5),(42,'z','abc'),(3,'2020-01-02',NULL),('7','x',3.0)}
}

# --- query generation ----------------------------------------------------------

# Values bound as SQL parameters ($::dgp(N)), by storage class: Tcl ints
# bind as integers, doubles as reals, byte arrays as blobs, else text
proc dg_param {} {
  set n [incr ::dgp(n)]
  switch -- [dg_int 8] {
    5 { unset -nocomplain ::dgp($n) }
    6 { set ::dgp($n) [dg_pick {2020-01-02 2020-1-2 {2020-01-02 03:04:05} {2020-01-02 03:04:05.5}
                                1999-12-31 2024-02-29 {2000-01-01 00:00:00} 2020-01-10 {2020-01-02 03:04:05.25}
                                {2020-01-02 03:04:05+00:00} {2020-01-02 03:04:05.25+00:00}
                                a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}] }
    7 { set ::dgp($n) [expr {double([dg_pick {1e300 -0.0 0.1 9.2233720368547758e18 7.0 1e-300}])}] }
    0 { set ::dgp($n) [expr {[dg_pick {0 1 -1 5 10 42 100 2020 255 -100}] + 0}] }
    1 { set ::dgp($n) [expr {double([dg_pick {1.5 2.5 -2.5 3.0 10.0 0.5 100.0}])}] }
    2 { set ::dgp($n) [dg_pick {abc Abc 10 {} ß 2020-01-02 {abc } a%c zeta 3.0 42}] }
    3 { set ::dgp($n) [binary format H* [dg_pick {01 0102 616263 00 ff {}}]] }
    4 { set ::dgp($n) [expr {[dg_pick {7 3 -10 9223372036854775807}] + 0}] }
  }
  return "\$::dgp($n)"
}

# A constant of a random storage class (or a CAST, or one fitting the column)
proc dg_const {cls} {
  set k [dg_int 13]
  if {$k == 12} { return [dg_param] }
  switch -- $k {
    0 - 1 { return [dg_pick $::dg_ints] }
    2 - 3 { return [dg_pick $::dg_reals] }
    4 - 5 { return [dg_pick $::dg_texts] }
    6     { return [dg_pick $::dg_blobs] }
    7     { return NULL }
    8     { return [dg_pick {{CAST(10 AS INTEGER)} {CAST('10' AS TEXT)} {CAST(1.5 AS REAL)}
                             {CAST('abc' AS BLOB)} {CAST(3 AS NUMERIC)} {-(5)} {+'10'}
                             {CAST(2020 AS TEXT)}}] }
    default {
      if {$cls in {id int mixint bool small}} { return [dg_pick $::dg_ints] }
      if {$cls in {real real4 num}} { return [dg_pick $::dg_reals] }
      if {$cls eq "blob"} { return [dg_pick $::dg_blobs] }
      return [dg_pick $::dg_texts]
    }
  }
}

set ::dg_like {'a%' 'A%' '%c' '%b%' 'a_c' '_' '%' '' 'ab' 'abc' 'é%' 'É%' 'STRASSE'
  'straße' 'STRAßE' 'ß%' '%ß' '1%' '2020%' '%-%' '_bc' '%%' '日%' '%.%' '_%_' 'a%C'
  '%:%' '1_' 'z%' 'Z%' 10 1 '%0' x'6125' NULL}
set ::dg_glob {'a*' 'A*' '*c' '?bc' '*' '' 'a?c' '*ß*' 'É*' '1*' '*%*' '*_*' 'a%c'
  '[a-c]*' '[[]*' 'abc' '2020-*' '??' '*.*' '*0' 'Z*' 1 x'612a' NULL '[^a]*'}

set ::dg_ops {= != <> < <= > >= IS {IS NOT} ==}

# One predicate on column C (SQL text) of class CLS
proc dg_pred {c cls} {
  set k [dg_int 20]
  if {$k < 7} {
    set op [dg_pick $::dg_ops]
    set v [dg_const $cls]
    if {[dg_chance 0.2]} { return "$v $op $c" }
    return "$c $op $v"
  } elseif {$k < 9} {
    return "$c [dg_pick {{IS NULL} {IS NOT NULL} ISNULL NOTNULL {IS NULL} {IS NOT NULL}}]"
  } elseif {$k < 12} {
    set n [expr {1 + [dg_int 5]}]
    set l {}
    for {set j 0} {$j < $n} {incr j} { lappend l [dg_const $cls] }
    set not [expr {[dg_chance 0.15] ? "NOT " : ""}]
    return "$c ${not}IN ([join $l {, }])"
  } elseif {$k < 15} {
    set not [expr {[dg_chance 0.1] ? "NOT " : ""}]
    return "$c ${not}LIKE [dg_pick $::dg_like]"
  } elseif {$k < 17} {
    return "$c GLOB [dg_pick $::dg_glob]"
  } elseif {$k < 18} {
    set a [dg_const $cls]
    set b [dg_const $cls]
    return "$c BETWEEN $a AND $b"
  } elseif {$k < 19} {
    return "($c [dg_pick $::dg_ops] [dg_const $cls] OR $c [dg_pick $::dg_ops] [dg_const $cls])"
  } else {
    switch -- [dg_int 8] {
      0 { return "$c [dg_pick {= < > >=}] [dg_const $cls] COLLATE NOCASE" }
      1 { return "$c IS [dg_pick {{} NOT}] DISTINCT FROM [dg_const $cls]" }
      2 { return "$c LIKE [dg_pick $::dg_like] ESCAPE '\\'" }
      3 { return "$c IN (SELECT [dg_pick {k s z}] FROM lk)" }
      4 { return "$c IN (VALUES ([dg_const $cls]), ([dg_const $cls]))" }
      5 { return "+$c [dg_pick {= < >}] [dg_const $cls]" }
      6 { return "$c [dg_pick {= < > IS}] ([dg_const $cls] || '')" }
      7 { return "$c [dg_pick {< > <= >=}] [dg_const $cls]" }
    }
  }
}

# COLS: list of {name class ...}; returns {name class} of a random column
proc dg_col {cols} {
  set c [dg_pick $cols]
  list [lindex $c 0] [lindex $c 1]
}

proc dg_where {cols alias nMax} {
  set n [dg_int [expr {$nMax+1}]]
  set l {}
  for {set j 0} {$j < $n} {incr j} {
    lassign [dg_col $cols] name cls
    lappend l [dg_pred "$alias$name" $cls]
  }
  return $l
}

# Single-table query over @T1@
proc dg_q_single {cols1} {
  set nSel [expr {1 + [dg_int 4]}]
  set sel {}
  for {set j 0} {$j < $nSel} {incr j} { lappend sel [lindex [dg_col $cols1] 0] }
  if {[dg_chance 0.15]} { set sel [lmap c $cols1 {lindex $c 0}] }
  set nCol [llength $sel]
  set where [dg_where $cols1 "" 3]
  set distinct [expr {[dg_chance 0.15] ? "DISTINCT " : ""}]
  set sql "SELECT $distinct[join $sel {, }] FROM @T1@"
  if {[llength $where]} { append sql " WHERE [join $where { AND }]" }
  set mode unordered
  set r [dg_int 10]
  if {$distinct ne ""} {
    if {$r < 5} {
      set ob {}
      foreach c $sel { lappend ob "$c[dg_pick {{} { DESC} { ASC}}]" }
      append sql " ORDER BY [join $ob {, }]"
      set mode ordered
      if {[dg_chance 0.4]} {
        append sql " LIMIT [dg_int 8]"
        if {[dg_chance 0.5]} { append sql " OFFSET [dg_int 5]" }
      }
    }
  } elseif {$r < 6} {
    set ob {}
    set n [expr {1 + [dg_int 3]}]
    for {set j 0} {$j < $n} {incr j} {
      lappend ob "[lindex [dg_col $cols1] 0][dg_pick {{} { DESC} { ASC} {} { DESC} { COLLATE NOCASE} { NULLS LAST} { DESC NULLS FIRST}}]"
    }
    if {[dg_chance 0.8]} { lappend ob "id[dg_pick {{} { DESC}}]" }
    append sql " ORDER BY [join $ob {, }]"
    set mode ordered
    if {"id" ni $ob && "id DESC" ni $ob} { set mode sameorder }
    if {[dg_chance 0.5]} {
      append sql " LIMIT [dg_pick {0 1 2 3 5 10 20 -1}]"
      if {[dg_chance 0.5]} { append sql " OFFSET [dg_pick {0 1 2 5 50}]" }
      if {$mode eq "sameorder"} { set mode subset }
    }
  } elseif {$r < 8} {
    append sql " LIMIT [dg_pick {0 1 2 3 5 10 20}]"
    if {[dg_chance 0.5]} { append sql " OFFSET [dg_pick {1 2 5}]" }
    set mode subset
  }
  list $sql $nCol $mode
}

# Aggregates
proc dg_q_agg {cols1} {
  lassign [dg_col $cols1] g gcls
  # Not grouped by a column without affinity (class any): SQLite 3.40 takes
  # `x IS CAST(10 AS INTEGER)` in the WHERE as making x constant, so its
  # groups (10 and '10' apart) follow the scan order, which no remote
  # table promises
  while {$gcls eq "any"} { lassign [dg_col $cols1] g gcls }
  lassign [dg_col $cols1] a acls
  set where [dg_where $cols1 "" 2]
  set w [expr {[llength $where] ? " WHERE [join $where { AND }]" : ""}]
  switch -- [dg_int 6] {
    0 { return [list "SELECT count(*), count($a), min($a), max($a) FROM @T1@$w" 4 ordered] }
    1 { return [list "SELECT $g, count(*) FROM @T1@$w GROUP BY $g" 2 unordered] }
    2 { return [list "SELECT $g, count(*), min($a), max($a) FROM @T1@$w GROUP BY $g ORDER BY $g" 4 ordered] }
    3 { return [list "SELECT min($a) FROM @T1@$w" 1 ordered] }
    4 { return [list "SELECT max($a) FROM @T1@$w" 1 ordered] }
    5 { return [list "SELECT count(DISTINCT $a), total(id), sum(id) FROM @T1@$w" 3 ordered] }
  }
}

# Joins and subqueries
proc dg_q_join {cols1 cols2} {
  lassign [dg_col $cols1] a acls
  lassign [dg_col $cols2] b bcls
  set w1 [dg_where $cols1 "a." 1]
  set w2 [dg_where $cols2 "b." 1]
  set where [concat $w1 $w2]
  set w [expr {[llength $where] ? " WHERE [join $where { AND }]" : ""}]
  set lim [expr {[dg_chance 0.3] ? " LIMIT 10" : ""}]
  switch -- [dg_int 13] {
    0 { return [list "SELECT a.id, b.id FROM @T1@ a JOIN @T2@ b ON a.$a = b.$b$w ORDER BY a.id, b.id$lim" 2 ordered] }
    1 { return [list "SELECT a.id, b.id, b.$b FROM @T1@ a LEFT JOIN @T2@ b ON b.$b = a.$a$w ORDER BY 1, 2, 3" 3 ordered] }
    2 { return [list "SELECT a.id, c.k FROM @T1@ a JOIN lk c ON c.[dg_pick {k s z}] = a.$a$w" 2 unordered] }
    3 { return [list "SELECT a.id, (SELECT count(*) FROM @T2@ b WHERE b.$b = a.$a) FROM @T1@ a$w" 2 unordered] }
    4 { return [list "SELECT a.id FROM @T1@ a WHERE a.$a IN (SELECT b.$b FROM @T2@ b[expr {[llength $w2] ? " WHERE [join $w2 { AND }]" : ""}])" 1 unordered] }
    5 { return [list "SELECT a.id, b.id FROM @T1@ a JOIN @T1@ b ON a.$a = b.$a WHERE a.id < b.id ORDER BY 1, 2$lim" 2 ordered] }
    6 { return [list "SELECT c.k, a.id FROM lk c JOIN @T1@ a ON a.$a = c.[dg_pick {k s z}]" 2 unordered] }
    7 { return [list "SELECT a.id FROM @T1@ a WHERE EXISTS (SELECT 1 FROM @T2@ b WHERE b.$b [dg_pick {= < > >= IS}] a.$a)" 1 unordered] }
    8 { return [list "SELECT b.id, a.id FROM @T2@ b JOIN @T1@ a ON a.id = b.[dg_pick {id k}]$w" 2 unordered] }
    9 { return [list "SELECT a.id, (SELECT b.s FROM @T2@ b WHERE b.$b [dg_pick {= < >= IS}] a.$a ORDER BY b.s, b.id LIMIT 1) FROM @T1@ a$w" 2 unordered] }
    10 { return [list "SELECT a.id, b.id FROM @T1@ a JOIN @T2@ b ON b.$b = a.$a [dg_pick {+0 || '' {}}]$w" 2 unordered] }
    11 { return [list "SELECT $a FROM @T1@ UNION SELECT $b FROM @T2@" 1 unordered] }
    12 { return [list "SELECT a.$a, count(*) FROM @T1@ a JOIN @T2@ b ON b.$b = a.$a GROUP BY a.$a HAVING count(*) > 1" 2 unordered] }
  }
}

# A WHERE term whose right side refers to the same table (alias A, the
# table's name in a correlated subquery @T1@ y): SQLite before 3.46 hides
# such terms from xBestIndex and still offers LIMIT/OFFSET
proc dg_selfterm {cols a} {
  lassign [dg_col $cols] x xcls
  lassign [dg_col $cols] y ycls
  set op [dg_pick $::dg_ops]
  switch -- [dg_int 9] {
    0 { return "$a.$x $op $a.$y" }
    1 { return "$a.$x $op $a.$x" }
    2 { return "$a.$x = COALESCE([dg_const $xcls], $a.$x)" }
    3 { return "$a.$x $op ($a.$y [dg_pick {+ - * &}] [dg_pick {0 1 14 2}])" }
    4 { return "$a.$x $op (SELECT [dg_pick {max min}](y.$y) FROM @T1@ y WHERE y.id [dg_pick {= < >}] $a.id)" }
    5 { return "$a.$x $op (SELECT y.$y FROM @T1@ y WHERE y.id = $a.id + [dg_pick {0 1 -1}])" }
    6 { return "[dg_pick {{} NOT}] EXISTS (SELECT 1 FROM @T1@ y WHERE y.$x = $a.$y AND y.id <> $a.id)" }
    7 { return "$a.$x $op $a.$y || ''" }
    8 { return "$a.$x IN ($a.$y, [dg_const $xcls])" }
  }
}

# An expression over columns of alias A (for select lists and WHERE); none
# that can fail (abs() of the smallest integer does: where it is evaluated
# depends on the plan, a local table's as well)
proc dg_expr {cols a} {
  lassign [dg_col $cols] x xcls
  lassign [dg_col $cols] y ycls
  switch -- [dg_int 7] {
    0 { return "$a.$x || $a.$y" }
    1 { return "$a.$x + [dg_pick {0 1 0.5}]" }
    2 { return "coalesce($a.$x, $a.$y)" }
    3 { return "-($a.$x)" }
    4 { return "length($a.$x)" }
    5 { return "typeof($a.$x)" }
    6 { return "CASE WHEN $a.$x [dg_pick $::dg_ops] [dg_const $xcls] THEN 1 ELSE 0 END" }
  }
}

# Single-table query with same-table terms, expressions, parameters and
# LIMIT/OFFSET (bound parameters too)
proc dg_q_self {cols1} {
  set sel [list x.id]
  for {set j [dg_int 3]} {$j > 0} {incr j -1} {
    if {[dg_chance 0.5]} { lappend sel "x.[lindex [dg_col $cols1] 0]" } else { lappend sel [dg_expr $cols1 x] }
  }
  set where [list [dg_selfterm $cols1 x]]
  if {[dg_chance 0.3]} { lappend where [dg_selfterm $cols1 x] }
  foreach p [dg_where $cols1 "x." 2] { lappend where $p }
  if {[dg_chance 0.2]} { lappend where "[dg_expr $cols1 x] [dg_pick $::dg_ops] [dg_const text]" }
  set sql "SELECT [join $sel {, }] FROM @T1@ x WHERE [join $where { AND }]"
  set mode unordered
  set r [dg_int 10]
  if {$r < 5} {
    lassign [dg_col $cols1] oc
    append sql " ORDER BY [dg_pick [list {} "x.$oc, " "x.$oc DESC, "]]x.id[dg_pick {{} { DESC}}]"
    set mode ordered
  } elseif {$r < 8} {
    set mode subset
  }
  if {$mode ne "unordered" && [dg_chance 0.8]} {
    if {[dg_chance 0.3]} {
      set ::dgp([incr ::dgp(n)]) [dg_pick {0 1 2 3 5 -1}]
      append sql " LIMIT \$::dgp($::dgp(n))"
    } else {
      append sql " LIMIT [dg_pick {0 1 2 3 5 10}]"
    }
    if {[dg_chance 0.6]} { append sql " OFFSET [dg_pick {0 1 2 3 7}]" }
  } elseif {$mode eq "subset"} {
    set mode unordered
  }
  list $sql [llength $sel] $mode
}

proc diffgen_queries {seed n} {
  dg_seed $seed
  set cols1 [diffgen_columns]
  set cols2 [diffgen_columns2]
  set res {}
  for {set q 0} {$q < $n} {incr q} {
    set k [dg_int 100]
    if {$k < 47} {
      lappend res [dg_q_single $cols1]
    } elseif {$k < 62} {
      lappend res [dg_q_self $cols1]
    } elseif {$k < 78} {
      lappend res [dg_q_agg $cols1]
    } else {
      lappend res [dg_q_join $cols1 $cols2]
    }
  }
  return $res
}

# --- running and comparing --------------------------------------------------------

# A value with its storage class
proc dg_enc {v} {
  if {$v eq $::diff_null} { return N }
  set rep [tcl::unsupported::representation $v]
  if {[string match "value is a int *" $rep] || [string match "value is a wideInt *" $rep]} {
    return "I:$v"
  }
  if {[string match "value is a double *" $rep]} { return "R:[format %.17g $v]" }
  if {[string match "value is a bytearray *" $rep]} {
    binary scan $v H* h
    return "B:$h"
  }
  return "T:$v"
}

# {ok ROWS} or {err MESSAGE}; ROWS a list of encoded rows
proc dg_exec {sql ncol} {
  if {[catch {db eval $sql} flat]} { return [list err $flat] }
  set rows {}
  set row {}
  foreach v $flat {
    lappend row [dg_enc $v]
    if {[llength $row] == $ncol} { lappend rows $row; set row {} }
  }
  if {[llength $row]} { lappend rows $row }
  list ok $rows
}

proc dg_subst {sql side} {
  string map [list @T1@ ${side}1 @T2@ ${side}2] $sql
}

# The remote SQL the query sends, from an echo=1 engine's log
proc dg_remote_sql {sql ncol} {
  set seq [db onecolumn {SELECT coalesce(max(seq), 0) FROM remote_log}]
  catch {dg_exec [dg_subst $sql et] $ncol}
  set msgs [db eval {SELECT message FROM remote_log WHERE seq > $seq AND engine = 'diffecho' ORDER BY seq}]
  if {[llength $msgs] > 12} {
    set msgs [concat [lrange $msgs 0 11] [list "... [expr {[llength $msgs]-12}] more"]]
  }
  join $msgs "\n    "
}

proc dg_short {x} {
  if {[string length $x] > 1200} { return "[string range $x 0 1200]..." }
  return $x
}

# Strip a trailing LIMIT/OFFSET
proc dg_nolimit {sql} {
  regsub { LIMIT (-?[0-9]+|\$::dgp\([0-9]+\))( OFFSET [0-9]+)?$} $sql {} sql
  return $sql
}

# Compare one query; "" when the answers agree, else a description
proc dg_check {sql ncol mode} {
  set remote [dg_exec [dg_subst $sql rt] $ncol]
  set local [dg_exec [dg_subst $sql lt] $ncol]
  if {[lindex $remote 0] ne [lindex $local 0]} { return "one side failed" }
  if {[lindex $remote 0] eq "err"} {
    if {[lindex $remote 1] eq [lindex $local 1]} { return "" }
    return "different errors"
  }
  set r [lindex $remote 1]
  set l [lindex $local 1]
  switch -- $mode {
    ordered {
      if {$r eq $l} { return "" }
      return "different rows"
    }
    unordered {
      if {[lsort $r] eq [lsort $l]} { return "" }
      return "different rows"
    }
    sameorder {
      # ORDER BY without a total order: same multiset, and the sort keys
      # cannot be checked here: compare as sets
      if {[lsort $r] eq [lsort $l]} { return "" }
      return "different rows"
    }
    subset {
      if {[llength $r] != [llength $l]} { return "different row counts" }
      set full [dg_exec [dg_subst [dg_nolimit $sql] lt] $ncol]
      # (without its LIMIT a query may reach a row that fails it, e.g.
      # abs() of the smallest integer: then only the counts are compared)
      if {[lindex $full 0] eq "err"} { return "" }
      set have [lindex $full 1]
      foreach row $r {
        set i [lsearch -exact $have $row]
        if {$i < 0} { return "a remote row is not in the local answer without LIMIT: $row" }
        set have [lreplace $have $i $i]
      }
      return ""
    }
  }
  error "dg_check: mode $mode"
}

# Run QUERIES; returns {nQuery nMismatch}
proc diffgen_run {queries {maxReport 15}} {
  db nullvalue $::diff_null
  set nBad 0
  set n 0
  foreach q $queries {
    lassign $q sql ncol mode
    incr n
    set why [dg_check $sql $ncol $mode]
    if {$why ne ""} {
      incr nBad
      if {$nBad <= $maxReport} {
        set remote [dg_exec [dg_subst $sql rt] $ncol]
        set local [dg_exec [dg_subst $sql lt] $ncol]
        test_fail "diff-$::D-q$n" "$why\n  query:  $sql\n  remote: [dg_short $remote]\n  local:  [dg_short $local]\n  remote SQL:\n    [dg_remote_sql $sql $ncol]"
      }
    }
  }
  db nullvalue ""
  list $n $nBad
}

# --- writes ------------------------------------------------------------------------
#
# diffgen_writes SEED N: N random UPDATE / DELETE / INSERT statements (their
# WHERE clauses made like the queries' filters) applied to rt1 and to lt1;
# after each, the outcome (error or rows changed) and both tables must agree.
# Returns {nStatement nMismatch}.

proc dg_set_value {cols name} {
  foreach c $cols {
    if {[lindex $c 0] eq $name} { return [dg_value [lindex $c 1]] }
  }
  error "no column $name"
}

proc diffgen_writes {seed n {maxReport 10}} {
  dg_seed $seed
  set ::dg_canon 1
  set cols1 [diffgen_columns]
  set cols2 [diffgen_columns2]
  db nullvalue $::diff_null
  set nBad 0
  set nextId 1000
  for {set q 1} {$q <= $n} {incr q} {
    # table 1 (one-column key) or 2 (composite key id, g)
    if {[dg_chance 0.7]} {
      set t 1; set cols $cols1; set nonkey [lrange $cols1 1 end]
      set keyset "id = id + 5000"
    } else {
      set t 2; set cols $cols2; set nonkey [lrange $cols2 2 end]
      set keyset [dg_pick {{id = id + 5000} {g = g + 10}}]
    }
    set where [dg_where $cols "" 2]
    set w [expr {[llength $where] ? " WHERE [join $where { AND }]" : ""}]
    switch -- [dg_int 6] {
      0 - 1 {
        set c [lindex [dg_pick $nonkey] 0]
        set sql "UPDATE @T@ SET $c = [dg_set_value $cols $c]$w"
      }
      2 {
        set c1 [lindex [dg_pick $nonkey] 0]
        set c2 [lindex [dg_pick $nonkey] 0]
        set sql "UPDATE @T@ SET $c1 = [dg_set_value $cols $c1], $c2 = [dg_set_value $cols $c2]$w"
      }
      3 {
        set sql "DELETE FROM @T@$w"
        if {$w eq ""} { set sql "DELETE FROM @T@ WHERE id = [dg_int 130]" }
      }
      4 {
        set vals [list [incr nextId]]
        if {$t == 2} { lappend vals [dg_int 3] }
        foreach c $nonkey { lappend vals [dg_value [lindex $c 1]] }
        set sql "INSERT INTO @T@ VALUES ([join $vals ,])"
      }
      5 {
        set sql "UPDATE @T@ SET $keyset$w"
        if {$w eq ""} { set sql "UPDATE @T@ SET $keyset WHERE id = [dg_int 130]" }
      }
    }
    set rr [catch {db eval [string map [list @T@ rt$t] $sql]} rmsg]
    set rch [db changes]
    set lr [catch {db eval [string map [list @T@ lt$t] $sql]} lmsg]
    set lch [db changes]
    set why ""
    set order [expr {$t == 1 ? "id" : "id, g"}]
    if {$rr != $lr} {
      set why "one side failed: remote {$rmsg} local {$lmsg}"
    } elseif {!$rr && $rch != $lch} {
      set why "rows changed: remote $rch local $lch"
    } else {
      set rt [dg_exec "SELECT * FROM rt$t ORDER BY $order" [llength $cols]]
      set lt [dg_exec "SELECT * FROM lt$t ORDER BY $order" [llength $cols]]
      if {$rt ne $lt} {
        set why "tables differ"
        set d {}
        foreach a [lindex $rt 1] b [lindex $lt 1] {
          if {$a ne $b} { lappend d "remote $a local $b"; break }
        }
        append why ": first difference: $d"
      }
    }
    if {$why ne ""} {
      incr nBad
      # resynchronize the local copy so that later statements are checked
      db eval "DELETE FROM lt$t; INSERT INTO lt$t SELECT * FROM rt$t"
      if {$nBad <= $maxReport} {
        test_fail "diff-$::D-w$q" "$why\n  statement: [string map [list @T@ t$t] $sql]"
      }
    }
  }
  unset ::dg_canon
  db nullvalue ""
  list $n $nBad
}

# --- a private remote schema per test process -------------------------------
#
# private_schema NAME: every test file of the remote module may run at the
# same time as another copy of itself (several people run the suite on the
# same servers). Each process gets its own PostgreSQL schema / MySQL
# database NAME_PID: created here, made the URL's default (search_path,
# database) in ::env(REMOTE_PG_URL) / ::env(REMOTE_MYSQL_URL) so that
# foreach_dialect and remote_cli use it; lock waits are cut to 10 s so that
# a leftover lock fails a test instead of hanging it. private_schema_drop
# drops them and puts the URLs back. Returns the schema name.
proc private_schema {name} {
  set s "${name}_[pid]"
  set ::private_schema_name $s
  foreach tag {pg mysql} var {REMOTE_PG_URL REMOTE_MYSQL_URL} {
    if {![info exists ::env($var)] || $::env($var) eq ""} continue
    set ::private_saved($var) $::env($var)
    set url $::env($var)
    set sep [expr {[string first ? $url] >= 0 ? "&" : "?"}]
    if {$tag eq "pg"} {
      remote_cli pg "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $s CASCADE; CREATE SCHEMA $s"
      append url "${sep}options=-c%20search_path%3D$s%20-c%20lock_timeout%3D10000"
    } else {
      remote_cli mysql "DROP DATABASE IF EXISTS $s; CREATE DATABASE $s CHARACTER SET utf8mb4"
      if {![regexp {^([^?]*/)([^/?]*)(\?.*)?$} $url -> head db tail]} {
        error "private_schema: cannot parse $url"
      }
      set sep [expr {$tail eq "" ? "?" : "&"}]
      set url "$head$s$tail${sep}init_command=SET%20SESSION%20lock_wait_timeout%3D10%2C%20innodb_lock_wait_timeout%3D10"
    }
    set ::env($var) $url
  }
  return $s
}

proc private_schema_drop {} {
  if {![info exists ::private_schema_name]} return
  set s $::private_schema_name
  foreach var [array names ::private_saved] {
    set ::env($var) $::private_saved($var)
    set tag [expr {$var eq "REMOTE_PG_URL" ? "pg" : "mysql"}]
    catch {
      if {$tag eq "pg"} {
        remote_cli pg "SET client_min_messages = warning; SET lock_timeout = 10000; DROP SCHEMA IF EXISTS $s CASCADE"
      } else {
        remote_cli mysql "SET SESSION lock_wait_timeout = 10; DROP DATABASE IF EXISTS $s"
      }
    }
  }
  unset -nocomplain ::private_saved ::private_schema_name
}
