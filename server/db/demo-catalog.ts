import type { ProductRecord } from './store.js';

/**
 * The demo catalog a fresh development database is seeded with: prices in EUR, USD and GBP minor units. Two products
 * have no GBP price, so a cart holding one shows the fallback to the catalogue's currency; two are inactive so the
 * "inactive products are hidden" paths have something to hide.
 */
export const demoCatalog: readonly ProductRecord[] = [
  { sku: 'MUG-BLUE', name: 'Enamel Mug, Blue', description: 'A 350 ml enamel camping mug with a rolled rim. Dishwasher safe.', prices: { EUR: 1490, USD: 1690, GBP: 1295 }, active: true },
  { sku: 'MUG-WHITE', name: 'Enamel Mug, White', description: 'A 350 ml enamel camping mug with a navy rim. Dishwasher safe.', prices: { EUR: 1490, USD: 1690, GBP: 1295 }, active: true },
  { sku: 'MUG-STONEWARE', name: 'Stoneware Mug', description: 'Hand-glazed stoneware, 300 ml. Each glaze comes out a little different.', prices: { EUR: 2200, USD: 2490, GBP: 1995 }, active: true },
  { sku: 'CUP-ESPRESSO-2', name: 'Espresso Cups, Set of 2', description: 'Double-walled borosilicate glass, 80 ml each.', prices: { EUR: 1890, USD: 2090, GBP: 1695 }, active: true },
  { sku: 'TEE-BLACK-S', name: 'Organic Cotton T-Shirt, Black, S', description: '180 g/m² organic cotton jersey, regular fit.', prices: { EUR: 2900, USD: 3190, GBP: 2595 }, active: true },
  { sku: 'TEE-BLACK-M', name: 'Organic Cotton T-Shirt, Black, M', description: '180 g/m² organic cotton jersey, regular fit.', prices: { EUR: 2900, USD: 3190, GBP: 2595 }, active: true },
  { sku: 'TEE-BLACK-L', name: 'Organic Cotton T-Shirt, Black, L', description: '180 g/m² organic cotton jersey, regular fit.', prices: { EUR: 2900, USD: 3190, GBP: 2595 }, active: true },
  { sku: 'TEE-WHITE-M', name: 'Organic Cotton T-Shirt, White, M', description: '180 g/m² organic cotton jersey, regular fit.', prices: { EUR: 2900, USD: 3190, GBP: 2595 }, active: true },
  { sku: 'TEE-WHITE-L', name: 'Organic Cotton T-Shirt, White, L', description: '180 g/m² organic cotton jersey, regular fit.', prices: { EUR: 2900, USD: 3190, GBP: 2595 }, active: true },
  { sku: 'HOODIE-GREY-M', name: 'Zip Hoodie, Heather Grey, M', description: 'Brushed-back fleece with a metal zip and kangaroo pockets.', prices: { EUR: 6900, USD: 7590, GBP: 6095 }, active: true },
  { sku: 'HOODIE-GREY-L', name: 'Zip Hoodie, Heather Grey, L', description: 'Brushed-back fleece with a metal zip and kangaroo pockets.', prices: { EUR: 6900, USD: 7590, GBP: 6095 }, active: true },
  { sku: 'CAP-NAVY', name: 'Six-Panel Cap, Navy', description: 'Washed cotton twill with an adjustable brass buckle.', prices: { EUR: 2400, USD: 2690, GBP: 2095 }, active: true },
  { sku: 'BEANIE-RUST', name: 'Merino Beanie, Rust', description: 'Rib-knit extra-fine merino wool. One size.', prices: { EUR: 3200, USD: 3590, GBP: 2795 }, active: true },
  { sku: 'SOCKS-STRIPE-3', name: 'Striped Socks, 3 Pairs', description: 'Combed cotton with reinforced heel and toe. EU 39-42.', prices: { EUR: 1800, USD: 1990, GBP: 1595 }, active: true },
  { sku: 'TOTE-CANVAS', name: 'Canvas Tote Bag', description: '12 oz natural canvas with an inner pocket. Carries about 15 kg.', prices: { EUR: 1950, USD: 2190, GBP: 1695 }, active: true },
  { sku: 'BACKPACK-20L', name: 'Roll-Top Backpack 20 L', description: 'Water-resistant recycled nylon with a padded 15" laptop sleeve.', prices: { EUR: 8900, USD: 9790, GBP: 7795 }, active: true },
  { sku: 'BOTTLE-750', name: 'Insulated Bottle 750 ml', description: 'Vacuum-insulated stainless steel: cold for 24 h, hot for 12 h.', prices: { EUR: 3400, USD: 3790, GBP: 2995 }, active: true },
  { sku: 'BOTTLE-500', name: 'Insulated Bottle 500 ml', description: 'Vacuum-insulated stainless steel: cold for 24 h, hot for 12 h.', prices: { EUR: 2900, USD: 3190, GBP: 2595 }, active: true },
  { sku: 'NOTEBOOK-A5-DOT', name: 'A5 Notebook, Dot Grid', description: '192 numbered pages of 100 g/m² paper that takes fountain pen ink.', prices: { EUR: 1650, USD: 1890, GBP: 1495 }, active: true },
  { sku: 'NOTEBOOK-A5-LINED', name: 'A5 Notebook, Lined', description: '192 numbered pages of 100 g/m² paper that takes fountain pen ink.', prices: { EUR: 1650, USD: 1890, GBP: 1495 }, active: true },
  { sku: 'PEN-FOUNTAIN-F', name: 'Fountain Pen, Fine Nib', description: 'Aluminium body, steel nib, converter and two ink cartridges included.', prices: { EUR: 3900, USD: 4290, GBP: 3395 }, active: true },
  { sku: 'PEN-GEL-5', name: 'Gel Pens, Pack of 5', description: '0.5 mm quick-drying gel ink in black, blue, red, green and violet.', prices: { EUR: 850, USD: 940, GBP: 740 }, active: true },
  { sku: 'PENCIL-HB-12', name: 'Graphite Pencils HB, 12', description: 'Cedar wood pencils, pre-sharpened.', prices: { EUR: 720, USD: 790, GBP: 630 }, active: true },
  { sku: 'STICKERS-10', name: 'Vinyl Sticker Pack', description: 'Ten weatherproof die-cut stickers for laptops and bottles.', prices: { EUR: 600, USD: 660, GBP: 520 }, active: true },
  { sku: 'POSTER-A2-MAP', name: 'City Map Poster, A2', description: 'Giclée print on 200 g/m² matte paper. Frame not included.', prices: { EUR: 2500, USD: 2790, GBP: 2195 }, active: true },
  { sku: 'CANDLE-CEDAR', name: 'Soy Candle, Cedar & Smoke', description: 'Hand-poured soy wax in an amber jar, about 40 hours of burn time.', prices: { EUR: 2600, USD: 2890, GBP: 2295 }, active: true },
  { sku: 'CANDLE-CITRUS', name: 'Soy Candle, Citrus Grove', description: 'Hand-poured soy wax in an amber jar, about 40 hours of burn time.', prices: { EUR: 2600, USD: 2890, GBP: 2295 }, active: true },
  { sku: 'COFFEE-HOUSE-250', name: 'House Blend Coffee, 250 g', description: 'Whole beans, medium roast. Notes of cocoa, hazelnut and red apple.', prices: { EUR: 1190, USD: 1390, GBP: 1095 }, active: true },
  { sku: 'COFFEE-DECAF-250', name: 'Decaf Coffee, 250 g', description: 'Whole beans, Swiss Water decaffeinated, medium-dark roast.', prices: { EUR: 1290, USD: 1490 }, active: true },
  { sku: 'TEA-EARLGREY-100', name: 'Earl Grey Tea, 100 g', description: 'Loose-leaf black tea with natural bergamot oil.', prices: { EUR: 990, USD: 1090 }, active: true },
  { sku: 'DRIPPER-V60', name: 'Ceramic Pour-Over Dripper', description: 'Cone dripper for one to four cups; takes size 02 filters.', prices: { EUR: 2800, USD: 3090, GBP: 2495 }, active: true },
  { sku: 'FILTERS-02-100', name: 'Paper Filters 02, 100 Pack', description: 'Unbleached paper cone filters for size 02 drippers.', prices: { EUR: 650, USD: 720, GBP: 570 }, active: true },
  { sku: 'CABLE-USBC-1M', name: 'USB-C Cable, 1 m', description: 'Braided USB-C to USB-C, 100 W charging and 10 Gbit/s data.', prices: { EUR: 1900, USD: 2090, GBP: 1695 }, active: true },
  { sku: 'CHARGER-65W', name: '65 W USB-C Charger', description: 'Two USB-C ports and one USB-A; folds flat for travel.', prices: { EUR: 4900, USD: 5390, GBP: 4295 }, active: true },
  { sku: 'LAMP-DESK-OAK', name: 'Oak Desk Lamp', description: 'Dimmable warm-white LED on a solid oak arm.', prices: { EUR: 11900, USD: 13090, GBP: 10395 }, active: true },
  { sku: 'UMBRELLA-COMPACT', name: 'Compact Umbrella', description: 'Wind-resistant folding umbrella, 98 cm canopy. Discontinued.', prices: { EUR: 2700, USD: 2990, GBP: 2395 }, active: false },
  { sku: 'MUG-HOLIDAY-2023', name: 'Holiday Mug 2023', description: 'Limited edition winter mug, 350 ml. Sold out.', prices: { EUR: 1690, USD: 1890, GBP: 1495 }, active: false },
];
