-- Reads the input, output and custom status of the instances the claim batch's first statement (Claim.sql) leased.
-- Tables: Instances (read, through Instances_Available), InstancePayloads (read).
-- Invariants: runs after Claim.sql in the same transaction with a snapshot of its own, so it sees the payloads of the
-- newest committed step of each claimed instance (a step that committed between Claim.sql's snapshot and its row lock
-- included). The lease (@LockedBy, @LockExpiration) names the claimed rows; a row of an earlier claim with an equal
-- lease may come back too, and the caller keeps only the ids Claim.sql returned. A leased row's AvailableAt is its
-- LockExpiration (the claim cleared the back-off, its message was visible and the lease is positive), so the rows are
-- found by an equality seek on Instances_Available rather than a scan of the hub, and their payloads by one primary key
-- probe each (LATERAL with LIMIT 1, never flattened into a join, which may read the whole hub's InstancePayloads index:
-- see SelectInstancesWithPayloads.sql).
SELECT i.InstanceId, p.Input, p.Output, p.CustomStatus
FROM Instances AS i
CROSS JOIN LATERAL (
    SELECT pp.Input, pp.Output, pp.CustomStatus FROM InstancePayloads AS pp
    WHERE pp.TaskHub = i.TaskHub AND pp.InstanceId = i.InstanceId LIMIT 1) AS p
WHERE i.TaskHub = @TaskHub AND i.AvailableAt = @LockExpiration AND i.LockedBy = @LockedBy AND i.LockExpiration = @LockExpiration;
