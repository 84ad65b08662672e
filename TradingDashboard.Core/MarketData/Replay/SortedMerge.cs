namespace TradingDashboard.Core.MarketData.Replay;

/// <summary>K-way merge of inputs that are each already in order.</summary>
internal static class SortedMerge
{
    /// <summary>
    /// Yields every item of every input in <paramref name="comparer"/> order; on ties the input listed first comes first.
    /// Each item comes with the index of the input it came from. Inputs are enumerated lazily, one item ahead.
    /// </summary>
    public static IEnumerable<(T Item, int Origin)> Merge<T>(IReadOnlyList<IEnumerable<T>> inputs, IComparer<T> comparer)
    {
        var enumerators = new List<IEnumerator<T>>(inputs.Count);
        try
        {
            var queue = new PriorityQueue<int, (T Item, int Origin)>(
                Comparer<(T Item, int Origin)>.Create((a, b) =>
                {
                    var c = comparer.Compare(a.Item, b.Item);
                    return c != 0 ? c : a.Origin.CompareTo(b.Origin);
                }));

            for (var i = 0; i < inputs.Count; i++)
            {
                var e = inputs[i].GetEnumerator();
                enumerators.Add(e);
                if (e.MoveNext())
                {
                    queue.Enqueue(i, (e.Current, i));
                }
            }

            while (queue.TryDequeue(out var origin, out var head))
            {
                yield return head;
                var e = enumerators[origin];
                if (e.MoveNext())
                {
                    queue.Enqueue(origin, (e.Current, origin));
                }
            }
        }
        finally
        {
            foreach (var e in enumerators)
            {
                e.Dispose();
            }
        }
    }
}
