-- Enqueues a step's activity calls with their TaskScheduled events, all in one statement: the arrays hold one element per
-- call, in the order the step made them. The first @Leased calls are leased to @LockedBy until @LockExpiration (the
-- worker that made the step runs them: see OrchestrationCheckpoint.LeaseActivities); the others are claimable at once.
-- Tables: ActivityTasks, ActivityTaskEvents.
-- Invariants: the calling instance exists (it is the one being checkpointed). TaskIds come from the identity's
-- sequence, drawn in call order as unnest returns the rows, so calls of one step are claimed in the order they were
-- made (claims order by AvailableAt, then TaskId); the MATERIALIZED CTE draws each id once and gives it to both tables.
-- activitytasks_taskid_seq is the name PostgreSQL gives the identity's sequence (named here, not looked up per call).
-- Returns the TaskIds of the leased calls in call order (nothing when @Leased is 0).
WITH Calls AS MATERIALIZED (
    SELECT nextval('activitytasks_taskid_seq') AS TaskId, c.InstanceId, c.ExecutionId, c.Name, c.Event, c.Ordinal <= @Leased AS Leased, c.Ordinal
    FROM unnest(@CallInstanceIds, @CallExecutionIds, @CallNames, @CallEvents) WITH ORDINALITY AS c (InstanceId, ExecutionId, Name, Event, Ordinal)
), Tasks AS (
    INSERT INTO ActivityTasks (TaskId, TaskHub, InstanceId, ExecutionId, Name, LockedBy, LockExpiration, AvailableAt)
    OVERRIDING SYSTEM VALUE
    SELECT TaskId, @TaskHub, InstanceId, ExecutionId, Name,
        CASE WHEN Leased THEN @LockedBy END, CASE WHEN Leased THEN @LockExpiration END,
        CASE WHEN Leased THEN @LockExpiration ELSE @Now END
    FROM Calls
), Events AS (
    INSERT INTO ActivityTaskEvents (TaskId, Event)
    SELECT TaskId, Event FROM Calls
)
SELECT TaskId FROM Calls WHERE Leased ORDER BY Ordinal;
