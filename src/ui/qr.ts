// Owns drawing a QR code (the TOTP otpauth:// URI) as an inline SVG: uqr encodes, one <path> draws the dark
// modules (no inline style, so the pages' CSP holds; the colours come from theme.css).
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { encode } from 'uqr';

export function QrCode(props: { text: string; label: string }): VNode {
  const { data, size } = encode(props.text, { ecc: 'M', border: 2 });
  let d = '';
  data.forEach((row, y) => row.forEach((dark, x) => {
    if (dark) d += `M${x} ${y}h1v1h-1z`;
  }));
  return html`
    <svg class="gh-qr" viewBox=${`0 0 ${size} ${size}`} role="img" aria-label=${props.label} shape-rendering="crispEdges">
      <path d=${d} />
    </svg>
  `;
}
