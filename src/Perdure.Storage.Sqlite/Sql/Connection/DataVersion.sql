-- Reads a number that changes whenever another connection (this process's writer or another process) commits.
-- Tables: none (connection state).
-- Invariant: compared between safety polls on one dedicated connection; a change wakes dispatchers and waiters.
PRAGMA data_version;
