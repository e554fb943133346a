/** The webgl backend's code, in a chunk of its own (reco.worker.backend-webgl.*.js): loaded only when it is tried. */
import '@tensorflow/tfjs-backend-webgl';
