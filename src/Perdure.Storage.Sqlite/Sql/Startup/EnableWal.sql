-- Switches the database to write-ahead logging and returns the journal mode now in force ('wal' when it worked).
-- Tables: none (the mode is stored in the file header and persists).
-- Invariant: runs only after the file was recognised as empty or as a Perdure database of a known version.
PRAGMA journal_mode = WAL;
