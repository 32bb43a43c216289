using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Orleans.Edge.Domain;

/// <summary>The formats a planogram file can be in.</summary>
public enum PlanogramFormat
{
    /// <summary>A JSON array of shelves, each with its planogram entry and its sensors (<c>.json</c>).</summary>
    Json = 0,

    /// <summary>Comma-separated values with a header row, one row per sensor (<c>.csv</c>).</summary>
    Csv = 1,
}

/// <summary>What reading a planogram file gave: the shelves, or every problem found (then no shelves).</summary>
/// <param name="Shelves">The shelves in file order; empty when there are problems.</param>
/// <param name="Problems">Each problem as "line N, field X: what is wrong" (CSV) or "[i].path: what is wrong" (JSON).</param>
public sealed record PlanogramLoadResult(IReadOnlyList<ShelfSetup> Shelves, IReadOnlyList<string> Problems)
{
    /// <summary>True when the file had no problems.</summary>
    public bool IsValid => Problems.Count == 0;
}

/// <summary>
/// Reads a store's planogram (shelves, SKUs, sensors) from a file, to provision it without code.
/// The format follows the extension: <c>.json</c> or <c>.csv</c>.
/// <para>JSON: an array of shelves:
/// <c>[{"shelf":"a1-s1","sku":"sku-1","unitWeightGrams":250,"tareGrams":800,"capacityUnits":16,
/// "sensors":[{"id":"a1-s1-lc","kind":"load-cell","maxValue":20000},{"id":"a1-s1-cam","kind":"camera"}]}]</c>.
/// Problems name the shelf's array index and the property path, e.g. <c>[3].sensors[1].kind</c>
/// (and the line, for malformed JSON).</para>
/// <para>CSV: a header row naming the columns <c>shelf,sku,unit_weight_grams,tare_grams,capacity_units,sensor_id,sensor_kind,max_value</c>
/// (in any order), then one row per sensor; the rows of one shelf repeat its planogram values.
/// Blank lines and lines starting with <c>#</c> are skipped; fields may be double-quoted.
/// Problems name the line (1 = the header) and the column.</para>
/// <para>Sensor kinds: <c>load-cell</c> (max value: the cell's range in grams, required) or
/// <c>camera</c> (max value: occupancy, 1 if left out). Numbers use a dot for decimals.</para>
/// </summary>
public static class PlanogramFile
{
    /// <summary>The CSV columns, in the order a generated file uses.</summary>
    public static readonly IReadOnlyList<string> CsvColumns =
        ["shelf", "sku", "unit_weight_grams", "tare_grams", "capacity_units", "sensor_id", "sensor_kind", "max_value"];

    /// <summary>Reads the planogram file at <paramref name="path"/>; the extension (.json or .csv) picks the format.</summary>
    /// <exception cref="ArgumentException">The extension is neither .json nor .csv.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static PlanogramLoadResult Load(string path)
    {
        var format = FormatOf(path);
        using var stream = File.OpenRead(path);
        return Read(stream, format);
    }

