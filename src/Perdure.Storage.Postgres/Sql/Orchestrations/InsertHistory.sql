-- Appends one event to an execution's history.
-- Tables: History.
-- Invariant: (TaskHub, InstanceId, ExecutionId, SequenceNumber) is unique; a duplicate means another worker committed
-- this step already, and the caller rolls the whole checkpoint back as a lost lease.
INSERT INTO History (TaskHub, InstanceId, ExecutionId, SequenceNumber, EventType, Timestamp, Event)
VALUES (@TaskHub, @InstanceId, @ExecutionId, @SequenceNumber, @EventType, @Timestamp, @Event);
