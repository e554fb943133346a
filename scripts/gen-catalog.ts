/**
 * Generates the demo shop's catalog: 144 beauty products with titles, brands, category paths, prices
 * and one small SVG image each. Deterministic: the same seed always writes the same files.
 *
 *   npx tsx scripts/gen-catalog.ts [--seed 7] [--out demo]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { rng as mulberry32 } from '../src/model/rng.ts';

/** One product of the demo shop, as stored in `demo/catalog.json`. */
export interface CatalogItem {
  /** "p001" .. "p144". */
  id: string;
  title: string;
  brand: string;
  /** Category path, e.g. "Makeup > Lips > Lipstick". */
  category: string;
  /** EUR. */
  price: number;
  /** Relative to the demo folder, e.g. "img/p001.svg". */
  image: string;
  /** The product's main colour (shade, scent or packaging), hex. */
  color: string;
  /** Shade or scent name when the product has one. */
  shade?: string;
  size: string;
  description: string;
  rating: number;
  reviews: number;
  /** ISO date the product was added to the shop; the newest are the "New arrivals". */
  added: string;
  /** The product's page in the demo shop (its route), as a catalog feed gives it. */
  url: string;
  /** Stock, as a catalog feed gives it: a few products are out of stock (merchandising rules leave them out). */
  availability: 'in_stock' | 'out_of_stock';
}

export const DEFAULT_SEED = 7;
/** Products added within this many days of it count as new; fixed so output never depends on the clock. */
export const CATALOG_DATE = '2026-11-01';

/** mulberry32: the project's seeded PRNG (src/model/rng.ts). */
export { mulberry32 };

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

type Shape = 'lipstick' | 'wand' | 'compact' | 'palette' | 'dropper' | 'pump' | 'jar' | 'tube' | 'bottle' | 'perfume' | 'polish' | 'spray';

interface Shade {
  name: string;
  color: string;
}
const s = (name: string, color: string): Shade => ({ name, color });

const LIP = [
  s('Rosewood', '#9e4f5c'),
  s('Cherry Noir', '#5c1a2b'),
  s('Nude Petal', '#c98f7e'),
  s('Coral Crush', '#e8665a'),
  s('Berry Velvet', '#7b2a4f'),
  s('Brick Red', '#a33a2c'),
  s('Mauve Mist', '#a5737f'),
  s('Pink Peony', '#e07a9a'),
  s('Classic Red', '#c1272d'),
  s('Toffee', '#9b6549'),
];
const NAIL = [
  s('Ballet Slipper', '#f2cfd0'),
  s('Midnight Navy', '#1f2a4d'),
  s('Scarlet Kiss', '#c0182c'),
  s('Sage Garden', '#9bb08f'),
  s('Lilac Dream', '#b9a3d6'),
  s('Espresso', '#4a2f27'),
  s('Coral Reef', '#f07563'),
  s('Champagne', '#e6ccaa'),
  s('Emerald Night', '#1f5c4a'),
  s('Sky Blue', '#8fbbe0'),
  s('Plum Wine', '#5e2146'),
  s('Sunset Orange', '#f08a3c'),
];
const SKIN_TONE = [
  s('110 Porcelain', '#f1d6c2'),
  s('140 Ivory', '#ecc9ad'),
  s('220 Warm Beige', '#d9a882'),
  s('260 Sand', '#cf9c76'),
  s('320 Honey', '#b97d50'),
  s('380 Caramel', '#a26a40'),
  s('440 Mocha', '#7d4f33'),
  s('480 Espresso', '#5a3a26'),
];
const CHEEK = [
  s('Peach Glow', '#f2a38a'),
  s('Rose Petal', '#e38a9a'),
  s('Golden Hour', '#e3b46c'),
  s('Pearl', '#efe3d6'),
  s('Bronze Sun', '#b87a4b'),
  s('Berry Flush', '#c45b7a'),
];
const PALETTE = [
  s('Desert Dusk', '#b46a4a'),
  s('Smoky Nights', '#4a4550'),
  s('Rose Quartz', '#d9a0a5'),
  s('Golden Hour', '#c99a4a'),
  s('Emerald Isle', '#3c6e5a'),
  s('Violet Haze', '#7a5a8c'),
];
const LASH = [s('Blackest Black', '#151515'), s('Brown Black', '#3a2a22'), s('Navy', '#1f2a4d')];
const SCENT = [
  s('Fragrance-Free', '#dfe8ec'),
  s('Lavender & Oat', '#b9a8d8'),
  s('Coconut Milk', '#efe6d8'),
  s('Rose & Oud', '#c98a96'),
  s('Citrus Bloom', '#f3c160'),
  s('Green Tea', '#9cc39a'),
  s('Sea Salt', '#9ec6d6'),
  s('Vanilla Bean', '#e9d3a8'),
  s('Eucalyptus', '#88b5a8'),
  s('Cherry Blossom', '#f2b8c6'),
  s('Fig & Cedar', '#a88a6a'),
  s('Wild Honey', '#e7b04a'),
];
const HAIR = [
  s('Argan', '#c8924c'),
  s('Coconut', '#efe6d8'),
  s('Rosemary & Mint', '#8fb59a'),
  s('Sea Salt', '#9ec6d6'),
  s('Charcoal', '#4a4a4a'),
  s('Rice Protein', '#eee4cf'),
  s('Biotin', '#e6a96b'),
  s('Tea Tree', '#7fae8c'),
];
const PERFUME = [
  s('Amber Nuit', '#b7742f'),
  s('Fleur de Soie', '#f0bfcf'),
  s('Bois Sauvage', '#6b5a3e'),
  s('Neroli Soleil', '#f2c35a'),
  s('Iris Poudré', '#b6a5cc'),
  s('Oud Royal', '#5a2e2e'),
  s('Figue Blanche', '#d9d0b5'),
  s('Rose Absolue', '#d46a7e'),
  s('Vetiver Bleu', '#5f7f9a'),
  s('Musc Cachemire', '#e8ddd3'),
  s('Jasmin de Nuit', '#efe0a8'),
  s('Poivre Rose', '#c77a7a'),
];
const SERUM_GLASS = ['#d9a35c', '#a9c7dc', '#e7dcc9', '#c9b3d9', '#f0c8a0', '#b8d6c4'];

