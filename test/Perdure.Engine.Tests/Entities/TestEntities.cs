using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace Perdure.Engine.Tests.Entities;

/// <summary>A plain counter: state initialized by the SDK's default (0), operations with and without input.</summary>
public sealed class Counter : TaskEntity<int>
{
    public int Add(int amount) => State += amount;

    public int Get() => State;

    public void Reset() => State = 0;

    public int AddOrOne(int amount = 1) => State += amount;

    public string WhoAmI(TaskEntityContext context) => ReferenceEquals(context, Context) ? context.Id.ToString() : "a different context";

    public async Task<int> AddLaterAsync(int amount)
    {
        await Task.Yield();
        State += amount;
        return State;
    }

    /// <summary>Changes the state, then fails: the change must not survive.</summary>
    public void AddThenFail(int amount)
    {
        State += amount;
        throw new InvalidOperationException($"failed after adding {amount}");
    }

    public async Task AddThenFailAsync(int amount)
    {
        await Task.Yield();
        State += amount;
        throw new InvalidOperationException($"failed later after adding {amount}");
    }
}

/// <summary>Starts at 100 through <c>InitializeState</c>, which sees the operation that triggered it.</summary>
public sealed class Seeded(InitializationLog log) : TaskEntity<int>
{
    public int Get() => State;

    public int Add(int amount) => State += amount;

    protected override int InitializeState(TaskEntityOperation entityOperation)
    {
        log.Operations.Add(entityOperation.Name);
        return 100;
    }
}

/// <summary>Which operations made <see cref="Seeded"/> initialize its state.</summary>
public sealed class InitializationLog
{
    public List<string> Operations { get; } = [];
}

public sealed class Cart
{
    public List<string> Items { get; set; } = [];
}

/// <summary>A reference-type state that operations change in place.</summary>
public sealed class ShoppingCart : TaskEntity<Cart>
{
    public int Add(string item)
    {
        State.Items.Add(item);
        return State.Items.Count;
    }

    public void AddThenFail(string item)
    {
        State.Items.Add(item);
        throw new InvalidOperationException("payment declined");
    }

    public IReadOnlyList<string> List() => State.Items;

    /// <summary>Deletes the entity by setting its state to null.</summary>
    public void Clear() => State = null!;
}

/// <summary>A value-type state that can be deleted by setting it to null.</summary>
public sealed class Gauge : TaskEntity<int?>
{
    public int? Set(int value) => State = value;

    public int? Get() => State;

    public void Forget() => State = null;
}

/// <summary>Operations that fall through to the state object.</summary>
public sealed class Tally : TaskEntity<TallyState>
{
    protected override bool AllowStateDispatch => true;

    public int Peek() => State.Value;
}

public sealed class TallyState
{
    public int Value { get; set; }

    public void Increment() => Value++;
}

/// <summary>Sends signals and starts orchestrations from operations.</summary>
public sealed class Notifier : TaskEntity<int>
{
    public void Notify(string target)
    {
        State++;
        Context.SignalEntity(new EntityInstanceId("counter", target), "add", State);
    }

    public void NotifyLater(DateTimeOffset at) =>
        Context.SignalEntity(new EntityInstanceId("counter", "later"), "reset", new SignalEntityOptions { SignalTime = at });

    public string Start(string input) => Context.ScheduleNewOrchestration(new TaskName("Report"), input);

    public string StartAt(DateTimeOffset at) => Context.ScheduleNewOrchestration(
        new TaskName("Report"),
        "x",
        new StartOrchestrationOptions("report-7", at) { Version = new TaskVersion("2"), Tags = new Dictionary<string, string> { ["team"] = "ops" } });

    public void NotifyThenFail(string target)
    {
        Context.SignalEntity(new EntityInstanceId("counter", target), "add", 1);
        Context.ScheduleNewOrchestration(new TaskName("Report"), target);
        throw new InvalidOperationException("changed my mind");
    }

    public void SignalDefaultId() => Context.SignalEntity(default, "add");

    public void SignalBlankName() => Context.SignalEntity(new EntityInstanceId(" ", "k"), "add");

    public string StartEntityLikeId() => Context.ScheduleNewOrchestration(new TaskName("Report"), null, new StartOrchestrationOptions("@x@y"));
}

/// <summary>An entity whose constructor fails.</summary>
public sealed class Broken : TaskEntity<int>
{
    public Broken() => throw new InvalidOperationException("the database is unreachable");

    public int Get() => State;
}

/// <summary>A function-based entity: the operations are a delegate over the raw <see cref="TaskEntityOperation"/>.</summary>
public sealed class FuncEntity(Func<TaskEntityOperation, ValueTask<object?>> run) : ITaskEntity
{
    public ValueTask<object?> RunAsync(TaskEntityOperation operation) => run(operation);
}

/// <summary>Counts how many times the DI container created it.</summary>
public sealed class CreationCounter
{
    private int _count;

    public int Count => _count;

    public void Increment() => Interlocked.Increment(ref _count);
}

/// <summary>An entity created through DI, with a dependency.</summary>
public sealed class Tracked : TaskEntity<int>
{
    private int _operationsOnThisObject;

    public Tracked(CreationCounter counter) => counter.Increment();

    public int Touch() => ++_operationsOnThisObject;
}

/// <summary>Declares <c>delete</c> unsupported and throws <see cref="NotSupportedException"/> from an existing operation.</summary>
public sealed class Strict : TaskEntity<int>
{
    public int Get() => State;

    public void Delete() => throw new NotSupportedException("Strict entities are never deleted.");

    public void Legacy() => throw new NotSupportedException($"'legacy' was retired; the state stays {State}.");
}
