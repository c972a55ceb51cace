-- Puts a message into an existing instance's inbox; inserts nothing if the instance does not exist.
-- Tables: Instances (read), Messages.
-- Invariants: MessageId comes from AUTOINCREMENT, so ids grow in arrival order and are never reused; VisibleAt is
-- never null (the enqueue time for messages visible at once). The caller runs Messages/Wake.sql next.
INSERT INTO Messages (TaskHub, InstanceId, ExecutionId, EventType, VisibleAt, Event)
SELECT @TaskHub, @InstanceId, @ExecutionId, @EventType, @VisibleAt, @Event
WHERE EXISTS (SELECT 1 FROM Instances WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId);
