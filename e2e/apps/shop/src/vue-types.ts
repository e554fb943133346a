// The Vue binding's types as a strict Vue app uses them (compiled by the type test, not run).
import { ref, type Ref } from 'vue';
import { useRanked, type UseRankedOptions } from 'reco-sdk/vue';

interface Product {
  sku: string;
  title: string;
  price: number;
}
const products = ref<Product[]>([]);
const options: UseRankedOptions<Product> = { id: (p) => p.sku, features: (p) => ({ title: p.title, price: p.price }) };
export const ordered: Readonly<Ref<readonly Product[]>> = useRanked(products, options);
export const fromGetter = useRanked(() => products.value, { id: (p) => p.sku });
export const fromArray = useRanked(['a', 'b']);
