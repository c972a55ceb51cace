-- Locks the rows of the instances a checkpoint will write, in instance id order, before it writes any of them.
-- Tables: Instances (row locks, FOR NO KEY UPDATE: the lock every later UPDATE of these rows takes anyway).
-- Invariants: runs first in a checkpoint that also writes other instances' rows (messages it sends wake their
-- targets, sub-orchestrations it starts). Without it a step locks its own row, then its targets', and two instances
-- messaging each other at the same moment lock in opposite orders and deadlock (PostgreSQL then aborts one after
-- deadlock_timeout, and the store runs it again). Ids that name no row lock nothing. Order is the column's "C"
-- collation, the same for every transaction.
SELECT 1
FROM Instances
WHERE TaskHub = @TaskHub AND InstanceId = ANY (@InstanceIds)
ORDER BY InstanceId
FOR NO KEY UPDATE;
