-- Ends a request's savepoint, keeping its changes in the batch's transaction.
-- Tables: none.
RELEASE request;
