import { createHash } from 'node:crypto';

/**
 * A gossip message's id: SHA-256 of its topic and its bytes. Ids by content make identical bytes
 * published twice, or by two nodes, one message that every node delivers once; the topic is in
 * the id so the same bytes on two topics stay two messages.
 * @example messageIdOf('/ain/1/ain-local/txs', bytes).length // 32
 */
export function messageIdOf(topic: string, data: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(topic)
    .update(new Uint8Array([0]))
    .update(data)
    .digest();
}

export function messageIdText(topic: string, data: Uint8Array): string {
  return Buffer.from(messageIdOf(topic, data)).toString('hex');
}
