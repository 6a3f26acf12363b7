export { findRootDir, uiRoutes, type UiRoutesOptions } from './uiRoutes.ts';
export { importMap, vendorBrowserFiles, vendorFiles } from './vendorFiles.ts';
