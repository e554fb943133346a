import { expect, test, type BrowserPage } from './helpers/test.ts';
import { listenToReco, waitForRanked, waitForReady } from './helpers/reco.ts';

declare global {
  interface Window {
    swiper: { slides: HTMLElement[]; realIndex: number };
  }
}

/** The carousel as the shopper sees it: the slides in view, left to right, and what Swiper makes of them. */
const carousel = (tab: BrowserPage) =>
  tab.evaluate(() => {
    const box = document.querySelector('.carousel')!.getBoundingClientRect();
    const slides = [...document.querySelectorAll<HTMLElement>('.carousel [data-reco-id]')];
    return {
      dom: slides.map((el) => el.dataset.recoId!),
      inView: slides
        .map((el) => ({ id: el.dataset.recoId!, box: el.getBoundingClientRect() }))
        .filter(({ box: r }) => r.left >= box.left - 1 && r.right <= box.right + 1)
        .sort((a, b) => a.box.left - b.box.left)
        .map((s) => s.id),
      swiperSlides: window.swiper.slides.map((el) => el.dataset.recoId!),
      active: document.querySelector<HTMLElement>('.swiper-slide-active')?.dataset.recoId,
      realIndex: window.swiper.realIndex,
    };
  });

for (const [loop, element] of [
  [false, false],
  [true, false],
  [true, true],
]) {
  test(`a product carousel (Swiper${element ? ' Element' : ''}${loop ? ', loop mode' : ''}) on a repeat view: shown in the shopper's order, and it turns through every slide in that order${loop ? ', round and round' : ''}`, async ({
    tab,
  }) => {
    await listenToReco(tab);
    // The shopper opens the two Tressa hair-care products of one listing; the next page shows other products in a carousel.
    await tab.goto('/e2e/pages/listing.html?list=a');
    await waitForReady(tab);
    for (const id of ['a2', 'a4']) await tab.click(`[data-reco-id="${id}"]`);
    await tab.goto(`/e2e/pages/carousel.html?${loop ? 'loop&' : ''}${element ? 'element' : ''}`);
    await waitForReady(tab);
    const { order } = await waitForRanked(tab, 'carousel');
    await tab.waitForFunction(() => !document.querySelector('[data-reco-pending]'), undefined, { timeout: 10_000 });
    expect(order.slice(0, 3), 'the hair care the shopper opened first').toEqual(expect.arrayContaining(['b6', 'b7']));
    // Swiper laid out in the new order: its slides, its active slide and its count (pagination) start from the shopper's first.
    const first = await carousel(tab);
    expect(first).toEqual({ dom: order, inView: order.slice(0, 3), swiperSlides: order, active: order[0], realIndex: 0 });

    // The shopper turns it forward and back: one slide further each time, every slide in the shopper's order; in loop
    // mode Swiper moves slides from one end to the other as it turns, and Reco leaves them where it puts them.
    const n = order.length;
    const steps = loop ? n + 2 : n - 3;
    const windowAt = (k: number) => [0, 1, 2].map((j) => order[(((k + j) % n) + n) % n]);
    for (let k = 1; k <= steps; k++) {
      await tab.click('.swiper-button-next');
      await expect.poll(async () => (await carousel(tab)).inView, { message: `after ${k} turns forward` }).toEqual(windowAt(k));
    }
    for (let k = steps - 1; k >= (loop ? -2 : 0); k--) {
      await tab.click('.swiper-button-prev');
      await expect.poll(async () => (await carousel(tab)).inView, { message: `back to ${k}` }).toEqual(windowAt(k));
    }
    const last = await carousel(tab);
    expect(last.active).toBe(windowAt(loop ? -2 : 0)[0]);
    expect(last.realIndex).toBe(loop ? n - 2 : 0);
    expect(last.swiperSlides).toEqual(last.dom);
    expect(await tab.evaluate(() => [...window.__reco.errors, ...window.__reco.consoleErrors])).toEqual([]);
  });
}
