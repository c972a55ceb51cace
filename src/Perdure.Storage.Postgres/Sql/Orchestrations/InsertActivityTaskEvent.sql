-- Stores the TaskScheduled event (name, input, tags) of an activity task.
-- Tables: ActivityTaskEvents.
-- Invariant: @TaskId was returned by InsertActivityTask.sql in the same transaction.
INSERT INTO ActivityTaskEvents (TaskId, Event) VALUES (@TaskId, @Event);
