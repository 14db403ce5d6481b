// Amounts in tokens with the mint's decimals (never raw base units), addresses and times.

/** `amount` base units as tokens: 1234500000n with 6 decimals is "1,234.5". */
export function formatTokens(amount: bigint, decimals: number, { min = 0 }: { min?: number } = {}): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const unit = 10n ** BigInt(decimals);
  const whole = (abs / unit).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  let fraction = decimals > 0 ? (abs % unit).toString().padStart(decimals, '0') : '';
  fraction = fraction.replace(/0+$/, '');
  while (fraction.length < min) fraction += '0';
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Tokens typed by a person ("1,234.5") as base units; an error message if it is not an amount. */
export function parseTokens(text: string, decimals: number): bigint | string {
  const clean = text.trim().replace(/[,_\s]/g, '');
  if (clean === '') return 'enter an amount';
  const m = /^(\d*)(?:\.(\d*))?$/.exec(clean);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return `"${text}" is not an amount`;
  const fraction = m[2] ?? '';
  if (fraction.length > decimals) return `at most ${decimals} decimals`;
  const units = BigInt(m[1] || '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
  if (units > 0xffff_ffff_ffff_ffffn) return 'too large';
  return units;
}

/** A whole number typed by a person. */
export function parseCount(text: string, { max = 0xffff_ffff_ffff_ffffn }: { max?: bigint } = {}): bigint | string {
  const clean = text.trim().replace(/[,_\s]/g, '');
  if (!/^\d+$/.test(clean)) return `"${text}" is not a whole number`;
  const n = BigInt(clean);
  if (n > max) return `at most ${max}`;
  return n;
}

/** `7xKX…q9Ab`. */
export function short(address: string): string {
  return address.length > 12 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}

/** A unix time as UTC. */
export function utc(unix: bigint | number): string {
  const t = Number(unix);
  if (t <= 0) return '—';
  return new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** Seconds as "1h 5m", "3d 2h", "42s". */
export function duration(seconds: bigint | number): string {
  let s = Math.abs(Number(seconds));
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  if (parts.length < 2 && (s > 0 || parts.length === 0)) parts.push(`${s}s`);
  return parts.join(' ');
}

/** A deadline relative to the chain's clock: "in 1h 5m" / "2m ago". */
export function relative(deadline: bigint, now: bigint): string {
  if (deadline <= 0n) return '—';
  const d = deadline - now;
  return d >= 0n ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

/** Basis points as a percentage. */
export function bps(value: number | bigint): string {
  return `${(Number(value) / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;
}

/** A bigint with thousands separators. */
export function count(value: bigint | number): string {
  return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
