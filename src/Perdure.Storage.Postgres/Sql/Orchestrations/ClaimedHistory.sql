-- Reads the history of the claimed instances whose last step another worker ran (or that were abandoned), so the
-- claiming worker, which most likely has no cached runtime for them, replays without a second round trip. The fourth
-- statement of the claim batch (after Claim.sql, ClaimedPayloads.sql and ClaimedMessages.sql).
-- Tables: Instances (read, through Instances_Available), History (read, through History_Key).
-- Invariants: as ClaimedPayloads.sql, a snapshot of its own taken after Claim.sql holds the row locks, so the events
-- are exactly the claimed HistoryLength of the current execution; the caller keeps only the ids Claim.sql returned.
SELECT h.InstanceId, h.Event
FROM Instances AS i
JOIN History AS h ON h.TaskHub = i.TaskHub AND h.InstanceId = i.InstanceId AND h.ExecutionId = i.ExecutionId
WHERE i.TaskHub = @TaskHub AND i.AvailableAt = @LockExpiration AND i.LockedBy = @LockedBy AND i.LockExpiration = @LockExpiration
  AND i.HistoryLength > 0 AND i.StepWorker IS DISTINCT FROM @LockedBy
ORDER BY h.InstanceId, h.SequenceNumber;
