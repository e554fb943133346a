/**
 * Reco's named errors, in one place. comlink carries an error's `name`, `message` and `stack` from the
 * worker to the page, but not its class: branch on `err.name` (a {@link RecoErrorName}), never on `instanceof`.
 * Invalid options and arguments are plain `TypeError`s naming the field.
 */

/** The names of Reco's own errors, as `err.name` carries them. */
export const RECO_ERROR_NAMES = [
  'ModelError',
  'WorkerCrashedError',
  'EngineTimeoutError',
  'GridConfigError',
  'NoBackendError',
  'StorageError',
  'CatalogError',
] as const;
export type RecoErrorName = (typeof RECO_ERROR_NAMES)[number];

/** Missing, unreachable or corrupt model files; the message names the file and what is wrong with it. */
export class ModelError extends Error {
  override readonly name: RecoErrorName = 'ModelError';
}

/** The worker could not start, crashed, or stopped answering; after a second failure personalization is off. */
export class WorkerCrashedError extends Error {
  override readonly name: RecoErrorName = 'WorkerCrashedError';
}

/** The worker is alive (it answers a status check) but did not answer one call in time; that call gets no result. */
export class EngineTimeoutError extends Error {
  override readonly name: RecoErrorName = 'EngineTimeoutError';
}

/** A `grids` description that fails on this page (a selector that throws, a function that throws, broken JSON-LD). */
export class GridConfigError extends Error {
  override readonly name: RecoErrorName = 'GridConfigError';
}

/** None of the tfjs backends asked for could start in the worker; the message lists them and why each failed. */
export class NoBackendError extends Error {
  override readonly name: RecoErrorName = 'NoBackendError';
}

/** Events could not be stored (the quota is full even after evicting the oldest, or the database was closed); the message says which. */
export class StorageError extends Error {
  override readonly name: RecoErrorName = 'StorageError';
}

/** The shop's catalog feed (`catalogUrl`) could not be used (unreachable, not JSON); placements draw from the items seen. */
export class CatalogError extends Error {
  override readonly name: RecoErrorName = 'CatalogError';
}

/**
 * A write of the page's that the page's going away aborted (pagehide: see src/shared/store.ts): not stored now. Events
 * stay journaled for the next page view (or for this one, back from the back/forward cache); item features and
 * snapshots are written again when next computed. A kind of StorageError (its `name`), never reported. Told by
 * {@link isPageLeft}, not `instanceof`.
 */
export class PageLeftError extends StorageError {
  readonly pageLeft = true;
}

/** Whether `err` is a {@link PageLeftError}: by its mark, since reco.js and reco.engine.js each bundle this file. */
export const isPageLeft = (err: unknown): boolean => (err as { pageLeft?: unknown } | null)?.pageLeft === true;
