-- Locks the next page of entity rows for a cleanup, in ordinal id order, and returns their ids.
-- Tables: Entities (row locks, through Entities_Key).
-- Invariants: the first statement of a cleanup page; rows are locked in id order, the global order for entity rows.
-- @After is the last id of the previous page ('' first); the caller asks for one row more than a page. The rows stay
-- locked until commit, so what CleanupFlags.sql then reads about them holds while the page is cleaned: no batch commits
-- and no message arrives in between.
SELECT EntityId
FROM Entities
WHERE TaskHub = @TaskHub AND EntityId > @After
ORDER BY EntityId
LIMIT @Limit
FOR NO KEY UPDATE;
