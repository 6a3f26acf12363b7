export { applyReputationEvents } from './applyReputationEvents.ts';
export { eloExpectedScore, eloRankingDeltas, ratingDecimals, roundRating } from './elo.ts';
export {
  createReputation,
  loadReputation,
  snapshotReputation,
  type JobReputation,
  type NodeReputation,
  type ReputationOptions,
  type ReputationState,
} from './reputationState.ts';
export { childrenOf, parentOf, reputationOf, type JobReputationEntry } from './rtree.ts';
export {
  applyRatingHistory,
  createRatingHistory,
  ratingHistoryOf,
  type RatedEntry,
  type RatingHistory,
  type RatingHistoryOptions,
  type RatingPoint,
} from './ratingHistory.ts';
