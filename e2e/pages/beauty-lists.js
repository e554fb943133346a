// Two listings with no product in common, in the shop's order (listing.html; pdp.html shows list b as related products).
var LISTS = {
  a: [
    ['a1', 'Aurelle Longwear Lipstick, Mauve Mist', 'Aurelle', 'Makeup > Lips > Lipstick'],
    ['a2', 'Tressa Volumizing Shampoo, Biotin, 8.5 fl oz', 'Tressa', 'Hair Care > Shampoo & Conditioner > Shampoo'],
    ['a3', 'Nordbloom Oil-Free Face Cream, 1.7 oz', 'Nordbloom', 'Skin Care > Moisturizers > Face Cream'],
    ['a4', 'Tressa Repair Conditioner, Argan Oil, 8.5 fl oz', 'Tressa', 'Hair Care > Shampoo & Conditioner > Conditioner'],
    ['a5', 'Coralie Quick Dry Nail Lacquer, Scarlet Kiss', 'Coralie', 'Nails > Nail Polish > Nail Polish'],
    ['a6', 'Maison Clair Amber Nuit Eau de Parfum, 1 fl oz', 'Maison Clair', "Fragrance > Women's > Eau de Parfum"],
  ],
  b: [
    ['b1', 'Velvetine Sheer Balm Lipstick, Brick Red', 'Velvetine', 'Makeup > Lips > Lipstick'],
    ['b2', 'Dermaveil Rich Nourishing Gel Cream, 1.7 fl oz', 'Dermaveil', 'Skin Care > Moisturizers > Face Cream'],
    ['b3', 'Coralie Quick Dry Nail Polish, Sunset Orange', 'Coralie', 'Nails > Nail Polish > Nail Polish'],
    ['b4', 'Rêverie Jasmin de Nuit Eau de Parfum, 1 fl oz', 'Rêverie', "Fragrance > Women's > Eau de Parfum"],
    ['b5', 'Nordbloom Shea Nourish Body Cream, Eucalyptus', 'Nordbloom', 'Bath & Body > Body Care > Body Lotion'],
    ['b6', 'Tressa Smoothing Shampoo, Keratin, 13.5 fl oz', 'Tressa', 'Hair Care > Shampoo & Conditioner > Shampoo'],
    ['b7', 'Tressa Volumizing Conditioner, Biotin, 8.5 fl oz', 'Tressa', 'Hair Care > Shampoo & Conditioner > Conditioner'],
    ['b8', 'Petal & Pine Moisture Rich Shampoo, Tea Tree', 'Petal & Pine', 'Hair Care > Shampoo & Conditioner > Shampoo'],
  ],
};
