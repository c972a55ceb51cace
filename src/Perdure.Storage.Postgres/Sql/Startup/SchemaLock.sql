-- Serializes schema creation and migration across every process: waits for the advisory lock on a fixed key, held
-- until the transaction ends.
-- Tables: none.
-- Invariant: the first statement of the migration transaction; everything after it sees the schema as the previous
-- holder committed it.
SELECT pg_advisory_xact_lock(@Key);
