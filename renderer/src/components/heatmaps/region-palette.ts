// One colour per facial region, the same in every panel, toggle chip and legend. The first 16 are
// a hand-picked set of mutually distinct colours (Trubetskoy's "20 distinct colours", minus the
// greys and near-whites that vanish on faces); more regions continue around the hue circle by the
// golden angle, so neighbours never look alike.

export type Rgb = readonly [number, number, number];

const DISTINCT: readonly Rgb[] = [
  [230, 25, 75],
  [60, 180, 75],
  [67, 99, 216],
  [255, 225, 25],
  [245, 130, 49],
  [145, 30, 180],
  [66, 212, 244],
  [240, 50, 230],
  [191, 239, 69],
  [250, 190, 212],
  [70, 153, 144],
  [154, 99, 36],
  [220, 190, 255],
  [128, 0, 0],
  [170, 255, 195],
  [0, 0, 117],
];

export function regionPalette(count: number): Rgb[] {
  return Array.from({ length: count }, (_, n) => DISTINCT[n] ?? hslToRgb((n * 137.508) % 360, 0.7, 0.5));
}

export function cssColor([r, g, b]: Rgb): string {
  return `rgb(${r} ${g} ${b})`;
}

function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const sector = hue / 60;
  const x = chroma * (1 - Math.abs((sector % 2) - 1));
  const [r, g, b] = sector < 1 ? [chroma, x, 0] : sector < 2 ? [x, chroma, 0] : sector < 3 ? [0, chroma, x] : sector < 4 ? [0, x, chroma] : sector < 5 ? [x, 0, chroma] : [chroma, 0, x];
  const m = lightness - chroma / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
