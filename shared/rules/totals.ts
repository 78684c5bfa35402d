/** A line as stored or projected: a line added offline may have no known price. */
export interface LineInput<Price extends number | null = number> {
  sku: string;
  name: Price extends number ? string : string | null;
  quantity: number;
  unitPrice: Price;
}

export interface LineWithTotal<Price extends number | null = number> {
  sku: string;
  name: Price extends number ? string : string | null;
  quantity: number;
  unitPrice: Price;
  lineTotal: Price;
}

export interface CartTotals<Price extends number | null = number> {
  lines: LineWithTotal<Price>[];
  /** The sum of the line totals that are known. */
  subtotal: number;
  itemCount: number;
}

/** `unitPrice × quantity`; unknown when the price is. */
export function lineTotal<Price extends number | null>(unitPrice: Price, quantity: number): Price {
  return (unitPrice === null ? null : unitPrice * quantity) as Price;
}

/** Line totals, subtotal and item count of a cart, as the API shows them and the offline view works them out. */
export function cartTotals<Price extends number | null>(lines: readonly LineInput<Price>[]): CartTotals<Price> {
  const priced: LineWithTotal<Price>[] = [];
  let subtotal = 0;
  let itemCount = 0;
  for (const line of lines) {
    const total = lineTotal(line.unitPrice, line.quantity);
    priced.push({ sku: line.sku, name: line.name, quantity: line.quantity, unitPrice: line.unitPrice, lineTotal: total });
    subtotal += total ?? 0;
    itemCount += line.quantity;
  }
  return { lines: priced, subtotal, itemCount };
}
