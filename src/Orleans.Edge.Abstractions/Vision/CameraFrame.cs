namespace Orleans.Edge.Vision;

/// <summary>
/// One picture from a shelf camera, as the store receives it. Frames are judged inside the store
/// and dropped: they are never persisted and never cross a tier link.
/// </summary>
/// <param name="CameraId">The camera sensor that took it (a <c>camera</c> sensor of the planogram).</param>
/// <param name="CapturedAt">When the camera took it (store clock).</param>
/// <param name="Width">Pixels per row; must equal <see cref="ShelfVisionContract.Width"/>.</param>
/// <param name="Height">Rows; must equal <see cref="ShelfVisionContract.Height"/>.</param>
/// <param name="Rgb">Packed 8-bit RGB, row-major, top row first: Width × Height × 3 bytes.</param>
[GenerateSerializer, Immutable]
public sealed record CameraFrame(
    [property: Id(0)] string CameraId,
    [property: Id(1)] DateTimeOffset CapturedAt,
    [property: Id(2)] int Width,
    [property: Id(3)] int Height,
    [property: Id(4)] byte[] Rgb);
