-- Records that a schema script was applied.
-- Tables: PerdureSchemaVersions.
-- Invariant: runs in the same BEGIN IMMEDIATE transaction as the script it records, so a version is recorded exactly
-- when its script took effect.
INSERT INTO PerdureSchemaVersions (Version, Name, AppliedAt) VALUES (@Version, @Name, @AppliedAt);
