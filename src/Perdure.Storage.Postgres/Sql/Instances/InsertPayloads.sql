-- Stores the input of a new instance (output and custom status start empty).
-- Tables: InstancePayloads.
-- Invariant: the instance row was inserted just before, in the same transaction.
INSERT INTO InstancePayloads (TaskHub, InstanceId, Input) VALUES (@TaskHub, @InstanceId, @Input);
