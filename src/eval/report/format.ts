/** The number formats every report renderer (tables, reading, the lab and frontier pages) shares. */
export const fmtPct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(digits));
export const fmtNum = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
export const fmtP = (p: number) => (p >= 0.001 ? p.toFixed(3) : p.toExponential(1));
export const signed = (x: string) => (x.startsWith('-') || x === '–' ? x : `+${x}`);
