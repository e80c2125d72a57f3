import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type Path = readonly (string | number)[];

/** `faults[0].args.url` from `['faults', 0, 'args', 'url']`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/**
 * Finds the line and column of a field in the parsed document. With `key`, points at the key itself (for unknown
 * fields); otherwise at the value, falling back to the nearest enclosing node that exists.
 */
export function locate(doc: Document, lines: LineCounter, path: Path, key?: string): { line: number; column: number } {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNode(node) ? node : undefined;
  const full = key === undefined ? path : [...path, key];
  for (let i = 0; i < full.length; i++) {
    const part = full[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (pair === undefined) break;
      if (key !== undefined && i === full.length - 1 && isNode(pair.key)) {
        best = pair.key;
        break;
      }
      node = pair.value;
      if (isNode(node)) best = node;
      else if (isNode(pair.key)) best = pair.key;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      if (isNode(node)) best = node;
      else break;
    } else break;
  }
  const offset = best?.range?.[0] ?? 0;
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}
