-- Lists the tables of the database, SQLite's own excepted, to tell an empty file from a Perdure or a foreign database.
-- Tables: sqlite_schema (read).
-- Invariant: read-only; runs before anything is written to the file.
SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name;
