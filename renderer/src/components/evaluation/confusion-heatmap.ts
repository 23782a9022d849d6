// The confusion matrix as an ECharts heatmap option, built by pure functions so the exact chart
// input can be tested: rows are true classes (top to bottom), columns predicted classes; cell
// values are counts, or each row divided by its support as a percentage ("row-normalised"; a
// class with no test images is a row of zeros, never NaN).

export interface HeatmapPalette {
  /** Colour of an empty cell. */
  low: string;
  /** Colour of the largest value. */
  high: string;
  /** Axis labels and names. */
  text: string;
}

/** Each row divided by its sum; a zero row stays zeros. */
export function rowNormalise(counts: readonly (readonly number[])[]): number[][] {
  return counts.map((row) => {
    const total = row.reduce((sum, v) => sum + v, 0);
    return row.map((v) => (total === 0 ? 0 : v / total));
  });
}

/** `[predicted, true, value]` per cell, row by row, as ECharts' heatmap data; percentages to 0.1. */
export function confusionCells(counts: readonly (readonly number[])[], normalise: boolean): [number, number, number][] {
  const values = normalise ? rowNormalise(counts).map((row) => row.map((v) => Math.round(v * 1000) / 10)) : counts;
  const out: [number, number, number][] = [];
  values.forEach((row, trueIndex) => row.forEach((value, predictedIndex) => out.push([predictedIndex, trueIndex, value])));
  return out;
}

export function confusionHeatmapOption(classNames: readonly string[], counts: readonly (readonly number[])[], normalise: boolean, palette: HeatmapPalette) {
  const data = confusionCells(counts, normalise);
  const max = normalise ? 100 : Math.max(1, ...data.map((cell) => cell[2]));
  const axisLabel = { color: palette.text, interval: 0 };
  const rotate = classNames.length > 6;
  return {
    animation: false,
    tooltip: { position: 'top' },
    // Room for class names on the left and (rotated when many) below.
    grid: { left: 96, right: 16, top: 8, bottom: rotate ? 96 : 48 },
    xAxis: { type: 'category', data: [...classNames], name: 'Predicted class', nameLocation: 'middle', nameGap: rotate ? 80 : 28, nameTextStyle: { color: palette.text }, axisLabel: { ...axisLabel, rotate: rotate ? 45 : 0 }, splitArea: { show: true } },
    yAxis: { type: 'category', data: [...classNames], name: 'True class', inverse: true, nameTextStyle: { color: palette.text }, axisLabel, splitArea: { show: true } },
    visualMap: { show: false, min: 0, max, inRange: { color: [palette.low, palette.high] } },
    series: [
      {
        type: 'heatmap',
        name: normalise ? 'Share of the true class (%)' : 'Images',
        data,
        label: { show: classNames.length <= 12 },
        emphasis: { itemStyle: { borderColor: palette.text, borderWidth: 1 } },
      },
    ],
  };
}

/**
 * What the chart shows, in words, for screen readers: share on the diagonal and the most
 * frequent confusion.
 */
export function describeConfusion(classNames: readonly string[], counts: readonly (readonly number[])[]): string {
  let total = 0;
  let correct = 0;
  let worst: { from: number; to: number; count: number } | null = null;
  counts.forEach((row, i) =>
    row.forEach((count, j) => {
      total += count;
      if (i === j) correct += count;
      else if (count > 0 && (worst === null || count > worst.count)) worst = { from: i, to: j, count };
    }),
  );
  const share = total === 0 ? 0 : Math.round((1000 * correct) / total) / 10;
  const head = `Confusion matrix of ${classNames.length} classes over ${total} images: ${share}% on the diagonal (predicted as their true class).`;
  const w = worst as { from: number; to: number; count: number } | null;
  if (w === null) return `${head} No image was confused with another class.`;
  return `${head} Most frequent confusion: ${classNames[w.from]} predicted as ${classNames[w.to]} (${w.count} image${w.count === 1 ? '' : 's'}).`;
}
