// One augmented view's drawn parameters (fra-spec §3) as short phrases for the preview.
import type { ViewParamsInfo } from '@contract/api';

export function describeView(params: ViewParamsInfo): string[] {
  const { crop, jitter } = params;
  const lines = [`crop ${Math.round(crop.width)}×${Math.round(crop.height)} px at (${Math.round(crop.left)}, ${Math.round(crop.top)})${crop.fallback ? ', centred fallback' : ''}`];
  lines.push(params.flip ? 'flipped horizontally' : 'not flipped');
  if (jitter === null) lines.push('no colour jitter');
  else {
    const factors = jitter.order
      .map((op) => {
        const value = jitter[op as 'brightness' | 'contrast' | 'saturation' | 'hue'];
        if (value === null || value === undefined) return null;
        return op === 'hue' ? `hue ${value >= 0 ? '+' : ''}${value.toFixed(3)}` : `${op} ×${value.toFixed(2)}`;
      })
      .filter((text): text is string => text !== null);
    lines.push(`colour jitter: ${factors.join(', ') || 'none'}`);
  }
  if (params.grayscale) lines.push('greyscale');
  lines.push(params.blurSigma === null ? 'no blur' : `Gaussian blur σ ${params.blurSigma.toFixed(2)}`);
  if (params.solarize) lines.push('solarized');
  return lines;
}
