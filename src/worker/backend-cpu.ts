/** The cpu backend's code, in a chunk of its own (reco.worker.backend-cpu.*.js): loaded only when it is tried. */
import '@tensorflow/tfjs-backend-cpu';
