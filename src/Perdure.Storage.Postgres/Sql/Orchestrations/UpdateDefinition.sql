-- Stores the columns of an instance that steps rarely change: name, version, scheduled start, tags, parent and trace.
-- Tables: Instances.
-- Invariant: runs after Checkpoint.sql succeeded in the same transaction, and only when one of these columns changed, so
-- most steps neither bind them nor touch Instances_Parent.
UPDATE Instances
SET Name = @Name,
    Version = @Version,
    ScheduledStartAt = @ScheduledStartAt,
    Tags = @Tags,
    ParentName = @ParentName,
    ParentInstanceId = @ParentInstanceId,
    ParentExecutionId = @ParentExecutionId,
    ParentTaskScheduledId = @ParentTaskScheduledId,
    TraceParent = @TraceParent
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId;
