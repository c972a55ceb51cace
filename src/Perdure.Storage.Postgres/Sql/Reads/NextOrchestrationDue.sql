-- The earliest future time at which an instance of the hub becomes claimable (a delayed message, a back-off or a lease
-- expiry), or null.
-- Tables: Instances (read, through Instances_Available).
-- Invariant: only times after @Now: work claimable now is found by claiming, and a suspended instance's held messages
-- never make it claimable, so they must not make a dispatcher spin.
SELECT min(AvailableAt) FROM Instances WHERE TaskHub = @TaskHub AND AvailableAt > @Now;
