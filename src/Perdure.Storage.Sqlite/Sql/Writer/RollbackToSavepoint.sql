-- Undoes everything a failed request wrote since its savepoint; the batch's other requests are kept.
-- Tables: none.
ROLLBACK TO request;
