-- Issue 11: SQLite's 0050 rebuilds event_registration with AUTOINCREMENT so a pruned registration's id is
-- never handed out again. Here the identity column has never reused a value; nothing to do.
SELECT 1;
