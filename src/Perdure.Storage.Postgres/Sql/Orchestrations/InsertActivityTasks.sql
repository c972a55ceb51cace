-- Enqueues a step's activity calls, claimable at once, with their TaskScheduled events, all in one statement: the
-- arrays hold one element per call, in the order the step made them.
-- Tables: ActivityTasks, ActivityTaskEvents.
-- Invariants: the calling instance exists (it is the one being checkpointed). TaskIds come from the identity's
-- sequence, drawn in call order as unnest returns the rows, so calls of one step are claimed in the order they were
-- made (claims order by AvailableAt, then TaskId); the MATERIALIZED CTE draws each id once and gives it to both tables.
-- activitytasks_taskid_seq is the name PostgreSQL gives the identity's sequence (named here, not looked up per call).
WITH Calls AS MATERIALIZED (
    SELECT nextval('activitytasks_taskid_seq') AS TaskId, c.InstanceId, c.ExecutionId, c.Name, c.Event
    FROM unnest(@CallInstanceIds, @CallExecutionIds, @CallNames, @CallEvents) AS c (InstanceId, ExecutionId, Name, Event)
), Tasks AS (
    INSERT INTO ActivityTasks (TaskId, TaskHub, InstanceId, ExecutionId, Name, AvailableAt)
    OVERRIDING SYSTEM VALUE
    SELECT TaskId, @TaskHub, InstanceId, ExecutionId, Name, @Now FROM Calls
)
INSERT INTO ActivityTaskEvents (TaskId, Event)
SELECT TaskId, Event FROM Calls;
