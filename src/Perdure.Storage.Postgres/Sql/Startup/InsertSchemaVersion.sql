-- Records a schema script as applied.
-- Tables: PerdureSchemaVersions.
-- Invariant: in the same transaction as the script itself, under the schema lock.
INSERT INTO PerdureSchemaVersions (Version, Name, AppliedAt) VALUES (@Version, @Name, @AppliedAt);
