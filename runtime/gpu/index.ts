export {
  acceleratorLimits,
  createAccelerator,
  type Accelerator,
  type AcceleratorMode,
  type AcceleratorRequest,
  type DescendParameters,
  type MultiplyParameters,
  type SampleRootParameters,
} from './accelerator.ts';
export { descendJs, multiplyJs, sampleRootJs } from './reference.ts';
export { failProgram, runKernelProgram } from './kernelProgram.ts';
