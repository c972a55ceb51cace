-- The newest schema version applied, or null.
-- Tables: PerdureSchemaVersions (read).
SELECT max(Version) FROM PerdureSchemaVersions;
