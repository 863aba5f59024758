// Types of render.mjs for the TypeScript tests (the bench scripts themselves run as plain Node ESM).

export interface Figure {
  median: number;
  min?: number;
  max?: number;
}
export interface Row {
  area: string;
  measure: string;
  unit: 'ms' | '/s' | 'MB';
  higherIsBetter?: boolean;
  aios: Figure;
  anchor?: Figure & { name: string };
  /** Why aios is behind here, printed when it is. */
  why?: string;
}
export interface Series {
  name: string;
  dashed?: boolean;
  points: [number, number][];
}
export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}
export interface Results {
  date: string;
  quick: boolean;
  machine: { cpu: string; cores: number; ramGiB: number; kernel: string; load: number[] };
  versions: { node: string; aios?: string; puppet?: string; ansible?: string; restic?: string; git?: string };
  rows: Row[];
  notes?: string[];
  chart: Chart;
}
export const START: string;
export const END: string;
export function fmt(x: number | undefined, unit: Row['unit']): string;
export function ratio(row: Row): number | undefined;
export function renderTable(rows: Row[]): string;
export function notAhead(rows: Row[]): string[];
export function renderSvg(chart: Chart): string;
export function renderSection(res: Results, svgName?: string): string;
export function replaceSection(readme: string, section: string): string;
