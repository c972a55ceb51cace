using System.Globalization;

namespace Perdure.Benchmarks;

/// <summary>Cumulative server counters at one moment; <see cref="Minus"/> gives what happened between two.</summary>
internal sealed record ServerCounters(
    long Commits, long Rollbacks, long RowsInserted, long RowsUpdated, long RowsDeleted, long RowsRead,
    long? WalSyncs, long? WalWrites, long? WalRecords)
{
    public ServerCounters Minus(ServerCounters before) => new(
        Commits - before.Commits, Rollbacks - before.Rollbacks, RowsInserted - before.RowsInserted, RowsUpdated - before.RowsUpdated,
        RowsDeleted - before.RowsDeleted, RowsRead - before.RowsRead,
        WalSyncs - before.WalSyncs, WalWrites - before.WalWrites, WalRecords - before.WalRecords);

    /// <summary>Each counter divided by <paramref name="steps"/>, for one line of the report.</summary>
    public string PerStep(int steps)
    {
        string F(long? v) => v is null ? "-" : (v.Value / (double)steps).ToString("0.00", CultureInfo.InvariantCulture);
        return $"transactions {F(Commits)} committed + {F(Rollbacks)} rolled back, rows {F(RowsInserted)} inserted / {F(RowsUpdated)} updated / " +
               $"{F(RowsDeleted)} deleted / {F(RowsRead)} read, WAL {F(WalRecords)} records / {F(WalWrites)} writes / {F(WalSyncs)} flushes";
    }
}
