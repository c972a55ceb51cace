-- Whether the schema exists, and whether it holds PerdureSchemaVersions.
-- Tables: pg_namespace, pg_class (read).
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @Schema),
       EXISTS (SELECT 1 FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
               WHERE n.nspname = @Schema AND c.relname = 'perdureschemaversions');
