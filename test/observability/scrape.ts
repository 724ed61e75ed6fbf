/** Fetches http://ADDRESS/metrics and parses the sample lines (`name{labels} value`). */
export async function scrape(address: string): Promise<Metrics> {
  const res = await fetch(`http://${address}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics on ${address}: HTTP ${res.status}`);
  return new Metrics(await res.text());
}

export class Metrics {
  readonly text: string;
  readonly #samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];

  constructor(text: string) {
    this.text = text;
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) continue;
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
      this.#samples.push({ name: m[1]!, labels, value: Number(m[3]) });
    }
  }

  /** The sum of the samples named `name` whose labels include `labels` (0 if none). */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.#samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((a, s) => a + s.value, 0);
  }

  /** Whether some sample is named `name` with `labels`. */
  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.#samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The label values of `label` over the samples named `name`. */
  labelValues(name: string, label: string): string[] {
    return [...new Set(this.#samples.filter((s) => s.name === name && s.labels[label] !== undefined).map((s) => s.labels[label]!))].sort();
  }
}
