// The business phone numbers of a benchmark run. Meta caps each number's messages per second
// (1,000 at the top tier, inbound and outbound counted: PROTOCOL.md §8), so a business answering
// more than a few hundred conversations a second spreads them over several numbers, and a run
// over one number measures Meta's cap instead of Parley.

/** `count` phone number ids, the first being the one the default bot answers on. */
export function benchPhoneNumbers(count: number): string[] {
  return Array.from({ length: Math.max(1, count) }, (_, i) => String(100000000000777n + BigInt(i)));
}

/** The number a user writes to: users are dealt round-robin over the numbers by their id. */
export function numberOfUser(waId: string, numbers: readonly string[]): string {
  return numbers[Number(waId.slice(-6)) % numbers.length]!;
}