interface ProductType {
  path: string;
  count: number;
  nouns: string[];
  lines: string[];
  /** Named in the title and give the image its colour. */
  shades?: Shade[];
  /** Image colours for products without a shade in the title. */
  colors?: string[];
  sizes: string[];
  price: [number, number];
  shape: Shape;
  desc: string;
}

/** 24 products in each of the 6 top categories. */
const TYPES: ProductType[] = [
  {
    path: 'Makeup > Lips > Lipstick',
    count: 5,
    nouns: ['Lipstick'],
    lines: ['Velvet Matte', 'Satin Silk', 'Cream Luxe', 'Sheer Balm', 'Longwear'],
    shades: LIP,
    sizes: ['0.12 oz', '0.14 oz'],
    price: [16, 34],
    shape: 'lipstick',
    desc: 'Rich, comfortable colour in one swipe, with a finish that stays put for up to 8 hours.',
  },
  {
    path: 'Makeup > Lips > Lip Gloss',
    count: 3,
    nouns: ['Lip Gloss', 'Lip Oil'],
    lines: ['High Shine', 'Plumping', 'Glass Glaze'],
    shades: LIP,
    sizes: ['0.2 fl oz', '0.27 fl oz'],
    price: [12, 26],
    shape: 'wand',
    desc: 'A non-sticky, cushiony gloss that makes lips look fuller and feel nourished.',
  },
  {
    path: 'Makeup > Eyes > Mascara',
    count: 3,
    nouns: ['Mascara'],
    lines: ['Volume Boost', 'Lash Lift', 'Waterproof Curl', 'Lengthening'],
    shades: LASH,
    sizes: ['0.27 fl oz', '0.3 fl oz'],
    price: [12, 30],
    shape: 'wand',
    desc: 'Builds lift and volume without clumps; smudge-free from morning to night.',
  },
  {
    path: 'Makeup > Eyes > Eyeshadow Palette',
    count: 3,
    nouns: ['Eyeshadow Palette'],
    lines: ['Nine-Pan', 'Mini', 'Essential'],
    shades: PALETTE,
    sizes: ['9 x 0.04 oz', '6 x 0.05 oz'],
    price: [28, 58],
    shape: 'palette',
    desc: 'Buttery mattes and high-shine shimmers that blend like a dream, from day to night.',
  },
  {
    path: 'Makeup > Eyes > Eyeliner',
    count: 2,
    nouns: ['Eyeliner', 'Eyeliner Pencil'],
    lines: ['Precision Liquid', 'Smudge-Proof Gel', 'Soft Kohl'],
    shades: LASH,
    sizes: ['0.02 oz', '0.05 fl oz'],
    price: [10, 26],
    shape: 'wand',
    desc: 'An ultra-fine tip for sharp wings and tightlining; waterproof and transfer-proof.',
  },
  {
    path: 'Makeup > Face > Foundation',
    count: 3,
    nouns: ['Foundation', 'Skin Tint'],
    lines: ['Soft Matte', 'Luminous Silk', 'Second Skin', 'Serum'],
    shades: SKIN_TONE,
    sizes: ['1 fl oz', '1.01 fl oz'],
    price: [26, 52],
    shape: 'pump',
    desc: 'Buildable, breathable coverage with a natural finish that evens skin tone all day.',
  },
  {
    path: 'Makeup > Face > Concealer',
    count: 2,
    nouns: ['Concealer'],
    lines: ['Radiant Creamy', 'Full Coverage', 'Brightening'],
    shades: SKIN_TONE,
    sizes: ['0.2 fl oz', '0.16 fl oz'],
    price: [18, 34],
    shape: 'wand',
    desc: 'Covers dark circles and blemishes without creasing; blends seamlessly into skin.',
  },
  {
    path: 'Makeup > Face > Blush',
    count: 2,
    nouns: ['Blush'],
    lines: ['Soft Glow', 'Cream', 'Powder'],
    shades: CHEEK,
    sizes: ['0.17 oz', '0.21 oz'],
    price: [18, 36],
    shape: 'compact',
    desc: 'A weightless flush of colour that melts into the cheeks for a healthy glow.',
  },
  {
    path: 'Makeup > Face > Highlighter',
    count: 1,
    nouns: ['Highlighter'],
    lines: ['Liquid Glow', 'Baked Powder'],
    shades: CHEEK,
    sizes: ['0.28 oz'],
    price: [22, 40],
    shape: 'compact',
    desc: 'Light-reflecting pearls for a lit-from-within glow on the high points of the face.',
  },

  {
    path: 'Skin Care > Moisturizers > Face Cream',
    count: 4,
    nouns: ['Face Cream', 'Moisturizer', 'Gel Cream', 'Barrier Cream'],
    lines: ['Daily Hydrating', 'Ceramide Repair', 'Water Burst', 'Rich Nourishing', 'Oil-Free'],
    colors: ['#f3efe9', '#d7e8ef', '#eadff0', '#f4e4d4'],
    sizes: ['1.7 oz', '1.7 fl oz', '2.5 oz'],
    price: [22, 72],
    shape: 'jar',
    desc: 'Locks in 72-hour hydration and strengthens the skin barrier without feeling heavy.',
  },
  {
    path: 'Skin Care > Treatments > Serum',
    count: 5,
    nouns: [
      'Vitamin C Brightening Serum',
      'Hyaluronic Acid Serum',
      'Retinol Night Serum',
      'Niacinamide 10% Serum',
      'Peptide Firming Serum',
    ],
    lines: ['Daily Radiance', 'Pure Skin', 'Clinical', 'Hydra-Glow'],
    colors: SERUM_GLASS,
    sizes: ['1 fl oz', '0.5 fl oz'],
    price: [24, 82],
    shape: 'dropper',
    desc: 'A concentrated serum that visibly improves radiance, texture and firmness in four weeks.',
  },
  {
    path: 'Skin Care > Cleansers > Face Cleanser',
    count: 4,
    nouns: ['Gel Cleanser', 'Cleansing Balm', 'Foaming Cleanser', 'Micellar Water'],
    lines: ['Gentle', 'Clarifying', 'Soothing Oat', 'Fresh'],
    colors: ['#cfe5ea', '#f2e9dc', '#e4efd8', '#f0dede'],
    sizes: ['5 fl oz', '6.7 fl oz', '3.4 oz'],
    price: [12, 34],
    shape: 'tube',
    desc: 'Removes makeup, sunscreen and impurities while keeping skin soft and comfortable.',
  },
  {
    path: 'Skin Care > Eye Care > Eye Cream',
    count: 3,
    nouns: ['Eye Cream', 'Eye Gel'],
    lines: ['Depuffing Caffeine', 'Firming Peptide', 'Brightening'],
    colors: ['#e9e2f2', '#dbe9ef', '#f3e6d9'],
    sizes: ['0.5 oz', '0.5 fl oz'],
    price: [24, 62],
    shape: 'jar',
    desc: 'A cooling eye treatment that reduces puffiness and softens fine lines.',
  },
  {
    path: 'Skin Care > Sun Care > Sunscreen',
    count: 3,
    nouns: ['Sunscreen SPF 50', 'Daily Fluid SPF 30', 'Mineral Sunscreen SPF 40'],
    lines: ['Invisible', 'Sheer Tint', 'Sport'],
    colors: ['#f6d58e', '#f3c2a5', '#cfe3ee'],
    sizes: ['1.7 fl oz', '2.5 fl oz'],
    price: [16, 38],
    shape: 'tube',
    desc: 'Broad-spectrum protection with a weightless, invisible finish that layers under makeup.',
  },
  {
    path: 'Skin Care > Masks > Face Mask',
    count: 3,
    nouns: ['Clay Mask', 'Overnight Mask', 'Sheet Mask Set'],
    lines: ['Detox', 'Glow Recovery', 'Hydrating'],
    colors: ['#c8d8c0', '#e9d0da', '#d4e2ee'],
    sizes: ['1.7 oz', '5 x 0.8 oz'],
    price: [14, 44],
    shape: 'jar',
    desc: 'A weekly treatment that refines pores and leaves skin smooth, fresh and luminous.',
  },
  {
    path: 'Skin Care > Cleansers > Toner',
    count: 2,
    nouns: ['Exfoliating Toner', 'Hydrating Toner'],
    lines: ['AHA/BHA', 'Rose Water', 'Balancing'],
    colors: ['#f2d4dc', '#d8ecea'],
    sizes: ['6.7 fl oz', '5 fl oz'],
    price: [14, 36],
    shape: 'bottle',
    desc: 'Preps skin for the next step, gently resurfacing and restoring balance.',
  },

  {
    path: 'Hair Care > Shampoo & Conditioner > Shampoo',
    count: 6,
    nouns: ['Shampoo'],
    lines: ['Repair & Shine', 'Volumizing', 'Curl Defining', 'Color Protect', 'Scalp Balance', 'Moisture Rich'],
    shades: HAIR,
    sizes: ['8.5 fl oz', '13.5 fl oz'],
    price: [12, 34],
    shape: 'bottle',
    desc: 'A sulfate-free formula that cleanses gently and leaves hair soft, shiny and full of life.',
  },
  {
    path: 'Hair Care > Shampoo & Conditioner > Conditioner',
    count: 5,
    nouns: ['Conditioner'],
    lines: ['Repair & Shine', 'Volumizing', 'Curl Defining', 'Color Protect', 'Moisture Rich', 'Detangling'],
    shades: HAIR,
    sizes: ['8.5 fl oz', '13.5 fl oz'],
    price: [12, 34],
    shape: 'bottle',
    desc: 'Detangles and smooths without weighing hair down; protects against breakage.',
  },
  {
    path: 'Hair Care > Treatments > Hair Mask',
    count: 3,
    nouns: ['Hair Mask'],
    lines: ['Bond Repair', 'Deep Moisture', 'Strengthening'],
    shades: HAIR,
    sizes: ['6.7 oz', '8 oz'],
    price: [18, 42],
    shape: 'jar',
    desc: 'An intensive weekly mask that restores softness and strength to dry, damaged hair.',
  },
  {
    path: 'Hair Care > Treatments > Hair Oil',
    count: 4,
    nouns: ['Hair Oil', 'Hair Serum'],
    lines: ['Glossing', 'Frizz Control', 'Nourishing', 'Lightweight'],
    shades: HAIR,
    sizes: ['1.7 fl oz', '3.4 fl oz'],
    price: [18, 48],
    shape: 'dropper',
    desc: 'A few drops tame frizz, add mirror shine and protect against heat up to 230 °C.',
  },
  {
    path: 'Hair Care > Styling > Dry Shampoo',
    count: 3,
    nouns: ['Dry Shampoo'],
    lines: ['Invisible', 'Volume', 'Refresh'],
    shades: HAIR,
    sizes: ['3.4 oz', '5 oz'],
    price: [12, 28],
    shape: 'spray',
    desc: 'Absorbs oil and adds texture between washes, with no white residue.',
  },
  {
    path: 'Hair Care > Styling > Hair Spray',
    count: 3,
    nouns: ['Texturizing Spray', 'Flexible Hold Hair Spray', 'Sea Salt Spray'],
    lines: ['Beach Wave', 'All-Day', 'Light Touch'],
    shades: HAIR,
    sizes: ['5 fl oz', '8 fl oz'],
    price: [14, 32],
    shape: 'spray',
    desc: 'Brushable hold and lived-in texture that lasts all day without stiffness.',
  },

  {
    path: "Fragrance > Women's > Eau de Parfum",
    count: 8,
    nouns: ['Eau de Parfum'],
    lines: [''],
    shades: PERFUME,
    sizes: ['1.7 fl oz', '3.4 fl oz', '1 fl oz'],
    price: [58, 145],
    shape: 'perfume',
    desc: 'A long-lasting scent with a luminous opening, a floral heart and a warm, sensual base.',
  },
  {
    path: "Fragrance > Women's > Eau de Toilette",
    count: 6,
    nouns: ['Eau de Toilette'],
    lines: [''],
    shades: PERFUME,
    sizes: ['1.7 fl oz', '3.4 fl oz'],
    price: [42, 98],
    shape: 'perfume',
    desc: 'A light, airy interpretation of the signature scent, made for every day.',
  },
  {
    path: 'Fragrance > Unisex > Eau de Parfum',
    count: 5,
    nouns: ['Eau de Parfum'],
    lines: [''],
    shades: PERFUME,
    sizes: ['1.7 fl oz', '3.4 fl oz'],
    price: [68, 165],
    shape: 'perfume',
    desc: 'A gender-free composition of woods, spice and musk that evolves on the skin.',
  },
  {
    path: 'Fragrance > Body Mist > Body Mist',
    count: 3,
    nouns: ['Body Mist', 'Hair & Body Mist'],
    lines: [''],
    shades: PERFUME,
    sizes: ['8 fl oz', '5 fl oz'],
    price: [18, 36],
    shape: 'spray',
    desc: 'A refreshing all-over mist to layer with your favourite fragrance.',
  },
  {
    path: 'Fragrance > Travel Size > Rollerball',
    count: 2,
    nouns: ['Rollerball', 'Travel Spray'],
    lines: [''],
    shades: PERFUME,
    sizes: ['0.3 fl oz', '0.33 fl oz'],
    price: [22, 34],
    shape: 'wand',
    desc: 'Your signature scent in a pocket-size roll-on, perfect for touch-ups on the go.',
  },

  {
    path: 'Nails > Nail Polish > Nail Polish',
    count: 12,
    nouns: ['Nail Polish', 'Nail Lacquer'],
    lines: ['Long-Wear', 'Gel Shine', 'Quick Dry', 'Crème', 'Shimmer'],
    shades: NAIL,
    sizes: ['0.5 fl oz', '0.45 fl oz'],
    price: [8, 20],
    shape: 'polish',
    desc: 'Chip-resistant colour with a glossy, gel-like finish; 10-free formula, two coats for full opacity.',
  },
  {
    path: 'Nails > Nail Polish > Gel Polish',
    count: 4,
    nouns: ['Gel Polish'],
    lines: ['UV', 'Pro Gel', 'Soak-Off'],
    shades: NAIL,
    sizes: ['0.5 fl oz'],
    price: [12, 24],
    shape: 'polish',
    desc: 'Salon-grade gel colour that cures under a lamp and lasts up to three weeks.',
  },
  {
    path: 'Nails > Nail Care > Top Coat',
    count: 2,
    nouns: ['Top Coat'],
    lines: ['Glossy Quick Dry', 'Matte Finish', 'Gel Effect'],
    colors: ['#eef1f4', '#e7e4ee'],
    sizes: ['0.5 fl oz'],
    price: [9, 18],
    shape: 'polish',
    desc: 'Seals in colour, adds shine and dries to the touch in 60 seconds.',
  },
  {
    path: 'Nails > Nail Care > Base Coat',
    count: 2,
    nouns: ['Base Coat'],
    lines: ['Ridge Filling', 'Strengthening', 'Peel-Off'],
    colors: ['#f4e6ea', '#eef1f4'],
    sizes: ['0.5 fl oz'],
    price: [9, 18],
    shape: 'polish',
    desc: 'Smooths ridges and protects the nail so colour lasts longer.',
  },
  {
    path: 'Nails > Nail Care > Cuticle Oil',
    count: 2,
    nouns: ['Cuticle Oil'],
    lines: ['Nourishing', 'Almond', 'Jojoba'],
    colors: ['#e8c47a', '#f1d9a0'],
    sizes: ['0.5 fl oz', '0.25 fl oz'],
    price: [8, 18],
    shape: 'dropper',
    desc: 'Softens cuticles and conditions nails with a blend of plant oils and vitamin E.',
  },
  {
    path: 'Nails > Nail Care > Nail Polish Remover',
    count: 2,
    nouns: ['Nail Polish Remover'],
    lines: ['Acetone-Free', 'Gentle', 'Fast-Acting'],
    colors: ['#f4c9d4', '#cfe3ee'],
    sizes: ['4 fl oz', '6.7 fl oz'],
    price: [6, 14],
    shape: 'bottle',
    desc: 'Dissolves even glitter polish quickly without drying out nails.',
  },

  {
    path: 'Bath & Body > Body Care > Body Lotion',
    count: 5,
    nouns: ['Body Lotion', 'Body Cream', 'Body Butter'],
    lines: ['Silky', 'Shea Nourish', 'Daily Glow', 'Firming'],
    shades: SCENT,
    sizes: ['8.4 fl oz', '13.5 fl oz', '6.7 oz'],
    price: [12, 38],
    shape: 'pump',
    desc: 'A fast-absorbing lotion that leaves skin soft, supple and delicately scented all day.',
  },
  {
    path: 'Bath & Body > Bath & Shower > Shower Gel',
    count: 5,
    nouns: ['Shower Gel', 'Body Wash', 'Shower Oil'],
    lines: ['Gentle', 'Refreshing', 'Creamy', 'Aromatic'],
    shades: SCENT,
    sizes: ['8.4 fl oz', '16.9 fl oz'],
    price: [8, 26],
    shape: 'bottle',
    desc: 'A rich, gentle lather that cleanses without stripping, with a scent that lingers.',
  },
  {
    path: 'Bath & Body > Body Care > Body Scrub',
    count: 4,
    nouns: ['Body Scrub', 'Sugar Scrub', 'Salt Scrub'],
    lines: ['Polishing', 'Smoothing', 'Exfoliating'],
    shades: SCENT,
    sizes: ['7 oz', '10 oz'],
    price: [14, 34],
    shape: 'jar',
    desc: 'Buffs away dry skin and leaves a silky, moisturised finish behind.',
  },
  {
    path: 'Bath & Body > Hand & Foot > Hand Cream',
    count: 4,
    nouns: ['Hand Cream', 'Hand Balm'],
    lines: ['Intensive Repair', 'Softening', 'Daily'],
    shades: SCENT,
    sizes: ['1 fl oz', '2.5 fl oz'],
    price: [8, 26],
    shape: 'tube',
    desc: 'Non-greasy relief for dry hands that absorbs in seconds.',
  },
  {
    path: 'Bath & Body > Body Care > Body Oil',
    count: 3,
    nouns: ['Body Oil', 'Dry Oil'],
    lines: ['Radiant', 'Nourishing', 'Shimmer'],
    shades: SCENT,
    sizes: ['3.4 fl oz', '1.7 fl oz'],
    price: [18, 48],
    shape: 'dropper',
    desc: 'A featherlight blend of botanical oils for glowing, deeply nourished skin.',
  },
  {
    path: 'Bath & Body > Bath & Shower > Bath Salts',
    count: 3,
    nouns: ['Bath Salts', 'Bath Soak'],
    lines: ['Relaxing', 'Detox', 'Muscle Soothe'],
    shades: SCENT,
    sizes: ['16 oz', '10 oz'],
    price: [12, 30],
    shape: 'jar',
    desc: 'Mineral-rich salts and essential oils to turn any bath into a spa ritual.',
  },
];

