/**
 * bundler-assets.mjs imports './reco.datalayer.mjs': in dist/ the build writes that file (the readers alone); here in
 * src/, where the unit tests import bundler-assets.mjs, it is the source module.
 */
export { readDataLayer, readMatomo } from './main/datalayer-read.ts';
