-- Keeps temporary files in memory. The writer's savepoints journal the pages a request changes (the sub-journal) so
-- that a failing request can be rolled back alone; on disk that is a temporary file written on every request.
-- Tables: none (connection setting).
-- Invariant: set on the writer connection; nothing durable lives in temporary storage.
PRAGMA temp_store = MEMORY;
