-- Makes an instance claimable from the visibility time of a message just put into its inbox, if that is earlier.
-- Tables: Instances.
-- Invariants: a Suspended (7) instance is woken only by ExecutionTerminated (2) and ExecutionResumed (4) messages; a
-- terminate request also clears a back-off (NotBefore), so it never waits one out; other messages wait in its inbox
-- until a resume. A leased instance stays unavailable until its lease expires or its checkpoint recomputes ReadyAt
-- (AvailableAt takes the later of the two). The row lock this takes waits for a checkpoint of the instance in flight,
-- whose ReadyAt then includes this message.
UPDATE Instances
SET ReadyAt = LEAST(ReadyAt, @VisibleAt),
    NotBefore = CASE WHEN @EventType = 2 THEN NULL ELSE NotBefore END
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId AND (Status <> 7 OR @EventType IN (2, 4));
