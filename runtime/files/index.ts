/** runtime/files: writing a file so that a crash leaves the old one or the whole new one. */
export { writeFileAtomic } from './atomicFile.ts';
export { readJsonFile, type JsonFileProblem } from './jsonFile.ts';
