-- Reads the input, output and custom status of one instance.
-- Tables: InstancePayloads (read).
-- Invariant: run in the same transaction as the claim it completes.
SELECT Input, Output, CustomStatus FROM InstancePayloads WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId;
