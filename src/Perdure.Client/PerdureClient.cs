using System.Diagnostics;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;

namespace Perdure.Client;

/// <summary>
/// The Microsoft.DurableTask <see cref="DurableTaskClient"/> over a Perdure store: starts, queries, signals, waits for,
/// restarts and purges orchestration instances of one task hub.
/// </summary>
/// <remarks>
/// <para>
/// The client never runs orchestrations. Every request that changes a running instance (raise event, terminate, suspend,
/// resume) is validated here and put into the instance's inbox as a message; a Perdure worker applies it in the
/// instance's next step. Waiting for an instance is event driven through the store, not polled.
/// </para><para>
/// Instances are safe to share between threads and to cache for the life of the application. The store belongs to the
/// <see cref="PerdureStoreRegistry"/> (or to whoever passed it in), so disposing the client releases nothing.
/// </para>
/// </remarks>
public sealed partial class PerdureClient : DurableTaskClient
{
    /// <summary>The longest instance id accepted when an instance is created.</summary>
    public const int MaxInstanceIdLength = 256;

    private readonly IPerdureStore _store;
    private readonly DataConverter _dataConverter;
    private readonly string? _defaultVersion;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>
    /// Creates the client named <paramref name="name"/> from its registered <see cref="PerdureClientOptions"/>; this is the
    /// constructor the SDK's client builder calls through <c>ActivatorUtilities</c>.
    /// </summary>
    /// <param name="name">The client's name; its options are <c>options.Get(name)</c>.</param>
    /// <param name="options">The options of every named client.</param>
    /// <param name="services">The service provider the store factory and an optional <see cref="TimeProvider"/> come from.</param>
    /// <param name="loggerFactory">Where logs go; none when null.</param>
    /// <exception cref="InvalidOperationException">No store was configured for the client.</exception>
    [ActivatorUtilitiesConstructor]
    public PerdureClient(
        string name,
        IOptionsMonitor<PerdureClientOptions> options,
        IServiceProvider services,
        ILoggerFactory? loggerFactory = null)
        : this(
            name,
            CreateStore(name, options, services, out var resolved),
            resolved,
            loggerFactory,
            services.GetService<TimeProvider>())
    {
    }

    /// <summary>Creates a client over a store the caller owns (for tests and tools).</summary>
    /// <param name="name">The client's name.</param>
    /// <param name="store">The store; the client works in its task hub and never disposes it.</param>
    /// <param name="options">
    /// The data converter and default version; defaults when null. <see cref="PerdureClientOptions.TaskHub"/> and
    /// <see cref="PerdureClientOptions.StoreFactory"/> are not used: the store decides the task hub.
    /// </param>
    /// <param name="loggerFactory">Where logs go; none when null.</param>
    /// <param name="timeProvider">The clock for event timestamps; the system clock when null.</param>
    public PerdureClient(
        string name,
        IPerdureStore store,
        PerdureClientOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new PerdureClientOptions();
        _store = store;
        _dataConverter = options.DataConverter ?? throw new ArgumentException(
            $"{nameof(PerdureClientOptions)}.{nameof(PerdureClientOptions.DataConverter)} is null; leave it unset for JSON or set a converter.",
            nameof(options));
        _defaultVersion = string.IsNullOrEmpty(options.DefaultVersion) ? null : options.DefaultVersion;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory?.CreateLogger<PerdureClient>() ?? NullLogger<PerdureClient>.Instance;
        Entities = new PerdureEntityClient(name, store, _dataConverter);
    }

    /// <summary>The task hub this client reads and writes.</summary>
    public string TaskHub => _store.TaskHub;

