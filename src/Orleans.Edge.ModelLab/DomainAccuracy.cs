using System.Text.Json.Serialization;

namespace Orleans.Edge.ModelLab;

/// <summary>How well a model reads one camera domain's frames, per slot.</summary>
/// <param name="Domain">lab or a store id.</param>
/// <param name="Frames">Frames evaluated.</param>
/// <param name="FillAccuracy">Slots whose fill class (empty/partial/full) is right, over all slots.</param>
/// <param name="FillAccuracyUnoccluded">The same over the slots no arm covers.</param>
/// <param name="DesignAccuracy">Stocked slots whose packaging design is right.</param>
/// <param name="WrongSkuAccuracy">Stocked slots whose wrong-SKU flag (predicted design ≠ planogram's) is right.</param>
/// <param name="WrongSkuRecall">Wrong-SKU slots flagged.</param>
/// <param name="WrongSkuPrecision">Flagged slots that really hold a wrong SKU.</param>
/// <param name="OccludedSlotShare">Slots covered by an arm.</param>
public sealed record DomainAccuracy(
    [property: JsonPropertyName("domain")] string Domain,
    [property: JsonPropertyName("frames")] int Frames,
    [property: JsonPropertyName("fill_accuracy")] double FillAccuracy,
    [property: JsonPropertyName("fill_accuracy_unoccluded")] double FillAccuracyUnoccluded,
    [property: JsonPropertyName("design_accuracy")] double DesignAccuracy,
    [property: JsonPropertyName("wrong_sku_accuracy")] double WrongSkuAccuracy,
    [property: JsonPropertyName("wrong_sku_recall")] double WrongSkuRecall,
    [property: JsonPropertyName("wrong_sku_precision")] double WrongSkuPrecision,
    [property: JsonPropertyName("occluded_slot_share")] double OccludedSlotShare);
