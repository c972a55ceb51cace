-- Opens the savepoint one write request runs in, inside the batch's transaction.
-- Tables: none.
-- Invariant: every Savepoint is followed by Release (the request succeeded) or RollbackToSavepoint then Release.
SAVEPOINT request;