interface Brand {
  name: string;
  tops: string[];
  priceFactor: number;
  cap: string;
  label: string;
}

/** Fictional brands; each sells in a few top categories, as real brands do. */
const BRANDS: Brand[] = [
  { name: 'Aurelle', tops: ['Makeup', 'Fragrance'], priceFactor: 1.3, cap: '#c9a45c', label: '#fffaf0' },
  { name: 'Velvetine', tops: ['Makeup', 'Nails'], priceFactor: 1.0, cap: '#1d1b1f', label: '#ffffff' },
  { name: 'Nordbloom', tops: ['Skin Care', 'Bath & Body'], priceFactor: 0.95, cap: '#f4f1ec', label: '#ffffff' },
  { name: 'Solenne', tops: ['Skin Care', 'Makeup'], priceFactor: 1.15, cap: '#b9bcc2', label: '#ffffff' },
  { name: 'Kora Botanics', tops: ['Hair Care', 'Bath & Body'], priceFactor: 0.9, cap: '#8a6a4a', label: '#f7f1e6' },
  { name: 'Maison Clair', tops: ['Fragrance', 'Bath & Body'], priceFactor: 1.2, cap: '#2b2a33', label: '#f7f3ea' },
  { name: 'Petal & Pine', tops: ['Bath & Body', 'Hair Care'], priceFactor: 0.85, cap: '#4f6b4f', label: '#f3f6ef' },
  { name: 'Lacquer Lab', tops: ['Nails'], priceFactor: 0.9, cap: '#9aa3ad', label: '#ffffff' },
  { name: 'Dermaveil', tops: ['Skin Care'], priceFactor: 1.05, cap: '#ffffff', label: '#eef4f8' },
  { name: 'Rêverie', tops: ['Fragrance', 'Makeup'], priceFactor: 1.1, cap: '#d4a291', label: '#fff7f3' },
  { name: 'Tressa', tops: ['Hair Care'], priceFactor: 1.0, cap: '#23304a', label: '#ffffff' },
  { name: 'Coralie', tops: ['Nails', 'Makeup'], priceFactor: 0.8, cap: '#e9a3b5', label: '#ffffff' },
];

