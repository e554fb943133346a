/**
 * Kernels the tfjs wasm backend lacks and training needs.
 * The gradient of tf.gather is UnsortedSegmentSum, not registered on wasm (it throws) and very slow on
 * cpu; a plain JS loop that adds rows into the output is orders of magnitude faster than either fallback.
 * The wasm GatherV2 itself is slow for row lookups, far slower than a JS row copy, so axis-0 gathers of
 * float32 rows get a JS kernel too.
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  readSync(dataId: object): tf.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

let registered = false;

/** Registers UnsortedSegmentSum on the wasm backend (idempotent). */
export function registerWasmKernels(): void {
  if (registered || tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  registered = true;
  const wasmGather = tf.getKernel('GatherV2', 'wasm');
  if (wasmGather) {
    tf.unregisterKernel('GatherV2', 'wasm');
    tf.registerKernel({
      kernelName: 'GatherV2',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
        const x = args.inputs['x'] as tf.TensorInfo;
        if (axis !== 0 || batchDims !== 0 || x.dtype !== 'float32') return wasmGather.kernelFunc(args);
        const b = args.backend as unknown as WasmBackendLike;
        const indices = args.inputs['indices'] as tf.TensorInfo;
        const inner = x.shape.slice(1).reduce((a, c) => a * c, 1);
        const xs = b.readSync(x.dataId) as Float32Array;
        const ids = b.readSync(indices.dataId) as Int32Array;
        const out = b.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
        const o = b.typedArrayFromHeap(out) as Float32Array;
        for (let r = 0; r < ids.length; r++) o.set(xs.subarray(ids[r]! * inner, ids[r]! * inner + inner), r * inner);
        return out;
      },
    });
  }
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as unknown as WasmBackendLike;
      const x = inputs['x'] as tf.TensorInfo;
      const segmentIds = inputs['segmentIds'] as tf.TensorInfo;
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const inner = x.shape.slice(1).reduce((a, c) => a * c, 1);
      const xs = b.readSync(x.dataId) as Float32Array;
      const ids = b.readSync(segmentIds.dataId) as Int32Array;
      const out = b.makeOutput([numSegments, ...x.shape.slice(1)], 'float32');
      const o = b.typedArrayFromHeap(out) as Float32Array;
      o.fill(0);
      for (let r = 0; r < ids.length; r++) {
        const seg = ids[r]!;
        if (seg < 0 || seg >= numSegments) continue;
        const src = r * inner;
        const dst = seg * inner;
        for (let k = 0; k < inner; k++) o[dst + k]! += xs[src + k]!;
      }
      return out;
    },
  });
}
