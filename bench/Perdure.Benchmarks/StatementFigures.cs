namespace Perdure.Benchmarks;

/// <summary>One statement's figures from pg_stat_statements: calls, server time in milliseconds, rows.</summary>
internal sealed record StatementFigures(string Query, long Calls, double TotalMilliseconds, long Rows);
