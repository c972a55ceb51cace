-- Deletes every history event of an instance (continue-as-new: the new execution's history replaces the old one).
-- Tables: History.
-- Invariant: runs after Checkpoint.sql succeeded in the same transaction.
DELETE FROM History WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId;
