// The products of the Vue fixtures (vue.html, vue-composable.html), as the shop's app has them.
window.PRODUCTS = [
  { sku: 'v01', title: 'Velvet Matte Lipstick, Cherry', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick', price: 24 },
  { sku: 'v02', title: 'Volume Mascara, Black', brand: 'Lumière', category: 'Makeup > Eyes > Mascara', price: 18 },
  { sku: 'v03', title: 'Argan Oil Repair Shampoo', brand: 'Nordhaar', category: 'Hair Care > Shampoo', price: 12 },
  { sku: 'v04', title: 'Hydrating Day Cream SPF 30', brand: 'Solenne', category: 'Skin Care > Face > Moisturizers', price: 31 },
  { sku: 'v05', title: 'Gel Nail Polish, Coral', brand: 'Ongle', category: 'Makeup > Nails > Nail Polish', price: 9 },
  { sku: 'v06', title: 'Rose Eau de Parfum Spray', brand: 'Maison Ambre', category: 'Fragrance > Women > Eau de Parfum', price: 64 },
  { sku: 'v07', title: 'Oud Eau de Parfum Spray', brand: 'Maison Ambre', category: 'Fragrance > Women > Eau de Parfum', price: 72 },
  { sku: 'v08', title: 'Vanilla Eau de Toilette Spray', brand: 'Maison Ambre', category: 'Fragrance > Women > Eau de Toilette', price: 45 },
];
