-- Reads the status of one instance and locks its row until the transaction ends, or returns nothing.
-- Tables: Instances (row lock).
-- Invariant: the lock keeps the answer true until commit (a concurrent checkpoint, purge or replacement waits), so the
-- caller's decision to refuse, replace or purge is made on the committed state.
SELECT Status FROM Instances WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId FOR UPDATE;
