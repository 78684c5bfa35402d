/**
 * Checks that a set of acknowledged cart mutations is accounted for exactly once. Every cart answer carries the version
 * it was committed at, and every mutation that changes something bumps the version by one, so the answers, sorted by
 * version, are the serial history the database applied. Replaying them on a model must reproduce each answer's cart
 * and the final cart: an acknowledged change missing from that history is lost, and a version no answer explains is a
 * change applied without (or twice for) an acknowledgement.
 */

export type CartOp =
  | { id: string; kind: 'add'; sku: string; quantity: number }
  | { id: string; kind: 'set'; sku: string; quantity: number }
  | { id: string; kind: 'remove'; sku: string };

/** Quantity by SKU. */
export type Lines = Record<string, number>;

/** What one acknowledged mutation answered: the cart as it committed it. */
export interface Observation {
  op: CartOp;
  lines: Lines;
  version: number;
}

export interface HistoryCheck {
  /** Acknowledged changes the history does not contain (or contains differently). */
  lost: number;
  /** Versions no acknowledged change explains: something was applied that nobody was told about, or twice. */
  unexplained: number;
  /** Human-readable details, first few only. */
  problems: string[];
}

const internals = {
  apply(lines: Lines, op: CartOp): Lines {
    const next = { ...lines };
    if (op.kind === 'add') {
      next[op.sku] = (next[op.sku] ?? 0) + op.quantity;
    } else if (op.kind === 'remove' || op.quantity === 0) {
      delete next[op.sku];
    } else {
      next[op.sku] = op.quantity;
    }
    return next;
  },

  /** A change that leaves the cart as it is does not bump the version: removing a line that is not there. */
  isNoop(lines: Lines, op: CartOp): boolean {
    return (op.kind === 'remove' || (op.kind === 'set' && op.quantity === 0)) && lines[op.sku] === undefined;
  },

  same(a: Lines, b: Lines): boolean {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => a[key] === b[key]);
  },

  show(op: CartOp): string {
    return `${op.id} ${op.kind} ${op.sku}${'quantity' in op ? ` ${op.quantity}` : ''}`;
  },
};

export function linesOf(cart: { lines: ReadonlyArray<{ sku: string; quantity: number }> }): Lines {
  return Object.fromEntries(cart.lines.map((line) => [line.sku, line.quantity]));
}

export function checkCartHistory(initial: { lines: Lines; version: number }, observations: readonly Observation[], final: { lines: Lines; version: number }): HistoryCheck {
  const problems: string[] = [];
  let lost = 0;
  let unexplained = 0;
  let state = initial.lines;
  let version = initial.version;

  const sorted = [...observations].sort((a, b) => a.version - b.version);
  for (let start = 0; start < sorted.length; ) {
    const v = sorted[start]!.version;
    let end = start;
    while (end < sorted.length && sorted[end]!.version === v) {
      end++;
    }
    const group = sorted.slice(start, end);
    start = end;

    if (v === version) {
      // Answers at the current version changed nothing: each must be a no-op on this very state.
      for (const seen of group) {
        if (!internals.isNoop(state, seen.op) || !internals.same(seen.lines, state)) {
          lost++;
          problems.push(`${internals.show(seen.op)} answered version ${v} without changing it`);
        }
      }
      continue;
    }
    if (v < version) {
      lost += group.length;
      problems.push(`answers at version ${v} after version ${version} was reached`);
      continue;
    }
    if (v > version + 1) {
      unexplained += v - version - 1;
      problems.push(`versions ${version + 1}..${v - 1} were committed, but no acknowledged change answered with them`);
    }
    // Exactly one answer in the group made version v; the others came after it and changed nothing.
    const changer = group.find((candidate) => {
      const next = internals.apply(state, candidate.op);
      return (
        internals.same(next, candidate.lines) &&
        group.every((other) => other === candidate || (internals.isNoop(next, other.op) && internals.same(other.lines, next)))
      );
    });
    if (changer) {
      state = internals.apply(state, changer.op);
    } else {
      lost += group.length;
      problems.push(`version ${v} is claimed by ${group.map((seen) => internals.show(seen.op)).join(', ')}, which do not add up`);
      state = group[0]!.lines;
    }
    version = v;
  }

  if (final.version !== version) {
    unexplained += Math.max(0, final.version - version);
    lost += Math.max(0, version - final.version);
    problems.push(`the final cart is at version ${final.version}, the acknowledged history ends at ${version}`);
  }
  if (!internals.same(final.lines, state)) {
    lost++;
    problems.push(`the final cart ${JSON.stringify(final.lines)} is not the acknowledged history's ${JSON.stringify(state)}`);
  }
  return { lost, unexplained, problems: problems.slice(0, 10) };
}
