-- Appends a step's events to an execution's history, all in one statement: the arrays hold one element per event, in
-- order, and the first gets @FirstSequenceNumber.
-- Tables: History.
-- Invariant: (TaskHub, InstanceId, ExecutionId, SequenceNumber) is unique; a duplicate means another worker committed
-- this step already, and the caller rolls the whole checkpoint back as a lost lease.
INSERT INTO History (TaskHub, InstanceId, ExecutionId, SequenceNumber, EventType, Timestamp, Event)
SELECT @TaskHub, @InstanceId, @ExecutionId, @FirstSequenceNumber + e.Position::integer - 1, e.EventType, e.Timestamp, e.Event
FROM unnest(@HistoryTypes, @HistoryTimestamps, @HistoryEvents) WITH ORDINALITY AS e (EventType, Timestamp, Event, Position);
