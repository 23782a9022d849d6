// The overlay colouring of region heatmaps (pure: maps + palette + toggles + opacity → RGBA),
// checked value by value on tiny inputs.
import { describe, expect, it } from 'vitest';
import { decodeBase64, heatmapOverlay, labelOverlay, stretchGain } from '../../renderer/src/components/heatmaps/heatmap-overlay';
import { regionPalette, type Rgb } from '../../renderer/src/components/heatmaps/region-palette';

const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];

describe('heatmap overlay', () => {
  // 2×1 cells, two regions: cell 0 is all region 0, cell 1 is split 3:1 between them.
  const regions = [Uint8Array.from([255, 191]), Uint8Array.from([0, 64])];

  it('colours each cell by the probability-weighted mean of the shown regions, alpha = opacity × probability', () => {
    const rgba = heatmapOverlay({ width: 2, height: 1, regions, palette: [RED, BLUE], enabled: [true, true], opacity: 0.5 });
    expect([...rgba]).toEqual([255, 0, 0, 128, Math.round((191 * 255) / 255), 0, Math.round((64 * 255) / 255), 128]);
  });

  it('leaves hidden regions out of both the colour and the opacity', () => {
    const rgba = heatmapOverlay({ width: 2, height: 1, regions, palette: [RED, BLUE], enabled: [false, true], opacity: 1 });
    // Cell 0 has nothing of region 1: transparent. Cell 1: pure blue at 64/255 opacity.
    expect([...rgba]).toEqual([0, 0, 0, 0, 0, 0, 255, 64]);
  });

  it('stretched contrast makes the strongest shown cell fully opaque, and never exceeds it', () => {
    const onlyBlue = [false, true];
    const gain = stretchGain(regions, onlyBlue, 2);
    expect(gain).toBeCloseTo(255 / 64);
    const rgba = heatmapOverlay({ width: 2, height: 1, regions, palette: [RED, BLUE], enabled: onlyBlue, opacity: 0.8, gain });
    expect(rgba[7]).toBe(Math.round(255 * 0.8));
    expect(stretchGain(regions, [false, false], 2)).toBe(1);
  });

  it('clamps opacity to 0…1', () => {
    expect(heatmapOverlay({ width: 1, height: 1, regions: [Uint8Array.from([255])], palette: [RED], enabled: [], opacity: 3 })[3]).toBe(255);
    expect(heatmapOverlay({ width: 1, height: 1, regions: [Uint8Array.from([255])], palette: [RED], enabled: [], opacity: -1 })[3]).toBe(0);
  });

  it('paints a label map (segmentation) in region colours at the chosen opacity, hidden labels transparent', () => {
    const rgba = labelOverlay(Uint8Array.from([0, 1, 1]), [RED, BLUE], [true, false], 0.4);
    expect([...rgba]).toEqual([255, 0, 0, 102, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('decodes the host base64 maps', () => {
    expect([...decodeBase64('AH//')]).toEqual([0, 127, 255]);
  });

  it('gives every region its own colour, also beyond the hand-picked ones', () => {
    const palette = regionPalette(40);
    expect(new Set(palette.map((c) => c.join(','))).size).toBe(40);
    for (const colour of palette) for (const channel of colour) expect(channel >= 0 && channel <= 255 && Number.isInteger(channel)).toBe(true);
  });
});
