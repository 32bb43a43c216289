using System.Globalization;
using System.Text;
using CsCheck;
using Orleans.Edge.Domain;

namespace Orleans.Edge.Store.Tests.Fuzz;

/// <summary>
/// Hostile planogram files, CSV and JSON, random and mutated from valid ones: each is refused with
/// every problem naming its line and field (CSV) or its JSON path, or read into shelves that are all
/// valid; never an exception.
/// </summary>
public sealed class PlanogramFuzzTests
{
    private static readonly Gen<string> Cell = Gen.Frequency(
        (4, Hostile.Id),
        (2, Hostile.Number.Select(n => n.ToString("R", CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("load-cell", "camera", "LoadCell", "", "\"", "\"a,b\"", "\"unclosed", "1e400", "-0", "NaN", "Infinity", "0x10", "1,5")),
        (1, Gen.String[0, 30]));

    private static readonly Gen<string> GoodRow =
        from shelf in Gen.Int[1, 20]
        from sensor in Gen.Int[1, 60]
        from camera in Gen.Bool
        select string.Create(CultureInfo.InvariantCulture,
            $"s{shelf},sku-{shelf},{shelf * 10.5},{shelf * 100},{shelf + 4},sensor-{sensor},{(camera ? "camera" : "load-cell")},{(camera ? "1" : "20000")}");

    private static readonly Gen<string> Csv = Gen.Frequency(
        (1, Gen.String[0, 400]),
        (4, from header in Gen.Frequency((6, Gen.Const(string.Join(',', PlanogramFile.CsvColumns))), (1, Cell.Array[0, 10].Select(c => string.Join(',', c))))
            from rows in Gen.Frequency((2, GoodRow), (1, Cell.Array[0, 10].Select(c => string.Join(',', c))), (1, Gen.OneOf("", "# comment", "\r", " "))).Array[0, 8]
            from newline in Gen.OneOf("\n", "\r\n")
            select string.Join(newline, rows.Prepend(header))));

    private static readonly Gen<string> Value = Gen.Frequency(
        (3, Cell.Select(c => $"\"{c.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"")),
        (3, Hostile.Number.Select(n => double.IsFinite(n) ? n.ToString("R", CultureInfo.InvariantCulture) : "1e400")),
        (1, Gen.OneOf("null", "true", "[]", "{}", "-", "1e999", "\"\\ud800\"", "01", "[1,]")));

    private static readonly Gen<string> Sensor =
        from id in Gen.Frequency((3, Gen.Int[1, 40].Select(n => $"\"sensor-{n}\"")), (1, Value))
        from kind in Gen.Frequency((3, Gen.OneOf("\"camera\"", "\"load-cell\"")), (1, Value))
        from max in Gen.Frequency((3, Gen.OneOf("1", "20000", "0.5")), (1, Value))
        from extra in Gen.Frequency((6, Gen.Const("")), (1, Value.Select(v => $", \"x\": {v}")), (1, Value.Select(v => $", \"\\ud800\": {v}")))
        select $"{{\"id\": {id}, \"kind\": {kind}, \"maxValue\": {max}{extra}}}";

    private static readonly Gen<string> Shelf =
        from shelf in Gen.Frequency((3, Gen.Int[1, 20].Select(n => $"\"s{n}\"")), (1, Value))
        from numbers in Gen.Select(Gen.Frequency((3, Gen.Const("\"sku\"")), (1, Value)), Gen.Frequency((3, Gen.Const("10.5")), (1, Value)),
            Gen.Frequency((3, Gen.Const("500")), (1, Value)), Gen.Frequency((3, Gen.Const("12")), (1, Value)))
        from sensors in Gen.Frequency((6, Sensor.Array[0, 3].Select(s => $"[{string.Join(',', s)}]")), (1, Value))
        select $"{{\"shelf\": {shelf}, \"sku\": {numbers.Item1}, \"unitWeightGrams\": {numbers.Item2}, \"tareGrams\": {numbers.Item3}, \"capacityUnits\": {numbers.Item4}, \"sensors\": {sensors}}}";

    private static readonly Gen<string> Json = Gen.Frequency(
        (1, Gen.String[0, 300]),
        (1, Value),
        (6, Shelf.Array[0, 5].Select(s => $"[{string.Join(",\n", s)}]")),
        (1, Gen.Select(Shelf.Array[1, 3].Select(s => $"[{string.Join(",\n", s)}]"), Gen.Int[0, 10_000], (text, cut) => text[..(cut % text.Length)])));

    [Fact]
    public void HostileCsvFiles_AreRefusedNamingLineAndField_OrReadIntoValidShelves() =>
        Check(Csv, PlanogramFormat.Csv, minValid: 100, problem => Assert.Matches(@"^line \d+(, field .*)?: ", problem));

    [Fact]
    public void HostileJsonFiles_AreRefusedNamingTheirPlace_OrReadIntoValidShelves() =>
        Check(Json, PlanogramFormat.Json, minValid: 20, problem => Assert.Matches(@"^(line \d+, position \d+|\$|\[\d+\](\.[A-Za-z]+(\[\d+\](\.[A-Za-z]+)?)?)?): ", problem));

    /// <summary>Found by seed 20261128 (iteration 2 of the JSON files): an escaped lone surrogate threw InvalidOperationException out of the reader.</summary>
    [Theory]
    [InlineData("""[{"shelf": "s1", "sku": "\ud800", "unitWeightGrams": 1, "tareGrams": 1, "capacityUnits": 1, "sensors": [{"id": "c1", "kind": "camera", "maxValue": 1}]}]""", "$: the planogram holds text that is not valid UTF-16")]
    [InlineData("""[{"shelf": "s1", "\udfff": 1, "sku": "a", "unitWeightGrams": 1, "tareGrams": 1, "capacityUnits": 1, "sensors": [{"id": "c1", "kind": "camera", "maxValue": 1}]}]""", "$: the planogram holds text that is not valid UTF-16")]
    public void JsonWithAnUnpairedSurrogate_IsRefusedNamingTheField(string json, string problem)
    {
        var result = PlanogramFile.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), PlanogramFormat.Json);
        Assert.Contains(result.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    private static void Check(Gen<string> files, PlanogramFormat format, int minValid, Action<string> namesItsPlace)
    {
        var (valid, invalid) = (0, 0);
        Fuzzing.Check(files, text =>
        {
            var result = PlanogramFile.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), format);
            if (!result.IsValid)
            {
                invalid++;
                Assert.Empty(result.Shelves);
                Assert.All(result.Problems, namesItsPlace);
                return;
            }
            valid++;
            Assert.NotEmpty(result.Shelves);
            Assert.Equal(result.Shelves.Count, result.Shelves.Select(s => s.ShelfId).Distinct().Count());
            var sensors = result.Shelves.SelectMany(s => s.Sensors).ToList();
            Assert.Equal(sensors.Count, sensors.Select(s => s.SensorId).Distinct().Count());
            foreach (var shelf in result.Shelves)
            {
                Assert.Null(EdgeId.Problem(shelf.ShelfId.Value, "shelf id"));
                Assert.Empty(shelf.Planogram.Problems());
                Assert.NotEmpty(shelf.Sensors);
                foreach (var s in shelf.Sensors)
                {
                    Assert.Null(EdgeId.Problem(s.SensorId.Value, "sensor id"));
                    Assert.Equal(shelf.ShelfId, s.ShelfId);
                    Assert.True(double.IsFinite(s.MaxValue) && s.MaxValue > 0 && (s.Kind != SensorKind.Camera || s.MaxValue <= 1));
                }
            }
            // A valid planogram survives its own export.
            if (format == PlanogramFormat.Csv)
            {
                var csv = new StringWriter();
                PlanogramFile.WriteCsv(result.Shelves, csv);
                var again = PlanogramFile.Read(new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), PlanogramFormat.Csv);
                Assert.True(again.IsValid, string.Join("; ", again.Problems));
                Assert.Equal(result.Shelves.Count, again.Shelves.Count);
            }
        });
        Assert.True(valid > minValid && invalid > 1000, $"{valid} valid, {invalid} invalid");
    }
}
