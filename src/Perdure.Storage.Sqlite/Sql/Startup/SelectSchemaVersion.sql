-- Reads the newest schema version applied to this database.
-- Tables: PerdureSchemaVersions (read).
-- Invariant: read-only; a version newer than the code's newest script means the file must not be touched.
SELECT max(Version) FROM PerdureSchemaVersions;
