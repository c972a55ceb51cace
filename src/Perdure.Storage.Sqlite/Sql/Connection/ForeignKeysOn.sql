-- Turns on foreign key enforcement, which also runs the ON DELETE CASCADE actions of the schema.
-- Tables: none (connection setting).
-- Invariant: on for the writer connection, so deleting an instance removes everything that belongs to it.
PRAGMA foreign_keys = ON;
