export { explainJob } from './explainJob.ts';
export { explainRequest } from './explainRequest.ts';
export type {
  Awaiting,
  DeadlineView,
  ExplainInput,
  JobExplanation,
  NodeStanding,
  Reason,
  ReasonKind,
  Refusals,
  RefusedView,
  RequestExplanation,
  RoleStanding,
} from './explanation.ts';