    /// <summary>The format a file name's extension stands for.</summary>
    /// <exception cref="ArgumentException">The extension is neither .json nor .csv.</exception>
    public static PlanogramFormat FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => PlanogramFormat.Json,
            ".csv" => PlanogramFormat.Csv,
            var other => throw new ArgumentException($"planogram file '{path}' must end in .json or .csv, not '{other}'", nameof(path)),
        };
    }

    /// <summary>Reads a planogram in <paramref name="format"/> from <paramref name="stream"/> (UTF-8).</summary>
    public static PlanogramLoadResult Read(Stream stream, PlanogramFormat format)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return format == PlanogramFormat.Json ? ReadJson(stream) : ReadCsv(stream);
    }

    /// <summary>Writes shelves as planogram CSV (e.g. to export a store's layout).</summary>
    public static void WriteCsv(IEnumerable<ShelfSetup> shelves, TextWriter writer)
    {
        writer.WriteLine(string.Join(',', CsvColumns));
        foreach (var shelf in shelves)
        {
            var p = shelf.Planogram;
            foreach (var sensor in shelf.Sensors)
            {
                writer.WriteLine(string.Join(',',
                    shelf.ShelfId.Value, Quote(p.Sku), Num(p.UnitWeightGrams), Num(p.TareGrams), p.CapacityUnits.ToString(CultureInfo.InvariantCulture),
                    sensor.SensorId.Value, sensor.Kind == SensorKind.Camera ? "camera" : "load-cell", Num(sensor.MaxValue)));
            }
        }
    }

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    // ---- JSON ----

    private static readonly HashSet<string> ShelfProperties = new(StringComparer.Ordinal) { "shelf", "sku", "unitWeightGrams", "tareGrams", "capacityUnits", "sensors" };
    private static readonly HashSet<string> SensorProperties = new(StringComparer.Ordinal) { "id", "kind", "maxValue" };

    private static PlanogramLoadResult ReadJson(Stream stream)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            return Failed($"line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}: not valid JSON ({ex.Message})");
        }
        using (document)
        {
            // JsonDocument parses an escaped lone surrogate ("\ud800") and only refuses it when the text is read.
            try
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Array) return Failed("$: a planogram is a JSON array of shelves");
                var problems = new List<string>();
                var shelves = new List<ShelfSetup>();
                var shelfAt = new Dictionary<string, int>(StringComparer.Ordinal);
                var sensorAt = new Dictionary<string, string>(StringComparer.Ordinal);
                var index = 0;
                foreach (var item in root.EnumerateArray())
                {
                    var at = $"[{index}]";
                    index++;
                    if (item.ValueKind != JsonValueKind.Object) { problems.Add($"{at}: a shelf is a JSON object"); continue; }
                    foreach (var property in item.EnumerateObject())
                    {
                        if (!ShelfProperties.Contains(property.Name)) problems.Add($"{at}.{property.Name}: unknown property (expected {string.Join(", ", ShelfProperties)})");
                    }
                    var count = problems.Count;
                    var shelf = JsonId(item, "shelf", "shelf id", at, problems);
                    var sku = JsonString(item, "sku", at, problems);
                    var unit = JsonNumber(item, "unitWeightGrams", at, problems);
                    var tare = JsonNumber(item, "tareGrams", at, problems);
                    var capacity = JsonNumber(item, "capacityUnits", at, problems);
                    if (sku is not null) CheckSku(sku, $"{at}.sku", problems);
                    if (unit is { } u) CheckUnitWeight(u, $"{at}.unitWeightGrams", problems);
                    if (tare is { } t) CheckTare(t, $"{at}.tareGrams", problems);
                    if (capacity is { } c) CheckCapacity(c, $"{at}.capacityUnits", problems);
                    if (shelf is not null && !shelfAt.TryAdd(shelf, index - 1))
                        problems.Add($"{at}.shelf: shelf '{shelf}' is also at [{shelfAt[shelf]}]");

                    var sensors = new List<SensorSpec>();
                    if (!item.TryGetProperty("sensors", out var list) || list.ValueKind != JsonValueKind.Array)
                    {
                        problems.Add($"{at}.sensors: missing; give an array of sensors");
                    }
                    else if (list.GetArrayLength() == 0)
                    {
                        problems.Add($"{at}.sensors: a shelf needs at least one sensor");
                    }
                    else
                    {
                        var j = 0;
                        foreach (var s in list.EnumerateArray())
                        {
                            var sat = $"{at}.sensors[{j++}]";
                            if (s.ValueKind != JsonValueKind.Object) { problems.Add($"{sat}: a sensor is a JSON object"); continue; }
                            foreach (var property in s.EnumerateObject())
                            {
                                if (!SensorProperties.Contains(property.Name)) problems.Add($"{sat}.{property.Name}: unknown property (expected id, kind, maxValue)");
                            }
                            var id = JsonId(s, "id", "sensor id", sat, problems);
                            var kindText = JsonString(s, "kind", sat, problems);
                            SensorKind? kind = kindText is null ? null : ParseKind(kindText, $"{sat}.kind", problems);
                            double? max = s.TryGetProperty("maxValue", out _) || kind != SensorKind.Camera ? JsonNumber(s, "maxValue", sat, problems) : 1;
                            if (max is { } m && kind is { } k) CheckMax(k, m, $"{sat}.maxValue", problems);
                            if (id is not null && !sensorAt.TryAdd(id, sat)) problems.Add($"{sat}.id: sensor '{id}' is also at {sensorAt[id]}");
                            if (id is not null && kind is { } kk && max is { } mm && shelf is not null)
                                sensors.Add(new SensorSpec(new SensorId(id), new ShelfId(shelf), kk, mm));
                        }
                    }
                    if (problems.Count == count && shelf is not null && sku is not null && unit is not null && tare is not null && capacity is not null)
                        shelves.Add(new ShelfSetup(new ShelfId(shelf), new PlanogramEntry(sku, unit.Value, tare.Value, (int)capacity.Value), sensors));
                }
                if (index == 0) problems.Add("$: the planogram lists no shelves");
                return problems.Count > 0 ? new PlanogramLoadResult([], problems) : new PlanogramLoadResult(shelves, []);
            }
            catch (InvalidOperationException ex)
            {
                return Failed($"$: the planogram holds text that is not valid UTF-16 ({ex.Message})");
            }
        }
    }

    private static string? JsonString(JsonElement item, string name, string at, List<string> problems)
    {
        if (!item.TryGetProperty(name, out var value)) { problems.Add($"{at}.{name}: missing"); return null; }
        if (value.ValueKind != JsonValueKind.String) { problems.Add($"{at}.{name}: must be a string, got {value.ValueKind.ToString().ToLowerInvariant()}"); return null; }
        return value.GetString();
    }

    private static string? JsonId(JsonElement item, string name, string what, string at, List<string> problems)
    {
        var value = JsonString(item, name, at, problems);
        if (value is not null && EdgeId.Problem(value, what) is { } problem) { problems.Add($"{at}.{name}: {problem}"); return null; }
        return value;
    }

    private static double? JsonNumber(JsonElement item, string name, string at, List<string> problems)
    {
        if (!item.TryGetProperty(name, out var value)) { problems.Add($"{at}.{name}: missing"); return null; }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            problems.Add($"{at}.{name}: must be a number, got {value.GetRawText()}");
            return null;
        }
        return number;
    }

    // ---- CSV ----

    private static PlanogramLoadResult ReadCsv(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var problems = new List<string>();
        Dictionary<string, int>? columns = null;
        var shelves = new Dictionary<string, (int Line, ShelfSetup Setup, List<SensorSpec> Sensors)>(StringComparer.Ordinal);
        var order = new List<string>();
        var sensorLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#')) continue;
            var fields = SplitCsv(line, out var quoteProblem);
            if (quoteProblem) { problems.Add($"line {lineNumber}: a quoted field is not closed"); continue; }
            if (columns is null)
            {
                columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < fields.Count; i++)
                {
                    var name = fields[i].Trim();
                    if (!CsvColumns.Contains(name, StringComparer.OrdinalIgnoreCase)) problems.Add($"line {lineNumber}, field {name}: unknown column (expected {string.Join(",", CsvColumns)})");
                    else if (!columns.TryAdd(name, i)) problems.Add($"line {lineNumber}, field {name}: column listed twice");
                }
                foreach (var name in CsvColumns.Where(c => !columns.ContainsKey(c) && c != "max_value"))
                    problems.Add($"line {lineNumber}, field {name}: column missing from the header");
                if (problems.Count > 0) return new PlanogramLoadResult([], problems);
                continue;
            }
            var row = new CsvRow(fields, columns, lineNumber, problems);
            if (fields.Count > columns.Count) problems.Add($"line {lineNumber}: {fields.Count} fields, but the header has {columns.Count}");
            var shelf = row.Id("shelf", "shelf id");
            var sku = row.Text("sku");
            if (sku is not null) CheckSku(sku, row.Where("sku"), problems);
            var unit = row.Number("unit_weight_grams");
            if (unit is { } u) CheckUnitWeight(u, row.Where("unit_weight_grams"), problems);
            var tare = row.Number("tare_grams");
            if (tare is { } t) CheckTare(t, row.Where("tare_grams"), problems);
            var capacity = row.Number("capacity_units");
            if (capacity is { } c) CheckCapacity(c, row.Where("capacity_units"), problems);
            var sensor = row.Id("sensor_id", "sensor id");
            var kindText = row.Text("sensor_kind");
            SensorKind? kind = kindText is null ? null : ParseKind(kindText, row.Where("sensor_kind"), problems);
            double? max = kind == SensorKind.Camera && string.IsNullOrWhiteSpace(row.Raw("max_value")) ? 1 : row.Number("max_value");
            if (max is { } m && kind is { } k) CheckMax(k, m, row.Where("max_value"), problems);
            if (sensor is not null && !sensorLine.TryAdd(sensor, lineNumber))
                problems.Add($"{row.Where("sensor_id")}: sensor '{sensor}' is also on line {sensorLine[sensor]}");
            if (shelf is null || sku is null || unit is null || tare is null || capacity is null || sensor is null || kind is null || max is null) continue;

            var entry = new PlanogramEntry(sku, unit.Value, tare.Value, (int)capacity.Value);
            var spec = new SensorSpec(new SensorId(sensor), new ShelfId(shelf), kind.Value, max.Value);
            if (shelves.TryGetValue(shelf, out var known))
            {
                var p = known.Setup.Planogram;
                if (p.Sku != entry.Sku) problems.Add($"{row.Where("sku")}: shelf '{shelf}' has sku '{p.Sku}' on line {known.Line}");
                if (p.UnitWeightGrams != entry.UnitWeightGrams) problems.Add($"{row.Where("unit_weight_grams")}: shelf '{shelf}' has {Num(p.UnitWeightGrams)} on line {known.Line}");
                if (p.TareGrams != entry.TareGrams) problems.Add($"{row.Where("tare_grams")}: shelf '{shelf}' has {Num(p.TareGrams)} on line {known.Line}");
                if (p.CapacityUnits != entry.CapacityUnits) problems.Add($"{row.Where("capacity_units")}: shelf '{shelf}' has {p.CapacityUnits} on line {known.Line}");
                known.Sensors.Add(spec);
            }
            else
            {
                var sensors = new List<SensorSpec> { spec };
                shelves[shelf] = (lineNumber, new ShelfSetup(new ShelfId(shelf), entry, sensors), sensors);
                order.Add(shelf);
            }
        }
        if (columns is null) problems.Add("line 1: the file is empty; it needs a header row and a row per sensor");
        else if (problems.Count == 0 && order.Count == 0) problems.Add($"line {lineNumber}: the planogram lists no sensors");
        return problems.Count > 0
            ? new PlanogramLoadResult([], problems)
            : new PlanogramLoadResult([.. order.Select(id => shelves[id].Setup with { Sensors = [.. shelves[id].Sensors] })], []);
    }

    private sealed class CsvRow(List<string> fields, Dictionary<string, int> columns, int line, List<string> problems)
    {
        public string Where(string column) => $"line {line}, field {column}";

        public string? Raw(string column) =>
            columns.TryGetValue(column, out var i) && i < fields.Count ? fields[i].Trim() : null;

        public string? Text(string column)
        {
            var value = Raw(column);
            if (string.IsNullOrEmpty(value)) { problems.Add($"{Where(column)}: empty"); return null; }
            return value;
        }

        public string? Id(string column, string what)
        {
            var value = Text(column);
            if (value is not null && EdgeId.Problem(value, what) is { } problem) { problems.Add($"{Where(column)}: {problem}"); return null; }
            return value;
        }

        public double? Number(string column)
        {
            var value = Text(column);
            if (value is null) return null;
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                problems.Add($"{Where(column)}: '{value}' is not a number");
                return null;
            }
            return number;
        }
    }

    private static List<string> SplitCsv(string line, out bool unclosed)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else current.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(ch);
        }
        fields.Add(current.ToString());
        unclosed = quoted;
        return fields;
    }

    // ---- shared checks ----

    private static SensorKind? ParseKind(string text, string where, List<string> problems)
    {
        switch (text.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant())
        {
            case "loadcell": return SensorKind.LoadCell;
            case "camera": return SensorKind.Camera;
            default:
                problems.Add($"{where}: unknown sensor kind '{text}' (load-cell or camera)");
                return null;
        }
    }

    private static void CheckSku(string sku, string where, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(sku)) problems.Add($"{where}: empty");
    }

    private static void CheckUnitWeight(double value, string where, List<string> problems)
    {
        if (!double.IsFinite(value) || value <= 0) problems.Add($"{where}: unit weight must be a positive number of grams, got {Num(value)}");
    }

    private static void CheckTare(double value, string where, List<string> problems)
    {
        if (!double.IsFinite(value) || value < 0) problems.Add($"{where}: tare must be zero or more grams, got {Num(value)}");
    }

    private static void CheckCapacity(double value, string where, List<string> problems)
    {
        if (value < 1 || value > int.MaxValue || Math.Floor(value) != value) problems.Add($"{where}: capacity must be a whole number of units, at least 1, got {Num(value)}");
    }

    private static void CheckMax(SensorKind kind, double value, string where, List<string> problems)
    {
        if (!double.IsFinite(value) || value <= 0) problems.Add($"{where}: a sensor needs a positive range, got {Num(value)}");
        else if (kind == SensorKind.Camera && value > 1) problems.Add($"{where}: a camera reports occupancy 0..1; its range cannot exceed 1, got {Num(value)}");
    }

    private static PlanogramLoadResult Failed(string problem) => new([], [problem]);
}
