// SPDX-License-Identifier: MIT
// sqlite-remote for Node.js: the path of the loadable extension this
// package carries (lib/libsqlite_remote.so, built for this platform and
// linked with its libpq and libmariadb), and load(db) for a host with
// loadExtension(path) (better-sqlite3's Database, node:sqlite's
// DatabaseSync opened with allowExtension: true).
//
//   const Database = require('better-sqlite3');
//   const db = new Database(':memory:');
//   require('sqlite-remote').load(db);
'use strict';
const fs = require('fs');
const path = require('path');

const FILE = 'libsqlite_remote.so';

function getLoadablePath() {
  const p = path.join(__dirname, 'lib', FILE);
  if (!fs.existsSync(p)) {
    throw new Error(`sqlite-remote: ${p} is missing (this package was built for linux-${require('./package.json').cpu || '?'})`);
  }
  return p;
}

function load(db) {
  if (!db || typeof db.loadExtension !== 'function') {
    throw new TypeError('sqlite-remote: load(db) needs a database with loadExtension(path) (better-sqlite3, node:sqlite)');
  }
  db.loadExtension(getLoadablePath());
}

module.exports = { getLoadablePath, load };
