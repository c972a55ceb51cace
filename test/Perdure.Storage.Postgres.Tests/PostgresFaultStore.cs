using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// A store in front of a real one that lets a test stand between the engine and the database: before a call it may hold
/// it (a paused process) or fail it (a round trip that never arrived); after it, it sees how the call ended. Everything
/// else passes straight through.
/// </summary>
/// <remarks>Public and not sealed because <see cref="DispatchProxy"/> derives the proxy type from it.</remarks>
public class PostgresFaultStore : DispatchProxy
{
    private IPerdureStore _inner = null!;
    private Func<string, object?[], Task>? _before;
    private Action<string, object?[], Exception?>? _after;

    /// <summary>
    /// Wraps <paramref name="inner"/>: every task-returning call first awaits <paramref name="before"/> (given the member's
    /// name and arguments; it may throw), then runs, then is reported to <paramref name="after"/> with its error, if any.
    /// </summary>
    public static IPerdureStore Wrap(
        IPerdureStore inner, Func<string, object?[], Task>? before = null, Action<string, object?[], Exception?>? after = null)
    {
        var proxy = Create<IPerdureStore, PostgresFaultStore>();
        var self = (PostgresFaultStore)(object)proxy;
        self._inner = inner;
        self._before = before;
        self._after = after;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        args ??= [];
        var returns = targetMethod.ReturnType;
        if (returns == typeof(Task))
        {
            return InterceptAsync<object?>(targetMethod, args, async () =>
            {
                await (Task)Forward(targetMethod, args)!;
                return null;
            });
        }

        if (returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return typeof(PostgresFaultStore)
                .GetMethod(nameof(InterceptTypedAsync), BindingFlags.NonPublic | BindingFlags.Instance)!
                .MakeGenericMethod(returns.GetGenericArguments()[0])
                .Invoke(this, [targetMethod, args]);
        }

        return Forward(targetMethod, args);
    }

    private Task<T> InterceptTypedAsync<T>(MethodInfo method, object?[] args) =>
        InterceptAsync(method, args, () => (Task<T>)Forward(method, args)!);

    private async Task<T> InterceptAsync<T>(MethodInfo method, object?[] args, Func<Task<T>> call)
    {
        if (_before is not null)
        {
            await _before(method.Name, args);
        }

        try
        {
            var result = await call();
            _after?.Invoke(method.Name, args, null);
            return result;
        }
        catch (Exception ex)
        {
            _after?.Invoke(method.Name, args, ex);
            throw;
        }
    }

    private object? Forward(MethodInfo method, object?[] args)
    {
        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }
}
