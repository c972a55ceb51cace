-- Checks that the LISTEN connection still reaches the server after a quiet spell.
-- Tables: none.
-- Invariant: a connection that died without a word (a network partition drops no packet to say so) fails here within
-- the command timeout, and the store falls back to polling and reconnects, instead of waiting forever for notifications.
SELECT 1;
