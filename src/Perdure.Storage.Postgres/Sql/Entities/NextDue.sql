-- The earliest future time at which an entity of the hub may become claimable (a scheduled message, a back-off or a
-- lease expiry), or null.
-- Tables: Entities (read, through Entities_Available), EntityMessages (read, through EntityMessages_Scheduled).
-- Invariants: only times after @Now, as in Reads/NextOrchestrationDue.sql, so work the claim could not take never makes
-- a dispatcher spin. The second part covers a scheduled message of an entity that is claimable now, or that it may not
-- serve while locked (then the answer is early, which the contract allows; never late).
SELECT LEAST(
    (SELECT min(AvailableAt) FROM Entities WHERE TaskHub = @TaskHub AND AvailableAt > @Now),
    (SELECT min(ScheduledAt) FROM EntityMessages WHERE TaskHub = @TaskHub AND ScheduledAt > @Now));
