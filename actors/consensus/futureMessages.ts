import type { ConsensusState, FutureMessage } from './consensusTypes.ts';

function signerOf(message: FutureMessage): string {
  return message.type === 'vote' ? message.vote.from : message.proposal.proposer;
}

function heightOf(message: FutureMessage): number {
  return message.type === 'vote' ? message.vote.height : message.proposal.height;
}

function sameMessage(a: FutureMessage, b: FutureMessage): boolean {
  if (a.type === 'vote' && b.type === 'vote') {
    const [x, y] = [a.vote, b.vote];
    return x.round === y.round && x.kind === y.kind && x.from === y.from && x.hash === y.hash && x.height === y.height;
  }
  if (a.type === 'proposal' && b.type === 'proposal') {
    const [x, y] = [a.proposal, b.proposal];
    return x.round === y.round && x.proposer === y.proposer && x.block.hash === y.block.hash && x.height === y.height && x.validRound === y.validRound;
  }
  return false;
}

/**
 * Holds a message for the next height until the node gets there; later heights are dropped (the
 * runtime's catch-up brings their blocks with certificates). Bounded in all and per signer, whose
 * oldest message makes room for its newest: a peer's newest round is the one that matters, and
 * one peer can never crowd out the others.
 */
export function holdFuture(state: ConsensusState, message: FutureMessage): ConsensusState {
  if (heightOf(message) !== state.height + 1) return state;
  if (state.future.some((held) => sameMessage(held, message))) return state;
  const signer = signerOf(message);
  let future = state.future;
  const mine = future.filter((held) => signerOf(held) === signer);
  if (mine.length >= state.config.futureMessagesPerSignerMax) {
    const oldest = mine[0];
    future = future.filter((held) => held !== oldest);
  }
  if (future.length >= state.config.futureMessagesMax) return state;
  return { ...state, future: [...future, message] };
}

/** The held messages for `height`, in arrival order, and the state without them or anything older. */
export function takeFuture(state: ConsensusState, height: number): { readonly state: ConsensusState; readonly messages: readonly FutureMessage[] } {
  const messages = state.future.filter((held) => heightOf(held) === height);
  const future = state.future.filter((held) => heightOf(held) > height);
  return { state: { ...state, future }, messages };
}
