-- Announces a commit to every store listening on the task hub's channel (other processes and this one).
-- Tables: none.
-- Invariant: runs inside the committing transaction, so PostgreSQL delivers it only if and when that transaction
-- commits. @Payload says which kinds of work and which instances changed (see NotificationPayload).
SELECT pg_notify(@Channel, @Payload);
