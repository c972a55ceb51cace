-- Lets commits on this connection return before the WAL is flushed; it is flushed at the next FULL commit or checkpoint.
-- Tables: none (connection setting).
-- Invariant: used for batches that hold only leases (claims, renewals, abandons), whose loss at power failure only
-- makes work claimable again, and for every batch when SqliteStoreOptions.Synchronous is Normal. In WAL mode the
-- database stays consistent either way; a power loss can only drop the latest unflushed commits.
PRAGMA synchronous = NORMAL;