/**
 * Builds the catalog and its images in memory.
 * @param seed PRNG seed; the same seed gives byte-identical output.
 * @returns the products (ids p001..p144, grouped by category) and one SVG per product id.
 */
export function generateCatalog(seed = DEFAULT_SEED): { items: CatalogItem[]; svgs: Map<string, string> } {
  const rng = mulberry32(seed);
  // Stock draws from a PRNG of its own, so that every other field stays what it was before stock was added.
  const stock = mulberry32(seed ^ 0x570c);
  const items: CatalogItem[] = [];
  const svgs = new Map<string, string>();
  const titles = new Set<string>();
  const catalogDay = Date.parse(CATALOG_DATE);

  for (const type of TYPES) {
    const top = type.path.split(' > ')[0];
    const brands = BRANDS.filter((b) => b.tops.includes(top));
    for (let n = 0; n < type.count; n++) {
      let title = '';
      let brand = brands[0];
      let shade: Shade | undefined;
      let noun = '';
      let size = '';
      for (let attempt = 0; attempt < 100; attempt++) {
        brand = pick(rng, brands);
        noun = pick(rng, type.nouns);
        const line = pick(rng, type.lines);
        shade = type.shades ? pick(rng, type.shades) : undefined;
        size = pick(rng, type.sizes);
        // A perfume's scent is its name; other shades go after the product name, as shops list them.
        title =
          type.shape === 'perfume' || top === 'Fragrance'
            ? `${brand.name} ${shade?.name} ${noun}, ${size}`
            : `${brand.name} ${line} ${noun}${shade ? `, ${shade.name}` : ''}, ${size}`;
        if (!titles.has(title)) break;
      }
      titles.add(title);
      const id = `p${String(items.length + 1).padStart(3, '0')}`;
      const color = shade?.color ?? pick(rng, type.colors ?? ['#e8e2da']);
      const raw = (type.price[0] + rng() * (type.price[1] - type.price[0])) * brand.priceFactor;
      const ending = rng();
      const price = Math.max(5, Math.round(raw)) + (ending < 0.35 ? -0.05 : ending < 0.5 ? 0.5 : 0);
      const daysAgo = Math.floor(rng() ** 1.6 * 240);
      const item: CatalogItem = {
        id,
        title,
        brand: brand.name,
        category: type.path,
        price: Math.round(price * 100) / 100,
        image: `img/${id}.svg`,
        color,
        ...(shade ? { shade: shade.name } : {}),
        size,
        description: type.desc,
        rating: Math.round((3.7 + rng() * 1.25) * 10) / 10,
        reviews: Math.round(8 * Math.exp(rng() * 5.8)),
        added: new Date(catalogDay - daysAgo * 86_400_000).toISOString().slice(0, 10),
        url: `#/p/${id}`,
        availability: stock() < 0.06 ? 'out_of_stock' : 'in_stock',
      };
      items.push(item);
      svgs.set(id, productSvg(type.shape, color, brand, noun));
    }
  }
  return { items, svgs };
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Linear mix of two hex colours; t = 0 gives a, t = 1 gives b. */
function mix(a: string, b: string, t: number): string {
  const x = hexToRgb(a);
  const y = hexToRgb(b);
  return `#${x
    .map((v, i) =>
      Math.round(v + (y[i] - v) * t)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

function luminance(hex: string): number {
  const [r, g, b] = hexToRgb(hex);
  return (0.299 * r + 0.587 * g + 0.114 * b) / 255;
}

/** A shape drawn in its colour, then again with the shared shading gradient for a rounded look. */
const solid = (el: string, fill: string): string => `<${el} fill="${fill}"/><${el} fill="url(#g)"/>`;
const rect = (x: number, y: number, w: number, h: number, r = 0): string =>
  `rect x="${x}" y="${y}" width="${w}" height="${h}"${r ? ` rx="${r}"` : ''}`;

function label(x: number, y: number, w: number, h: number, brand: Brand): string {
  const full = brand.name.toUpperCase();
  const fit = (t: string): number => Math.min(9, (w - 8) / (t.length * 0.62));
  const text = (fit(full) >= 5.5 ? full : full.split(' ')[0]).replace('&', '&amp;');
  const size = fit(text);
  return `<${rect(x, y, w, h, 2)} fill="${brand.label}" opacity=".92"/><text x="${x + w / 2}" y="${y + h / 2 + size * 0.36}" font-size="${size.toFixed(1)}" text-anchor="middle" fill="#3a3336" font-family="Helvetica,Arial,sans-serif" letter-spacing=".6">${text}</text>`;
}

function productSvg(shape: Shape, color: string, brand: Brand, noun: string): string {
  const bg = mix(color, '#ffffff', luminance(color) > 0.8 ? 0.55 : 0.82);
  const cap = brand.cap;
  let body: string;
  switch (shape) {
    case 'lipstick':
      body =
        solid('path d="M88 92V58l24-12v46z"', color) +
        solid(rect(84, 88, 32, 26, 2), mix(cap, '#ffffff', 0.25)) +
        solid(rect(80, 112, 40, 60, 3), cap);
      break;
    case 'wand':
      body =
        solid(rect(89, 28, 22, 70, 4), cap) +
        solid(rect(86, 96, 28, 76, 7), color) +
        `<${rect(86, 96, 28, 6)} fill="${mix(cap, '#000000', 0.15)}"/>`;
      break;
    case 'compact':
      body =
        solid('circle cx="100" cy="112" r="56"', cap) +
        solid('circle cx="100" cy="112" r="42"', color) +
        `<circle cx="86" cy="98" r="14" fill="#fff" opacity=".18"/>`;
      break;
    case 'palette': {
      const pans = [0.35, 0.15, 0, -0.25, -0.45, 0.55].map(
        (t, i) =>
          `<${rect(50 + (i % 3) * 35, 78 + Math.floor(i / 3) * 38, 30, 32, 4)} fill="${t >= 0 ? mix(color, '#ffffff', t) : mix(color, '#000000', -t)}"/>`,
      );
      body = solid(rect(40, 66, 120, 96, 8), cap) + pans.join('');
      break;
    }
    case 'dropper':
      body =
        solid('ellipse cx="100" cy="52" rx="11" ry="16"', '#2d2a2e') +
        solid(rect(88, 64, 24, 30, 2), cap) +
        solid(rect(72, 92, 56, 80, 10), color) +
        label(78, 118, 44, 26, brand);
      break;
    case 'pump':
      body =
        solid(rect(84, 40, 48, 10, 3), cap) +
        solid(rect(94, 48, 12, 24), cap) +
        solid(rect(88, 70, 24, 14, 2), cap) +
        solid(rect(68, 82, 64, 90, 12), color) +
        label(74, 112, 52, 30, brand);
      break;
    case 'jar':
      body = solid(rect(54, 90, 92, 24, 5), cap) + solid(rect(50, 112, 100, 60, 14), color) + label(62, 128, 76, 26, brand);
      break;
    case 'tube':
      body =
        solid('path d="M66 32h68l-14 118H80z"', color) +
        `<${rect(64, 28, 72, 8, 1)} fill="${mix(color, '#000000', 0.12)}"/>` +
        solid(rect(82, 148, 36, 24, 4), cap) +
        label(78, 70, 44, 30, brand);
      break;
    case 'bottle':
      body = solid(rect(82, 36, 36, 26, 5), cap) + solid(rect(66, 58, 68, 114, 16), color) + label(72, 96, 56, 36, brand);
      break;
    case 'perfume':
      body =
        solid(rect(80, 38, 40, 34, 3), cap) +
        `<${rect(92, 70, 16, 14)} fill="${mix(cap, '#000000', 0.2)}"/>` +
        solid(rect(58, 82, 84, 90, 12), color) +
        `<${rect(66, 90, 68, 74, 8)} fill="#fff" opacity=".14"/>` +
        label(74, 116, 52, 24, brand);
      break;
    case 'polish':
      body =
        solid(rect(87, 30, 26, 74, 4), cap) +
        solid(rect(68, 100, 64, 72, 14), color) +
        `<${rect(76, 108, 10, 52, 5)} fill="#fff" opacity=".3"/>`;
      break;
    case 'spray':
      body =
        solid(rect(92, 30, 14, 10, 2), '#2d2a2e') +
        solid('path d="M76 60q24-26 48 0z"', cap) +
        solid(rect(74, 58, 52, 114, 8), color) +
        label(78, 96, 44, 40, brand);
      break;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" role="img" aria-label="${escapeXml(noun)}">` +
    '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff" stop-opacity=".35"/><stop offset=".45" stop-color="#fff" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity=".16"/></linearGradient></defs>' +
    `<rect width="200" height="200" fill="${bg}"/><ellipse cx="100" cy="173" rx="56" ry="6" fill="#000" opacity=".1"/>${body}</svg>\n`
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/** One product per line keeps diffs of the generated file readable. */
export function formatCatalog(items: CatalogItem[]): string {
  return `[\n${items.map((item) => `  ${JSON.stringify(item)}`).join(',\n')}\n]\n`;
}

function main(): void {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, out: { type: 'string' } } });
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  const out = values.out ?? 'demo';
  const { items, svgs } = generateCatalog(seed);
  mkdirSync(join(out, 'img'), { recursive: true });
  writeFileSync(join(out, 'catalog.json'), formatCatalog(items));
  for (const [id, svg] of svgs) writeFileSync(join(out, 'img', `${id}.svg`), svg);
  console.log(`wrote ${items.length} products and ${svgs.size} images to ${out}/`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
