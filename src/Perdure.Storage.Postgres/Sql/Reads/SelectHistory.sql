-- Reads the history of an instance's current execution in sequence order.
-- Tables: Instances (read), History (read, through History_Key).
-- Invariant: one statement, so the execution id and its events come from one snapshot.
SELECT h.Event
FROM Instances AS i
JOIN History AS h ON h.TaskHub = i.TaskHub AND h.InstanceId = i.InstanceId AND h.ExecutionId = i.ExecutionId
WHERE i.TaskHub = @TaskHub AND i.InstanceId = @InstanceId
ORDER BY h.SequenceNumber;
