using System.Text;
using Orleans.Edge.Client;
using Orleans.Edge.Domain;

namespace Orleans.Edge.Store.Tests;

public sealed class PlanogramFileTests
{
    private static PlanogramLoadResult Read(string text, PlanogramFormat format) =>
        PlanogramFile.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), format);

    private const string GoodCsv = """
        shelf,sku,unit_weight_grams,tare_grams,capacity_units,sensor_id,sensor_kind,max_value
        # aisle 1
        a1-s1,"cola, 330 ml",350.5,800,16,a1-s1-lc,load-cell,20000
        a1-s1,"cola, 330 ml",350.5,800,16,a1-s1-cam,camera,

        a1-s2,chips,120,500,24,a1-s2-lc,LoadCell,15000
        """;

    [Fact]
    public void Csv_WithOneRowPerSensor_GivesShelvesWithTheirSensors()
    {
        var result = Read(GoodCsv, PlanogramFormat.Csv);

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal(["a1-s1", "a1-s2"], result.Shelves.Select(s => s.ShelfId.Value));
        var first = result.Shelves[0];
        Assert.Equal(new PlanogramEntry("cola, 330 ml", 350.5, 800, 16), first.Planogram);
        Assert.Equal(
            [new SensorSpec(new SensorId("a1-s1-lc"), first.ShelfId, SensorKind.LoadCell, 20000), new SensorSpec(new SensorId("a1-s1-cam"), first.ShelfId, SensorKind.Camera, 1)],
            first.Sensors);
    }

    [Fact]
    public void Csv_WithBadRows_NamesTheLineAndFieldOfEachProblem_AndGivesNoShelves()
    {
        var csv = """
            shelf,sku,unit_weight_grams,tare_grams,capacity_units,sensor_id,sensor_kind,max_value
            a1-s1,cola,350,800,16,a1-s1-lc,load-cell,20000
            a1-s2,chips,abc,500,24,a1-s2-lc,load-cell,15000
            a1-s3,gum,10,-1,2.5,a1-s3-cam,camera,3
            a1-s4,tea,10,0,5,a1-s1-lc,thermometer,5
            a1-s1,water,350,800,16,a1-s1-x,load-cell,20000
            """;

        var result = Read(csv, PlanogramFormat.Csv);

        Assert.Empty(result.Shelves);
        Assert.Contains(result.Problems, p => p.StartsWith("line 3, field unit_weight_grams: 'abc' is not a number", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("line 4, field tare_grams:", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("line 4, field capacity_units:", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("line 4, field max_value:", StringComparison.Ordinal) && p.Contains("cannot exceed 1", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("line 5, field sensor_kind: unknown sensor kind 'thermometer'", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("line 5, field sensor_id: sensor 'a1-s1-lc' is also on line 2", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("line 6, field sku: shelf 'a1-s1' has sku 'cola' on line 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Csv_WithAMissingColumn_IsRefusedAtTheHeader()
    {
        var result = Read("shelf,sku,unit_weight_grams,tare_grams,sensor_id,sensor_kind,max_value\na,b,1,1,c,camera,1\n", PlanogramFormat.Csv);

        Assert.Equal("line 1, field capacity_units: column missing from the header", Assert.Single(result.Problems));
    }

    [Fact]
    public void Json_ArrayOfShelves_GivesShelvesWithTheirSensors()
    {
        var json = """
            [
              { "shelf": "a2-s1", "sku": "rice", "unitWeightGrams": 1000, "tareGrams": 900, "capacityUnits": 12,
                "sensors": [ { "id": "a2-s1-lc", "kind": "load-cell", "maxValue": 30000 }, { "id": "a2-s1-cam", "kind": "camera" } ] },
              { "shelf": "a2-s2", "sku": "pasta", "unitWeightGrams": 500, "tareGrams": 700, "capacityUnits": 20,
                "sensors": [ { "id": "a2-s2-lc", "kind": "load-cell", "maxValue": 25000 } ] }
            ]
            """;

        var result = Read(json, PlanogramFormat.Json);

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal(2, result.Shelves.Count);
        Assert.Equal(new PlanogramEntry("rice", 1000, 900, 12), result.Shelves[0].Planogram);
        Assert.Equal(SensorKind.Camera, result.Shelves[0].Sensors[1].Kind);
        Assert.Equal(1, result.Shelves[0].Sensors[1].MaxValue);
        Assert.Equal(new ShelfId("a2-s2"), result.Shelves[1].Sensors[0].ShelfId);
    }

    [Fact]
    public void Json_WithBadShelves_NamesTheIndexAndPropertyPathOfEachProblem()
    {
        var json = """
            [
              { "shelf": "a2-s1", "sku": "rice", "unitWeightGrams": 1000, "tareGrams": 900, "capacityUnits": 12,
                "sensors": [ { "id": "a2-s1-lc", "kind": "load-cell", "maxValue": 30000 } ] },
              { "shelf": "a2-s1", "sku": "", "unitWeightGrams": "heavy", "tareGrams": 700, "capacity": 20,
                "sensors": [ { "id": "a2-s1-lc", "kind": "radar", "maxValue": 25000 }, { "id": "a2-s2-cam", "kind": "camera", "maxValue": 2 } ] },
              { "shelf": "a2-s3", "sku": "oil", "unitWeightGrams": 900, "tareGrams": 100, "capacityUnits": 4, "sensors": [] }
            ]
            """;

        var result = Read(json, PlanogramFormat.Json);

        Assert.Empty(result.Shelves);
        Assert.Contains("[1].shelf: shelf 'a2-s1' is also at [0]", result.Problems);
        Assert.Contains("[1].sku: empty", result.Problems);
        Assert.Contains(result.Problems, p => p.StartsWith("[1].unitWeightGrams: must be a number", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("[1].capacity: unknown property", StringComparison.Ordinal));
        Assert.Contains("[1].capacityUnits: missing", result.Problems);
        Assert.Contains(result.Problems, p => p.StartsWith("[1].sensors[0].kind: unknown sensor kind 'radar'", StringComparison.Ordinal));
        Assert.Contains("[1].sensors[0].id: sensor 'a2-s1-lc' is also at [0].sensors[0]", result.Problems);
        Assert.Contains(result.Problems, p => p.StartsWith("[1].sensors[1].maxValue:", StringComparison.Ordinal));
        Assert.Contains("[2].sensors: a shelf needs at least one sensor", result.Problems);
    }

    [Fact]
    public void Json_Malformed_NamesTheLine()
    {
        var result = Read("[\n  { \"shelf\": \"a\",\n    \"sku\" \"x\" }\n]", PlanogramFormat.Json);

        Assert.StartsWith("line 3,", Assert.Single(result.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PicksTheFormatFromTheExtension_AndRefusesOthers()
    {
        var dir = Directory.CreateTempSubdirectory("planogram-");
        try
        {
            var path = Path.Combine(dir.FullName, "store.CSV");
            File.WriteAllText(path, GoodCsv);
            Assert.Equal(2, PlanogramFile.Load(path).Shelves.Count);
            Assert.Throws<ArgumentException>(() => PlanogramFile.Load(Path.Combine(dir.FullName, "store.xml")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void WriteCsv_ReadsBackAsTheSameShelves()
    {
        var shelves = Read(GoodCsv, PlanogramFormat.Csv).Shelves;
        var text = new StringWriter();
        PlanogramFile.WriteCsv(shelves, text);

        var again = Read(text.ToString(), PlanogramFormat.Csv);

        Assert.True(again.IsValid, string.Join("; ", again.Problems));
        Assert.Equal(shelves.Select(s => (s.ShelfId, s.Planogram)), again.Shelves.Select(s => (s.ShelfId, s.Planogram)));
        Assert.Equal(shelves.SelectMany(s => s.Sensors), again.Shelves.SelectMany(s => s.Sensors));
    }
}

/// <summary>A planogram file provisioned through the SDK.</summary>
[Collection(ProvisioningClusterCollection.Name)]
public sealed class PlanogramProvisioningTests(StoreClusterFixture fx)
{
    [Fact]
    public async Task ProvisionPlanogramAsync_ProvisionsAGoodFile_AndRefusesABadOneWithoutProvisioningAnything()
    {
        var good = "shelf,sku,unit_weight_grams,tare_grams,capacity_units,sensor_id,sensor_kind,max_value\n"
            + string.Concat(Enumerable.Range(0, 40).Select(i => $"file-{i},sku-{i},100,500,10,file-{i}-lc,load-cell,20000\n"));
        var provisioned = await fx.Store.ProvisionPlanogramAsync(new MemoryStream(Encoding.UTF8.GetBytes(good)), PlanogramFormat.Csv);
        Assert.Equal(40, provisioned);
        Assert.Equal(40, (await fx.Store.GetShelvesAsync()).Count(s => s.ShelfId.Value.StartsWith("file-", StringComparison.Ordinal)));

        var bad = "shelf,sku,unit_weight_grams,tare_grams,capacity_units,sensor_id,sensor_kind,max_value\n"
            + "badfile-1,sku,100,500,10,badfile-1-lc,load-cell,20000\n"
            + "badfile-2,sku,100,500,ten,badfile-2-lc,load-cell,20000\n";
        var ex = await Assert.ThrowsAsync<InvalidPlanogramException>(() =>
            fx.Store.ProvisionPlanogramAsync(new MemoryStream(Encoding.UTF8.GetBytes(bad)), PlanogramFormat.Csv));
        Assert.StartsWith("line 3, field capacity_units:", Assert.Single(ex.Problems), StringComparison.Ordinal);
        Assert.DoesNotContain(await fx.Store.GetShelvesAsync(), s => s.ShelfId.Value.StartsWith("badfile-", StringComparison.Ordinal));
    }
}
