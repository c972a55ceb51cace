-- Recomputes when an instance next has a claimable message, from its inbox and its status.
-- Tables: Messages (read), Instances.
-- Invariants: the last write of a checkpoint that consumed messages or changed the suspension (after consumed messages
-- were deleted and new ones inserted), so the instance row agrees with its inbox at commit. A Suspended (7) instance counts only ExecutionTerminated (2) and
-- ExecutionResumed (4) messages. Null means nothing to claim.
UPDATE Instances
SET ReadyAt = (
    SELECT min(m.VisibleAt)
    FROM Messages AS m
    WHERE m.TaskHub = Instances.TaskHub AND m.InstanceId = Instances.InstanceId
      AND (Instances.Status <> 7 OR m.EventType IN (2, 4)))
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId;
