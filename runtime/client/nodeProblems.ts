import { callNode } from './nodeClient.ts';

/**
 * Of what the node says keeps it from its work (`GET /v1/health`'s problems), those of `codes`:
 * why what a client waits for does not come. None when the node does not say within 2 s.
 * @example const problems = await problemsOf(url, ['CONSENSUS_STALLED']); // [{ code, message }]
 */
export async function problemsOf(nodeUrl: string, codes: readonly string[]): Promise<{ code: string; message: string }[]> {
  try {
    const { problems = [] } = await callNode<{ problems?: { code: string; message: string }[] }>(nodeUrl, 'GET', '/v1/health', undefined, { timeoutMs: 2_000 });
    return problems.filter(({ code }) => codes.includes(code));
  } catch {
    return [];
  }
}

/** The problems as sentences after a refusal's own: ` The node says CODE: message.` each. */
export const saidBy = (problems: readonly { code: string; message: string }[]): string =>
  problems.map(({ code, message }) => ` The node says ${code}: ${message}`).join('');