    /// <inheritdoc/>
    /// <remarks>Entities need no switch: every Perdure store supports them (see docs/entities.md).</remarks>
    public override DurableEntityClient Entities { get; }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// The id is <see cref="StartOrchestrationOptions.InstanceId"/>, or a new GUID ("N" format). It must be 1 to
    /// <see cref="MaxInstanceIdLength"/> characters, contain no control characters and not start with '@' (reserved for
    /// entities); otherwise <see cref="ArgumentException"/> is thrown and nothing is written. The version is
    /// <see cref="StartOrchestrationOptions.Version"/>, else <see cref="DurableTaskClientOptions.DefaultVersion"/>.
    /// </para><para>
    /// With <see cref="StartOrchestrationOptions.DedupeStatuses"/> null, Perdure's default applies: an existing instance
    /// that is Pending, Running or Suspended makes the call fail with <see cref="OrchestrationAlreadyExistsException"/>;
    /// a finished one is replaced (its history is deleted). With a non-null list, an existing instance whose status is in
    /// the list fails the call; a finished one that is not is replaced; an unfinished one that is not is terminated first
    /// (a terminate message is sent and the call waits, event driven, for a worker to apply it) and then replaced.
    /// Cancelling that wait throws <see cref="OperationCanceledException"/>; the terminate request stands.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">The orchestrator name is null or empty.</exception>
    /// <exception cref="ArgumentException">
    /// The instance id is not valid, a dedupe status does not name a status that can be deduplicated, or the list contains
    /// Terminated while leaving an unfinished status reusable.
    /// </exception>
    /// <exception cref="OrchestrationAlreadyExistsException">An instance with the id exists in a status that forbids reuse.</exception>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName,
        object? input = null,
        StartOrchestrationOptions? options = null,
        CancellationToken cancellation = default)
    {
        if (string.IsNullOrEmpty(orchestratorName.Name))
        {
            throw new ArgumentNullException(
                nameof(orchestratorName),
                "The orchestrator name is null or empty; pass the name the orchestrator was registered with.");
        }

        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        ValidateNewInstanceId(instanceId, nameof(options));
        var dedupeStatuses = ParseDedupeStatuses(options?.DedupeStatuses, nameof(options));
        var version = options?.Version is { } explicitVersion ? explicitVersion.Version : _defaultVersion;
        var started = new ExecutionStartedEvent
        {
            Timestamp = _time.GetUtcNow(),
            Name = orchestratorName.Name,
            Version = version,
            Input = _dataConverter.Serialize(input),
            ExecutionId = NewExecutionId(),
            Tags = options?.Tags is { Count: > 0 } tags ? new Dictionary<string, string>(tags, StringComparer.Ordinal) : null,
            ScheduledStartAt = options?.StartAt?.ToUniversalTime(),
            TraceParent = CurrentTraceParent(),
        };
        var instance = new NewInstance { InstanceId = instanceId, Started = started, DedupeStatuses = dedupeStatuses ?? [] };

        Log.SchedulingOrchestration(_logger, instanceId, started.Name, started.ScheduledStartAt);
        try
        {
            await _store.CreateInstanceAsync(instance, cancellation).ConfigureAwait(false);
            return instanceId;
        }
        catch (InstanceAlreadyExistsException e)
            when (dedupeStatuses is not null && !e.Status.IsTerminal() && !dedupeStatuses.Contains(e.Status))
        {
            // The caller made the unfinished status reusable: terminate the instance, then take its id.
            Log.TerminatingBeforeReuse(_logger, instanceId, e.Status);
            await TerminateAndWaitAsync(instanceId, cancellation).ConfigureAwait(false);
        }
        catch (InstanceAlreadyExistsException e)
        {
            throw AlreadyExists(e);
        }

        try
        {
            await _store.CreateInstanceAsync(instance, cancellation).ConfigureAwait(false);
            return instanceId;
        }
        catch (InstanceAlreadyExistsException e)
        {
            // Someone else started an instance with this id while ours was being terminated.
            throw AlreadyExists(e);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The new run has the original's name, version, tags and current input (after continue-as-new: the latest input),
    /// a new execution id and a fresh history; it is not a sub-orchestration of the original's parent. Restarting with the
    /// same id replaces a finished instance; an unfinished one is refused with <see cref="InvalidOperationException"/>
    /// (terminate it first, or restart with a new id).
    /// </remarks>
    /// <exception cref="ArgumentException">No orchestration instance with the id exists.</exception>
    /// <exception cref="InvalidOperationException">The id is reused and the instance has not finished.</exception>
    public override async Task<string> RestartAsync(
        string instanceId,
        bool restartWithNewInstanceId = false,
        CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        var original = await _store.GetInstanceAsync(instanceId, includePayloads: true, cancellation).ConfigureAwait(false)
            ?? throw NotFound(instanceId, nameof(instanceId));

        if (!restartWithNewInstanceId && !original.Status.IsTerminal())
        {
            throw NotFinished(instanceId, original.Status);
        }

        var newInstanceId = restartWithNewInstanceId ? Guid.NewGuid().ToString("N") : instanceId;
        var started = new ExecutionStartedEvent
        {
            Timestamp = _time.GetUtcNow(),
            Name = original.Name,
            Version = original.Version,
            Input = original.Input,
            ExecutionId = NewExecutionId(),
            Tags = original.Tags,
            TraceParent = CurrentTraceParent(),
        };

        Log.RestartingOrchestration(_logger, instanceId, newInstanceId);
        try
        {
            await _store.CreateInstanceAsync(new NewInstance { InstanceId = newInstanceId, Started = started }, cancellation)
                .ConfigureAwait(false);
        }
        catch (InstanceAlreadyExistsException e)
        {
            // The instance was started again between the read and the create.
            throw NotFinished(instanceId, e.Status, e);
        }

        return newInstanceId;
    }

    /// <inheritdoc/>
    /// <remarks>Nothing to release: the store belongs to the <see cref="PerdureStoreRegistry"/> or to the caller.</remarks>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static IPerdureStore CreateStore(
        string name, IOptionsMonitor<PerdureClientOptions> options, IServiceProvider services, out PerdureClientOptions resolved)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        resolved = options.Get(name);
        TaskHubName.Validate(resolved.TaskHub);
        var factory = resolved.StoreFactory ?? throw new InvalidOperationException(
            $"Durable task client '{name}' has no Perdure store configured. Call UseInMemory(...) or UseSqlite(...) on the " +
            "client builder, for example services.AddDurableTaskClient(b => b.UseSqlite(\"Data Source=perdure.db\")).");
        return factory(services, resolved.TaskHub) ?? throw new InvalidOperationException(
            $"The store factory of durable task client '{name}' returned null for task hub '{resolved.TaskHub}'.");
    }

    private static string NewExecutionId() => Guid.NewGuid().ToString("N");

    private static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    private async Task TerminateAndWaitAsync(string instanceId, CancellationToken cancellation)
    {
        try
        {
            await _store.SendMessageAsync(
                new InstanceMessage { InstanceId = instanceId, Event = new ExecutionTerminatedEvent { Timestamp = _time.GetUtcNow() } },
                cancellation).ConfigureAwait(false);
        }
        catch (InstanceNotFoundException)
        {
            // Purged meanwhile: the id is free.
            return;
        }

        await _store.WaitForInstanceAsync(instanceId, s => s is null || s.Status.IsTerminal(), includePayloads: false, cancellation)
            .ConfigureAwait(false);
    }

    private static OrchestrationAlreadyExistsException AlreadyExists(InstanceAlreadyExistsException e) => new(e.Message, e);

    private static ArgumentException NotFound(string instanceId, string paramName, Exception? inner = null) => new(
        $"No orchestration instance with id '{instanceId}' exists in this task hub. Check the id (ids are case-sensitive) " +
        "and that the client uses the worker's task hub.",
        paramName,
        inner);

    private static InvalidOperationException NotFinished(string instanceId, OrchestrationStatus status, Exception? inner = null) => new(
        $"Orchestration instance '{instanceId}' is {status} and cannot be restarted under the same id. Terminate it first " +
        "(TerminateInstanceAsync, then WaitForInstanceCompletionAsync), or restart it with restartWithNewInstanceId: true.",
        inner);
}
