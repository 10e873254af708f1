-- Nothing to change on PostgreSQL: `timestamptz` compares instants. On SQLite this migration rewrites
-- timestamps into one fixed-width text form (see migrations/sqlite/0010 and ldp-store/src/ts.rs).
SELECT 1;
