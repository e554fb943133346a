/** The attribute on a grid (or item) that the anti-flicker guard holds hidden until ranked (main/grid/antiflicker.ts). */
export const HELD = 'data-reco-pending';
