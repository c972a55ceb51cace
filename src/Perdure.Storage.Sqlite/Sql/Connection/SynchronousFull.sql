-- Makes every commit on this connection wait until the WAL is flushed to disk (fsync): a commit survives power loss.
-- Tables: none (connection setting).
-- Invariant: the default for every store connection that commits durable work.
PRAGMA synchronous = FULL;
