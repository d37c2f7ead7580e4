// Draws Voxanne Desk's icons in code and writes them as PNG files: the app icon (a rounded teal
// square with a white sound-wave mark) for electron-builder, and the tray icons (a dot per
// connection state). Nothing binary is kept in the repository; the build makes these.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

/** RGBA pixels → PNG bytes (8-bit RGBA, no interlace). */
function encodePng(width, height, rgba) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Paints with 4×4 supersampling so edges are smooth; `shade(x, y)` returns [r,g,b,a] or null. */
function paint(size, shade) {
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = shade((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size);
          if (c) {
            r += c[0] * c[3];
            g += c[1] * c[3];
            b += c[2] * c[3];
            a += c[3];
          }
        }
      }
      const i = (y * size + x) * 4;
      if (a > 0) px.set([Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round(a / (S * S))], i);
    }
  }
  return encodePng(size, size, px);
}

const TEAL = [13, 148, 136, 255];
const WHITE = [255, 255, 255, 255];

function appIcon(u, v) {
  // Rounded square, corner radius 22 % of the side.
  const r = 0.22,
    m = 0.04;
  const dx = Math.max(m + r - u, 0, u - (1 - m - r));
  const dy = Math.max(m + r - v, 0, v - (1 - m - r));
  if (u < m || u > 1 - m || v < m || v > 1 - m || dx * dx + dy * dy > r * r) return null;
  // Five rounded bars of a sound wave.
  const bars = [0.12, 0.2, 0.28, 0.2, 0.12];
  const width = 0.075,
    gap = 0.045;
  const left = 0.5 - (bars.length * width + (bars.length - 1) * gap) / 2;
  for (let i = 0; i < bars.length; i++) {
    const x0 = left + i * (width + gap);
    const half = bars[i];
    if (u >= x0 && u <= x0 + width) {
      const cx = x0 + width / 2,
        rr = width / 2;
      const top = 0.5 - half + rr,
        bottom = 0.5 + half - rr;
      const cy = Math.min(Math.max(v, top), bottom);
      if ((u - cx) ** 2 + (v - cy) ** 2 <= rr * rr) return WHITE;
    }
  }
  return TEAL;
}

const TRAY_COLOURS = {
  live: [22, 163, 74, 255],
  reconnecting: [217, 119, 6, 255],
  offline: [100, 116, 139, 255],
  attention: [220, 38, 38, 255],
};

function trayIcon(colour) {
  return (u, v) => {
    const d = Math.hypot(u - 0.5, v - 0.5);
    if (d <= 0.34) return colour;
    if (d <= 0.44) return WHITE;
    return null;
  };
}

/** Writes icon.png (512) into `appDir` and tray-*.png (32, plus @2x) into `trayDir`. */
export function writeIcons({ appDir, trayDir }) {
  if (appDir) {
    mkdirSync(appDir, { recursive: true });
    writeFileSync(path.join(appDir, 'icon.png'), paint(512, appIcon));
  }
  if (trayDir) {
    mkdirSync(trayDir, { recursive: true });
    for (const [name, colour] of Object.entries(TRAY_COLOURS)) {
      writeFileSync(path.join(trayDir, `tray-${name}.png`), paint(32, trayIcon(colour)));
      writeFileSync(path.join(trayDir, `tray-${name}@2x.png`), paint(64, trayIcon(colour)));
    }
  }
}
