export { ALLOWED_GLOBAL_NAMES, ELEMENT_SIZE, PyTuple, TorchPickleError, TorchStorage, TorchTensor, UnsafePickleError, unpickle } from './unpickler.js';
export type { TorchDtype, UnpickleOptions, UnpickleResult } from './unpickler.js';
export { loadTorchBytes, loadTorchFile, tensorData } from './load.js';
export type { TensorData, TorchFile } from './load.js';
export { ZipArchive, isZip } from './zip.js';
