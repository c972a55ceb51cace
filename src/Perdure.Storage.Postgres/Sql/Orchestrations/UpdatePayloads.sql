-- Stores the input, output and custom status of an instance after a step that changed at least one of them.
-- Tables: InstancePayloads.
-- Invariant: runs after Checkpoint.sql succeeded in the same transaction; steps that change no payload skip it, so a
-- large input is written once, not on every step.
UPDATE InstancePayloads
SET Input = @Input, Output = @Output, CustomStatus = @CustomStatus
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId;
