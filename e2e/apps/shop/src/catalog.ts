/** The shop's products, as its own code has them. */
export interface Product {
  sku: string;
  title: string;
  brand: string;
  category: string;
  price: number;
}

export const PRODUCTS: Product[] = [
  {
    sku: 'p003',
    title: 'Velvetine Velvet Matte Lipstick, Cherry Noir, 0.12 oz',
    brand: 'Velvetine',
    category: 'Makeup > Lips > Lipstick',
    price: 21,
  },
  { sku: 'p004', title: 'Solenne Sheer Balm Lipstick, Toffee, 0.14 oz', brand: 'Solenne', category: 'Makeup > Lips > Lipstick', price: 37 },
  {
    sku: 'p027',
    title: 'Dermaveil Daily Hydrating Face Cream, 1.7 fl oz',
    brand: 'Dermaveil',
    category: 'Skin Care > Moisturizers > Face Cream',
    price: 58.95,
  },
  {
    sku: 'p051',
    title: 'Petal & Pine Moisture Rich Shampoo, Rosemary & Mint',
    brand: 'Petal & Pine',
    category: 'Hair Care > Shampoo & Conditioner > Shampoo',
    price: 21.5,
  },
  {
    sku: 'p052',
    title: 'Kora Botanics Scalp Balance Shampoo, Biotin',
    brand: 'Kora Botanics',
    category: 'Hair Care > Shampoo & Conditioner > Shampoo',
    price: 26,
  },
  {
    sku: 'p099',
    title: 'Velvetine Shimmer Nail Polish, Champagne, 0.5 fl oz',
    brand: 'Velvetine',
    category: 'Nails > Nail Polish > Nail Polish',
    price: 19.95,
  },
  {
    sku: 'p123',
    title: 'Kora Botanics Shea Nourish Body Cream, Fig & Cedar',
    brand: 'Kora Botanics',
    category: 'Bath & Body > Body Care > Body Lotion',
    price: 12.5,
  },
  {
    sku: 'p075',
    title: 'Maison Clair Amber Nuit Eau de Parfum, 1 fl oz',
    brand: 'Maison Clair',
    category: "Fragrance > Women's > Eau de Parfum",
    price: 96.95,
  },
  {
    sku: 'p076',
    title: 'Maison Clair Poivre Rose Eau de Parfum, 1.7 fl oz',
    brand: 'Maison Clair',
    category: "Fragrance > Women's > Eau de Parfum",
    price: 150.5,
  },
  {
    sku: 'p077',
    title: 'Aurelle Rose Absolue Eau de Parfum, 1 fl oz',
    brand: 'Aurelle',
    category: "Fragrance > Women's > Eau de Parfum",
    price: 165,
  },
  {
    sku: 'p078',
    title: 'Rêverie Rose Absolue Eau de Parfum, 3.4 fl oz',
    brand: 'Rêverie',
    category: "Fragrance > Women's > Eau de Parfum",
    price: 89.5,
  },
  {
    sku: 'p079',
    title: 'Maison Clair Figue Blanche Eau de Parfum, 1.7 fl oz',
    brand: 'Maison Clair',
    category: "Fragrance > Women's > Eau de Parfum",
    price: 88,
  },
];
