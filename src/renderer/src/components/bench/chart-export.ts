/** Chart downloads in the window: PNG drawn from the chart's own SVG, CSV and JSON as text files. */

export interface LegendEntry {
  label: string;
  color: string;
}

function download(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(filename: string, text: string, type: string): void {
  download(filename, new Blob([text], { type }));
}

const TITLE_H = 28;
const LEGEND_ROW_H = 20;

/**
 * Serialises the chart's SVG, draws it into a canvas at twice its size under the title, adds the legend (recharts
 * draws its legend in HTML, outside the SVG), and saves it as PNG on a white background.
 */
export async function downloadChartPng(container: HTMLElement, filename: string, title: string, legend: LegendEntry[]): Promise<void> {
  const svg = container.querySelector<SVGSVGElement>('svg.recharts-surface');
  if (!svg) throw new Error('the chart has not been drawn yet');
  const { width, height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  // Outside the page the SVG loses the page's CSS: give its text the page's font.
  clone.setAttribute('font-family', getComputedStyle(svg).fontFamily || 'system-ui, sans-serif');
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
  await img.decode();

  const scale = 2;
  const legendH = legend.length * LEGEND_ROW_H + (legend.length ? 8 : 0);
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil((TITLE_H + height + legendH) * scale);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('this browser cannot draw on a canvas');
  g.scale(scale, scale);
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, width, TITLE_H + height + legendH);
  g.fillStyle = '#111111';
  g.font = '600 14px system-ui, sans-serif';
  g.fillText(title, 12, 19);
  g.drawImage(img, 0, TITLE_H, width, height);
  g.font = '12px system-ui, sans-serif';
  legend.forEach((entry, i) => {
    const y = TITLE_H + height + 4 + i * LEGEND_ROW_H;
    g.fillStyle = entry.color;
    g.fillRect(16, y + 4, 12, 12);
    g.fillStyle = '#111111';
    g.fillText(entry.label, 34, y + 14);
  });
  await downloadCanvas(canvas, filename);
}

export async function downloadCanvas(canvas: HTMLCanvasElement, filename: string): Promise<void> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the picture could not be turned into a PNG');
  download(filename, blob);
}
