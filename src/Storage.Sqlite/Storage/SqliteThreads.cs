using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// Dedicated threads that run synchronous SQLite work, each on a connection it owns. Microsoft.Data.Sqlite's async
/// methods complete synchronously (file I/O and fsync on the caller's thread), so every SQLite call of the server goes
/// through one of these instead of a thread-pool worker: a blocked pool worker on a one-CPU container delays every
/// socket and grain turn until the pool injects another thread. Callers' continuations run asynchronously, never on
/// these threads.
/// </summary>
internal sealed class SqliteThreads : IDisposable
{
    private readonly BlockingCollection<SqliteWork> _queue = new(new ConcurrentQueue<SqliteWork>());
    private readonly Thread[] _threads;
    private readonly Func<SqliteConnection> _open;

    public SqliteThreads(string name, int threadCount, Func<SqliteConnection> open)
    {
        _open = open;
        _threads = new Thread[Math.Max(1, threadCount)];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = _threads.Length == 1 ? name : $"{name} {i + 1}" };
            _threads[i].Start();
        }
    }

    public Task<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
        var item = new SqliteWork<T>(work, cancellationToken);
        try
        {
            _queue.Add(item, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(SqliteThreads));
        }
        return item.Completion.Task;
    }

    private void Run()
    {
        SqliteConnection? connection = null;
        try
        {
            foreach (var work in _queue.GetConsumingEnumerable())
            {
                try
                {
                    connection ??= _open();
                }
                catch (Exception ex)
                {
                    work.Fail(ex);
                    continue;
                }
                if (!work.Execute(connection))
                {
                    // A failed statement may leave the connection in a state the next caller must not inherit
                    // (an open transaction, a broken file handle): start the next item on a fresh one.
                    connection.Dispose();
                    connection = null;
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    /// <summary>Stops taking work, lets queued work finish, and closes the threads' connections.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread) thread.Join();
        }
        _queue.Dispose();
    }

    private abstract class SqliteWork
    {
        /// <summary>Runs the work and completes its task; false when it failed.</summary>
        public abstract bool Execute(SqliteConnection connection);

        public abstract void Fail(Exception exception);
    }

    private sealed class SqliteWork<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken) : SqliteWork
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool Execute(SqliteConnection connection)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Completion.TrySetCanceled(cancellationToken);
                return true;
            }
            try
            {
                Completion.TrySetResult(work(connection));
                return true;
            }
            catch (Exception ex)
            {
                Completion.TrySetException(ex);
                return false;
            }
        }

        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }
}
