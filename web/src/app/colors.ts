// A stable, readable colour per user id, so every client paints the same user the same way.
// Hex (#rrggbb) because Tiptap's caret extension only accepts that form.
export function colorFor(id: unknown): string {
  const key = String(id ?? '')
  let hash = 2166136261
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 16777619)
  }
  return hslToHex((hash >>> 0) % 360, 0.7, 0.42)
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
  const a = saturation * Math.min(lightness, 1 - lightness)
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12
    const value = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))
    return Math.round(value * 255).toString(16).padStart(2, '0')
  }
  return `#${channel(0)}${channel(8)}${channel(4)}`
}
