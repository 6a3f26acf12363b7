export { applyDashboardEvents } from './applyDashboardEvents.ts';
export {
  createDashboard,
  loadDashboard,
  snapshotDashboard,
  type DashboardOptions,
  type DashboardState,
  type JobDashboard,
  type LatencyStats,
  type NodeDashboard,
} from './dashboardState.ts';
export { statsLine } from './statsLine.ts';
export { percentileOf } from './windows.ts';
