-- NextActivityDue.sql with PostgresStoreOptions.ActivityAffinity: when this store's worker (@Worker) may next claim an
-- activity task. A task of an instance whose last step ran on another worker is due to it @Affinity after its
-- AvailableAt (ClaimWithAffinity.sql); any other task at its AvailableAt. Only times after @Now count.
-- Tables: ActivityTasks (read, through ActivityTasks_Available), Instances (read).
SELECT min(d.DueAt)
FROM (
    SELECT CASE
               WHEN i.StepWorker IS NULL OR i.StepWorker = @Worker THEN t.AvailableAt
               ELSE t.AvailableAt + @Affinity
           END AS DueAt
    FROM ActivityTasks AS t
    LEFT JOIN Instances AS i ON i.TaskHub = t.TaskHub AND i.InstanceId = t.InstanceId
    WHERE t.TaskHub = @TaskHub AND t.AvailableAt > @Now - @Affinity) AS d
WHERE d.DueAt > @Now;
