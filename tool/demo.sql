-- SPDX-License-Identifier: MIT
-- tool/demo.sql: a tour of sqlite-remote against the throwaway PostgreSQL.
-- Run it with `make demo` (tool/demo.sh loads public.demo_items and exports
-- REMOTE_PG_URL first), or by hand from the repository root:
--
--     eval "$(tool/servers.sh env)"; sqlite3 :memory: < tool/demo.sql

.load ./dist/remote
.headers on
.mode box --wrap 0

-- An engine: a name for a URL and its connection pool.  env:NAME keeps the
-- password out of the SQL text.
SELECT remote_version() AS version;
SELECT remote_engine('pg', 'env:REMOTE_PG_URL', 'pool_size=2') AS engine;
SELECT name, url, dialect, driver, poolclass, pool_size FROM remote_engines;

-- One value; parameters are bound, in PostgreSQL's own $1 style.
SELECT remote_scalar('pg', 'SELECT count(*) FROM demo_items') AS items;
SELECT remote_scalar('pg', 'SELECT name FROM demo_items WHERE id = $1', 3) AS item_3;

-- Rows: one JSON object per remote row.
SELECT row ->> '$.name' AS name, row ->> '$.price' AS price
  FROM remote_query('pg', 'SELECT name, price FROM demo_items WHERE price > $1 ORDER BY price',
                    json_array(4));

-- A remote transaction: both statements commit together.
SELECT remote_begin('pg') AS depth;
SELECT remote_execute('pg', 'UPDATE demo_items SET stock = stock - $1 WHERE id = $2', 2, 3) AS updated;
SELECT remote_execute('pg', 'INSERT INTO demo_items (id, name, price, stock) VALUES ($1, $2, $3, $4)',
                      6, 'blotting paper', 2.2, 50) AS inserted;
SELECT remote_in_transaction('pg') AS in_transaction;
SELECT remote_commit('pg') AS depth;

-- The pool, as SQLAlchemy reports it.
SELECT remote_pool_status('pg') AS pool_status;

-- A virtual table over the remote table, joined with a local one.
CREATE VIRTUAL TABLE temp.items USING remote(pg, 'public.demo_items');
CREATE TEMP TABLE orders (item_id INTEGER, qty INTEGER);
INSERT INTO orders VALUES (1, 10), (3, 1), (6, 4), (5, 2);

SELECT i.name, o.qty, i.price, o.qty * i.price AS total, i.stock
  FROM orders AS o JOIN items AS i ON i.id = o.item_id
 ORDER BY total DESC;

-- Writes through the virtual table go to PostgreSQL.
UPDATE items SET price = 1.75 WHERE id = 1;
SELECT remote_scalar('pg', 'SELECT price FROM demo_items WHERE id = 1') AS pencil_price_in_pg;

-- What the pool did.
SELECT event, count(*) AS n FROM remote_events WHERE engine = 'pg' GROUP BY event ORDER BY min(seq);
SELECT remote_pool_status('pg') AS pool_status;
