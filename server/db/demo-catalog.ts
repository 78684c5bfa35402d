import type { ProductRecord } from './store.js';

/**
 * The demo catalog a fresh development database is seeded with: prices in euro cents. Two products are inactive so the
 * "inactive products are hidden" paths have something to hide, and four have a small stock so the limit can be seen
 * (the rest are not counted: unlimited).
 */
export const demoCatalog: readonly ProductRecord[] = [
  { sku: 'MUG-BLUE', name: 'Enamel Mug, Blue', description: 'A 350 ml enamel camping mug with a rolled rim. Dishwasher safe.', price: 1490, currency: 'EUR', active: true },
  { sku: 'MUG-WHITE', name: 'Enamel Mug, White', description: 'A 350 ml enamel camping mug with a navy rim. Dishwasher safe.', price: 1490, currency: 'EUR', active: true },
  { sku: 'MUG-STONEWARE', name: 'Stoneware Mug', description: 'Hand-glazed stoneware, 300 ml. Each glaze comes out a little different.', price: 2200, currency: 'EUR', active: true },
  { sku: 'CUP-ESPRESSO-2', name: 'Espresso Cups, Set of 2', description: 'Double-walled borosilicate glass, 80 ml each.', price: 1890, currency: 'EUR', active: true },
  { sku: 'TEE-BLACK-S', name: 'Organic Cotton T-Shirt, Black, S', description: '180 g/m² organic cotton jersey, regular fit.', price: 2900, currency: 'EUR', active: true },
  { sku: 'TEE-BLACK-M', name: 'Organic Cotton T-Shirt, Black, M', description: '180 g/m² organic cotton jersey, regular fit.', price: 2900, currency: 'EUR', active: true },
  { sku: 'TEE-BLACK-L', name: 'Organic Cotton T-Shirt, Black, L', description: '180 g/m² organic cotton jersey, regular fit.', price: 2900, currency: 'EUR', active: true },
  { sku: 'TEE-WHITE-M', name: 'Organic Cotton T-Shirt, White, M', description: '180 g/m² organic cotton jersey, regular fit.', price: 2900, currency: 'EUR', active: true },
  { sku: 'TEE-WHITE-L', name: 'Organic Cotton T-Shirt, White, L', description: '180 g/m² organic cotton jersey, regular fit.', price: 2900, currency: 'EUR', active: true },
  { sku: 'HOODIE-GREY-M', name: 'Zip Hoodie, Heather Grey, M', description: 'Brushed-back fleece with a metal zip and kangaroo pockets.', price: 6900, currency: 'EUR', active: true },
  { sku: 'HOODIE-GREY-L', name: 'Zip Hoodie, Heather Grey, L', description: 'Brushed-back fleece with a metal zip and kangaroo pockets.', price: 6900, currency: 'EUR', active: true },
  { sku: 'CAP-NAVY', name: 'Six-Panel Cap, Navy', description: 'Washed cotton twill with an adjustable brass buckle.', price: 2400, currency: 'EUR', active: true },
  { sku: 'BEANIE-RUST', name: 'Merino Beanie, Rust', description: 'Rib-knit extra-fine merino wool. One size.', price: 3200, currency: 'EUR', active: true },
  { sku: 'SOCKS-STRIPE-3', name: 'Striped Socks, 3 Pairs', description: 'Combed cotton with reinforced heel and toe. EU 39-42.', price: 1800, currency: 'EUR', active: true },
  { sku: 'TOTE-CANVAS', name: 'Canvas Tote Bag', description: '12 oz natural canvas with an inner pocket. Carries about 15 kg.', price: 1950, currency: 'EUR', active: true },
  { sku: 'BACKPACK-20L', name: 'Roll-Top Backpack 20 L', description: 'Water-resistant recycled nylon with a padded 15" laptop sleeve.', price: 8900, currency: 'EUR', active: true, stock: 2 },
  { sku: 'BOTTLE-750', name: 'Insulated Bottle 750 ml', description: 'Vacuum-insulated stainless steel: cold for 24 h, hot for 12 h.', price: 3400, currency: 'EUR', active: true },
  { sku: 'BOTTLE-500', name: 'Insulated Bottle 500 ml', description: 'Vacuum-insulated stainless steel: cold for 24 h, hot for 12 h.', price: 2900, currency: 'EUR', active: true },
  { sku: 'NOTEBOOK-A5-DOT', name: 'A5 Notebook, Dot Grid', description: '192 numbered pages of 100 g/m² paper that takes fountain pen ink.', price: 1650, currency: 'EUR', active: true },
  { sku: 'NOTEBOOK-A5-LINED', name: 'A5 Notebook, Lined', description: '192 numbered pages of 100 g/m² paper that takes fountain pen ink.', price: 1650, currency: 'EUR', active: true },
  { sku: 'PEN-FOUNTAIN-F', name: 'Fountain Pen, Fine Nib', description: 'Aluminium body, steel nib, converter and two ink cartridges included.', price: 3900, currency: 'EUR', active: true },
  { sku: 'PEN-GEL-5', name: 'Gel Pens, Pack of 5', description: '0.5 mm quick-drying gel ink in black, blue, red, green and violet.', price: 850, currency: 'EUR', active: true },
  { sku: 'PENCIL-HB-12', name: 'Graphite Pencils HB, 12', description: 'Cedar wood pencils, pre-sharpened.', price: 720, currency: 'EUR', active: true },
  { sku: 'STICKERS-10', name: 'Vinyl Sticker Pack', description: 'Ten weatherproof die-cut stickers for laptops and bottles.', price: 600, currency: 'EUR', active: true },
  { sku: 'POSTER-A2-MAP', name: 'City Map Poster, A2', description: 'Giclée print on 200 g/m² matte paper. Frame not included.', price: 2500, currency: 'EUR', active: true, stock: 5 },
  { sku: 'CANDLE-CEDAR', name: 'Soy Candle, Cedar & Smoke', description: 'Hand-poured soy wax in an amber jar, about 40 hours of burn time.', price: 2600, currency: 'EUR', active: true, stock: 8 },
  { sku: 'CANDLE-CITRUS', name: 'Soy Candle, Citrus Grove', description: 'Hand-poured soy wax in an amber jar, about 40 hours of burn time.', price: 2600, currency: 'EUR', active: true },
  { sku: 'COFFEE-HOUSE-250', name: 'House Blend Coffee, 250 g', description: 'Whole beans, medium roast. Notes of cocoa, hazelnut and red apple.', price: 1190, currency: 'EUR', active: true },
  { sku: 'COFFEE-DECAF-250', name: 'Decaf Coffee, 250 g', description: 'Whole beans, Swiss Water decaffeinated, medium-dark roast.', price: 1290, currency: 'EUR', active: true },
  { sku: 'TEA-EARLGREY-100', name: 'Earl Grey Tea, 100 g', description: 'Loose-leaf black tea with natural bergamot oil.', price: 990, currency: 'EUR', active: true },
  { sku: 'DRIPPER-V60', name: 'Ceramic Pour-Over Dripper', description: 'Cone dripper for one to four cups; takes size 02 filters.', price: 2800, currency: 'EUR', active: true },
  { sku: 'FILTERS-02-100', name: 'Paper Filters 02, 100 Pack', description: 'Unbleached paper cone filters for size 02 drippers.', price: 650, currency: 'EUR', active: true },
  { sku: 'CABLE-USBC-1M', name: 'USB-C Cable, 1 m', description: 'Braided USB-C to USB-C, 100 W charging and 10 Gbit/s data.', price: 1900, currency: 'EUR', active: true },
  { sku: 'CHARGER-65W', name: '65 W USB-C Charger', description: 'Two USB-C ports and one USB-A; folds flat for travel.', price: 4900, currency: 'EUR', active: true },
  { sku: 'LAMP-DESK-OAK', name: 'Oak Desk Lamp', description: 'Dimmable warm-white LED on a solid oak arm.', price: 11900, currency: 'EUR', active: true, stock: 3 },
  { sku: 'UMBRELLA-COMPACT', name: 'Compact Umbrella', description: 'Wind-resistant folding umbrella, 98 cm canopy. Discontinued.', price: 2700, currency: 'EUR', active: false },
  { sku: 'MUG-HOLIDAY-2023', name: 'Holiday Mug 2023', description: 'Limited edition winter mug, 350 ml. Sold out.', price: 1690, currency: 'EUR', active: false },
];
