export { applyReadModels, type ReadModelChange } from './applyReadModels.ts';
export { jobDashboardView, type JobDashboardView } from './jobDashboardView.ts';
export { readModelDifferences, type ReadModelDifference } from './readModelDifferences.ts';
export { createReadModels, loadReadModels, snapshotReadModels, type ReadModels, type ReadModelsSnapshot } from './readModels.ts';
