namespace Perdure.Storage.Sqlite.Writer;

/// <summary>One write queued for the writer loop: a body that runs inside a savepoint, and the caller's task.</summary>
internal abstract class WriteRequest
{
    protected WriteRequest(bool durable, CancellationToken cancellationToken)
    {
        Durable = durable;
        CancellationToken = cancellationToken;
    }

    /// <summary>
    /// Whether losing the commit in a power failure would lose work. Claims, renewals and abandons are not durable: losing
    /// one only makes work claimable again. A batch of only such requests commits without waiting for the disk.
    /// </summary>
    public bool Durable { get; }

    /// <summary>The caller's token; a request cancelled before the writer reaches it is skipped.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Runs the request's statements; throws to roll back its savepoint.</summary>
    public abstract void Execute(WriteContext context);

    /// <summary>Hands the result to the caller; called after the batch committed.</summary>
    public abstract void Succeed();

    /// <summary>Hands an error to the caller; nothing of the request was committed.</summary>
    public abstract void Fail(Exception exception);

    /// <summary>Tells the caller the request was skipped because it was cancelled first.</summary>
    public abstract void Cancel();
}

/// <summary>A write request whose body returns a <typeparamref name="T"/>.</summary>
internal sealed class WriteRequest<T> : WriteRequest
{
    private readonly Func<WriteContext, T> _body;
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T _result = default!;

    public WriteRequest(bool durable, Func<WriteContext, T> body, CancellationToken cancellationToken)
        : base(durable, cancellationToken)
    {
        _body = body;
    }

    /// <summary>Completes after the batch that carried the request committed (or failed).</summary>
    public Task<T> Task => _completion.Task;

    public override void Execute(WriteContext context) => _result = _body(context);

    public override void Succeed() => _completion.TrySetResult(_result);

    public override void Fail(Exception exception) => _completion.TrySetException(exception);

    public override void Cancel() => _completion.TrySetCanceled(CancellationToken);
}
