using Orleans.Edge.Domain;

namespace Orleans.Edge.Store.Shelves;

/// <summary>
/// A shelf's rolling window: unit range, readings, sales and restock estimates (falls and rises of
/// the rounded unit count) and on-shelf availability (share of observed time with stock).
/// </summary>
public sealed class SummaryWindow
{
    private DateTimeOffset _start;
    private DateTimeOffset? _lastAt;
    private double? _lastUnits;
    private double _min = double.MaxValue;
    private double _max = double.MinValue;
    private int _readings;
    private double _sales;
    private double _restock;
    private TimeSpan _observed;
    private TimeSpan _available;

    /// <summary>Starts a window at <paramref name="start"/>.</summary>
    public SummaryWindow(DateTimeOffset start) => _start = start;

    /// <summary>When the window started.</summary>
    public DateTimeOffset Start => _start;

    /// <summary>Adds one unit estimate at <paramref name="at"/>.</summary>
    public void Observe(double units, DateTimeOffset at)
    {
        Accrue(at);
        var rounded = Math.Round(units);
        if (_lastUnits is { } previous)
        {
            var delta = rounded - Math.Round(previous);
            if (delta < 0) _sales -= delta; else _restock += delta;
        }
        _lastUnits = units;
        _min = Math.Min(_min, units);
        _max = Math.Max(_max, units);
        _readings++;
    }

    /// <summary>Closes the window at <paramref name="end"/>, returns its summary (null if nothing was observed) and starts the next.</summary>
    public ShelfSummary? Close(DateTimeOffset end, StoreId store, ShelfId shelf, string sku)
    {
        Accrue(end);
        ShelfSummary? summary = null;
        if (_lastUnits is { } last)
        {
            var availability = _observed > TimeSpan.Zero ? _available / _observed : (last >= 0.5 ? 1 : 0);
            summary = new ShelfSummary(store, shelf, sku, _start, end,
                _readings > 0 ? Round(_min) : Round(last), _readings > 0 ? Round(_max) : Round(last), Round(last),
                _readings, _sales, _restock, Math.Round(availability, 4));
        }
        _start = end;
        _min = double.MaxValue;
        _max = double.MinValue;
        _readings = 0;
        _sales = 0;
        _restock = 0;
        _observed = TimeSpan.Zero;
        _available = TimeSpan.Zero;
        return summary;
    }

    private void Accrue(DateTimeOffset at)
    {
        if (_lastAt is { } lastAt && _lastUnits is { } units && at > lastAt)
        {
            var from = lastAt < _start ? _start : lastAt;
            if (at > from)
            {
                _observed += at - from;
                if (units >= 0.5) _available += at - from;
            }
        }
        if (_lastAt is null || at > _lastAt) _lastAt = at;
    }

    private static double Round(double v) => Math.Round(v, 2);
}
