import { downloadCanvas } from './chart-export';

/**
 * A table card as PNG, drawn from what the page shows: each element's background and borders, and each word at its
 * laid-out place in its own computed font and colour (so the deltas keep their green and red, and a dark theme stays
 * dark). Canvas only: no foreignObject (it taints the canvas in some browsers) and no new dependency.
 */

const SCALE = 2;
const PAD = 12;
const TITLE_H = 28;

const transparent = (color: string): boolean => color === 'transparent' || /^rgba\(.*,\s*0\)$/.test(color);

/** The colour the card is drawn on: the nearest ancestor with a background of its own. */
function backdrop(el: HTMLElement): string {
  for (let e: HTMLElement | null = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (!transparent(bg)) return bg;
  }
  return '#ffffff';
}

const fontOf = (s: CSSStyleDeclaration): string => `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;

const px = (width: string): number => parseFloat(width) || 0;

function drawBoxes(g: CanvasRenderingContext2D, root: HTMLElement, x0: number, y0: number): void {
  for (const el of root.querySelectorAll<HTMLElement>('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const s = getComputedStyle(el);
    if (!transparent(s.backgroundColor)) {
      g.fillStyle = s.backgroundColor;
      g.fillRect(r.left - x0, r.top - y0, r.width, r.height);
    }
    const sides: Array<[string, string, number, number, number, number]> = [
      [s.borderTopStyle, s.borderTopColor, r.left, r.top, r.width, px(s.borderTopWidth)],
      [s.borderBottomStyle, s.borderBottomColor, r.left, r.bottom - px(s.borderBottomWidth), r.width, px(s.borderBottomWidth)],
      [s.borderLeftStyle, s.borderLeftColor, r.left, r.top, px(s.borderLeftWidth), r.height],
      [s.borderRightStyle, s.borderRightColor, r.right - px(s.borderRightWidth), r.top, px(s.borderRightWidth), r.height],
    ];
    for (const [style, color, x, y, w, h] of sides) {
      if (!w || !h || style === 'none' || style === 'hidden' || transparent(color)) continue;
      g.fillStyle = color;
      g.fillRect(x - x0, y - y0, w, h);
    }
  }
}

function drawWords(g: CanvasRenderingContext2D, root: HTMLElement, x0: number, y0: number): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent) continue;
    const s = getComputedStyle(parent);
    if (s.visibility === 'hidden') continue;
    g.font = fontOf(s);
    g.fillStyle = s.color;
    // Word by word: a wrapped line (the notes above the table) keeps each word where the browser put it.
    for (const m of (node.textContent ?? '').matchAll(/\S+/g)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const r = range.getBoundingClientRect();
      if (!r.width) continue;
      const ascent = g.measureText(m[0]).fontBoundingBoxAscent;
      g.fillText(m[0], r.left - x0, r.top - y0 + (Number.isFinite(ascent) ? ascent : r.height * 0.8));
    }
  }
}

/** Saves `body` (and whatever in it overflows, such as a wide table) under `title` as a PNG. */
export async function downloadTablePng(body: HTMLElement, filename: string, title: string): Promise<void> {
  if (!body.querySelector('table')) throw new Error('the table has not been drawn yet');
  const box = body.getBoundingClientRect();
  let right = box.right;
  let bottom = box.bottom;
  for (const el of body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    right = Math.max(right, r.right);
    bottom = Math.max(bottom, r.bottom);
  }
  const width = Math.ceil(right - box.left) + 2 * PAD;
  const height = Math.ceil(bottom - box.top) + TITLE_H + PAD;
  const canvas = document.createElement('canvas');
  canvas.width = width * SCALE;
  canvas.height = height * SCALE;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('this browser cannot draw on a canvas');
  g.scale(SCALE, SCALE);
  g.fillStyle = backdrop(body);
  g.fillRect(0, 0, width, height);
  const text = getComputedStyle(body).color;
  g.fillStyle = text;
  g.font = `600 14px ${getComputedStyle(body).fontFamily}`;
  g.fillText(title, PAD, 19);
  const x0 = box.left - PAD;
  const y0 = box.top - TITLE_H;
  drawBoxes(g, body, x0, y0);
  drawWords(g, body, x0, y0);
  await downloadCanvas(canvas, filename);
}
