/** The webgpu backend's code, in a chunk of its own (reco.worker.backend-webgpu.*.js): loaded only when it is tried. */
import '@tensorflow/tfjs-backend-webgpu';
