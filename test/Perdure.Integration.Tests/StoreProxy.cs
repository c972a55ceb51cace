using System.Reflection;
using Perdure.Core.Storage;

namespace Perdure.Integration.Tests;

/// <summary>
/// A store that forwards every member to an inner store; a test derives from it to watch or change some members
/// (override <see cref="Invoke"/>, call <see cref="Forward"/> for the rest).
/// </summary>
public abstract class StoreProxy : DispatchProxy
{
    protected IPerdureStore Inner { get; private set; } = null!;

    /// <summary>Makes a <typeparamref name="TProxy"/> over <paramref name="inner"/>; cast it to <see cref="IPerdureStore"/> to use it.</summary>
    public static TProxy Over<TProxy>(IPerdureStore inner)
        where TProxy : StoreProxy
    {
        var proxy = (TProxy)(object)Create<IPerdureStore, TProxy>();
        proxy.Inner = inner;
        return proxy;
    }

    /// <summary>Calls the inner store's member, rethrowing what it throws as itself.</summary>
    protected object? Forward(MethodInfo targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        try
        {
            return targetMethod.Invoke(Inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }
}
