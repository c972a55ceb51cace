-- The earliest future time at which an activity task of the hub becomes claimable (a back-off or a lease expiry), or null.
-- Tables: ActivityTasks (read, through ActivityTasks_Available).
-- Invariant: only times after @Now, as in NextOrchestrationDue.sql.
SELECT min(AvailableAt) FROM ActivityTasks WHERE TaskHub = @TaskHub AND AvailableAt > @Now;
